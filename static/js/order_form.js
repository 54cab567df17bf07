/* The new-order and edit-order forms: add and remove lines, fill a line from its product, pick a customer
   from the search results, and preview the totals. The server recomputes every amount;
   these are only a preview, done in integer cents so they match it exactly. */
(function () {
  "use strict";

  const form = document.getElementById("order-form");
  if (!form) return;
  const prefix = "lines";
  const body = document.getElementById("lines-body");
  const template = document.getElementById("line-template");
  const totalForms = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const subtotal = document.getElementById("order-subtotal");
  const products = JSON.parse(document.getElementById("product-data").textContent);
  const rowIndex = new RegExp(`^(id_)?${prefix}-(\\d+|__prefix__)-`);

  function field(row, name) {
    return row.querySelector(`[name$="-${name}"]`);
  }

  // "12.5" -> 1250n (hundredths); null unless a non-negative number with at most 2 decimals.
  function hundredths(text) {
    const match = /^\s*(\d*)(?:\.(\d{0,2}))?\s*$/.exec(text);
    if (!match || (match[1] === "" && !match[2])) return null;
    return BigInt(match[1] || "0") * 100n + BigInt((match[2] || "").padEnd(2, "0"));
  }

  function money(cents) {
    const digits = cents.toString().padStart(3, "0");
    const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `${whole}.${digits.slice(-2)}`;
  }

  // Quantity and price are in hundredths, so their product is in 1/10000: round half-up to cents.
  function lineCents(row) {
    const quantity = hundredths(field(row, "quantity").value);
    const price = hundredths(field(row, "unit_price").value);
    if (quantity === null || price === null) return null;
    return (quantity * price + 50n) / 100n;
  }

  function updateTotals() {
    let sum = 0n;
    for (const row of body.querySelectorAll("tr[data-line]")) {
      const cents = lineCents(row);
      row.querySelector("[data-amount]").textContent = cents === null ? "—" : money(cents);
      if (cents !== null) sum += cents;
    }
    subtotal.textContent = money(sum);
  }

  // Django's formset reads rows 0..TOTAL_FORMS-1, so rows are renumbered after a removal.
  function renumber() {
    const rows = body.querySelectorAll("tr[data-line]");
    rows.forEach((row, index) => {
      for (const element of row.querySelectorAll("[name], [id], [for], [aria-describedby]")) {
        for (const attribute of ["name", "id", "for", "aria-describedby"]) {
          const value = element.getAttribute(attribute);
          if (value) {
            const renamed = value
              .split(" ")
              .map((part) => part.replace(rowIndex, (_, id) => `${id || ""}${prefix}-${index}-`));
            element.setAttribute(attribute, renamed.join(" "));
          }
        }
      }
    });
    totalForms.value = rows.length;
  }

  document.getElementById("add-line").addEventListener("click", () => {
    const row = template.content.querySelector("tr").cloneNode(true);
    body.appendChild(row);
    renumber();
    updateTotals();
    field(row, "product").focus();
  });

  body.addEventListener("click", (event) => {
    const button = event.target.closest("[data-remove-line]");
    if (!button) return;
    button.closest("tr").remove();
    renumber();
    updateTotals();
    document.getElementById("add-line").focus();
  });

  // A product's (or item's) tax code and class, where the line offers them and QuickBooks
  // lists them; left empty, the server applies the same defaults.
  function fillDefaults(row, taxCode, classId) {
    for (const [name, value] of [["line_tax_code", taxCode], ["line_class", classId]]) {
      const select = field(row, name);
      if (select && value && select.querySelector(`option[value="${CSS.escape(value)}"]`)) {
        select.value = value;
      }
    }
  }

  body.addEventListener("change", (event) => {
    if (!event.target.name || !event.target.name.endsWith("-product")) return;
    const product = products[event.target.value];
    if (product) {
      const row = event.target.closest("tr");
      field(row, "unit_price").value = product.unit_price;
      field(row, "taxable").checked = product.taxable;
      fillDefaults(row, product.tax_code, product.class);
    }
    updateTotals();
  });

  body.addEventListener("input", updateTotals);

  // Customer search: htmx fills #customer-matches; a click on a match picks that customer.
  const customerId = form.querySelector('input[name="customer"]');
  const search = document.getElementById("id_customer_search");
  const matches = document.getElementById("customer-matches");
  // The edit page has lines only (no customer to pick).
  if (search && matches) {
    search.addEventListener("input", () => {
      customerId.value = "";
    });
    matches.addEventListener("click", (event) => {
      const option = event.target.closest("[data-customer-id]");
      if (!option) return;
      customerId.value = option.dataset.customerId;
      search.value = option.dataset.customerName;
      // The customer's default class, where the order takes one class.
      const orderClass = form.querySelector('select[name="qbo_class"]');
      const classId = option.dataset.customerClass;
      if (orderClass && classId && orderClass.querySelector(`option[value="${CSS.escape(classId)}"]`)) {
        orderClass.value = classId;
      }
      matches.replaceChildren();
      search.focus();
    });
  }

  // Item search (catalog's /items/search): a picked QuickBooks item fills the last empty line,
  // as its linked product when there is one, else as a line carrying the item itself.
  const itemMatches = document.getElementById("item-matches");
  if (itemMatches) {
    itemMatches.addEventListener("click", (event) => {
      const option = event.target.closest("[data-item-id]");
      if (!option) return;
      let row = [...body.querySelectorAll("tr[data-line]")].find(
        (r) => !field(r, "product").value && !field(r, "description").value
      );
      if (!row) {
        document.getElementById("add-line").click();
        row = body.querySelector("tr[data-line]:last-child");
      }
      const productId = option.dataset.productId;
      if (productId && products[productId]) {
        field(row, "product").value = productId;
        field(row, "item").value = "";
        fillDefaults(row, products[productId].tax_code, products[productId].class);
      } else {
        field(row, "product").value = "";
        field(row, "item").value = option.dataset.itemId;
        field(row, "description").value = option.dataset.itemName;
        fillDefaults(row, option.dataset.taxCode, option.dataset.class);
      }
      field(row, "unit_price").value = option.dataset.unitPrice;
      field(row, "taxable").checked = option.dataset.taxable === "true";
      itemMatches.replaceChildren();
      const itemSearch = document.getElementById("item-search");
      itemSearch.value = "";
      updateTotals();
      field(row, "quantity").focus();
    });
  }

  // One order per click: the server also refuses a second submission of the same form.
  form.addEventListener("submit", () => {
    const submit = form.querySelector('button[type="submit"]:not([data-remove-line])');
    if (submit) setTimeout(() => { submit.disabled = true; }, 0);
  });

  updateTotals();
})();
