"""Invoice: lines, totals, numbering, terms, stock, and the void/delete rules."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities import currency, formprefs, schema
from qbo_sandbox.entities import tax as sales_tax
from qbo_sandbox.entities.base import (
    MODIFIED_BY,
    EntityType,
    bumped,
    clean,
    date_of,
    decimal_of,
    ref_value,
    resolve_ref,
    stamp_addresses,
    today,
)
from qbo_sandbox.entities.ledger import applied_to, refresh_customers, unlink_invoice

SALES = "SalesItemLineDetail"
DISCOUNT = "DiscountLineDetail"
SUBTOTAL = "SubTotalLineDetail"
GROUP = sales_tax.GROUP
LINE_DETAILS = (SALES, "GroupLineDetail", "DescriptionOnly", DISCOUNT)
SALES_DETAIL_KEYS = (
    "ItemRef",
    "ClassRef",
    "UnitPrice",
    "Qty",
    "ItemAccountRef",
    "TaxCodeRef",
    "ServiceDate",
    "DiscountRate",
    "DiscountAmt",
    "MarkupInfo",
)
DOC_NUMBER_MAX = 21
_TRAILING_DIGITS = re.compile(r"(\d+)$")


class SalesFormType(EntityType):
    """What Invoice, CreditMemo, SalesReceipt, RefundReceipt and Estimate share: the sales
    line model, totals, addresses, ShipFromAddr, numbering, Class/Department references and
    stock (Intuit's reference pages give all five the same Line and header model;
    QBO-TRANSACTIONS.md §5)."""

    kind = "transaction"
    read_only = frozenset(
        {
            "TotalAmt",
            "Balance",
            "HomeBalance",
            "HomeTotalAmt",
            "LinkedTxn",
            "DeliveryInfo",
            "InvoiceLink",
            "RemainingCredit",
        }
    )
    customer_required = True
    terms = False  # DueDate from SalesTermRef / the customer's / the company's term
    stock_sign = 0  # -1: selling lowers QtyOnHand; +1: a return raises it
    # Invoices, credit memos, sales receipts and refunds count on from one number
    # (nango_creditmemo_create.json got 1050 after the invoices' 104x); estimates have their
    # own (nango_estimate_create.json: 1003).
    number_group: tuple[str, ...] = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt")
    modified_by = False  # MetaData.LastModifiedByRef in answers
    extra_defaults: dict = {}
    empty_links = False  # answer "LinkedTxn": [] (invoices do: nango_invoice_create.json)

    @cached_property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(schema.ENTITIES[self.name])

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        if existing is not None and existing.get("_voided"):
            raise errors.business_rule("A voided transaction cannot be modified.")
        customer_ref = resolve_ref(
            work, data, "CustomerRef", "Customer", required=self.customer_required
        )
        customer = work.get("Customer", customer_ref["value"]) if customer_ref else None
        lines = build_lines(work, data.get("Line") or [])
        txn_date = date_of(data, "TxnDate", today(work))
        obj = {**self.defaults(customer or {}), **data, "Line": lines}
        if customer_ref is not None:
            obj["CustomerRef"] = customer_ref
        obj["TxnDate"] = txn_date
        # Preferences decide classes, locations and custom fields; tax sets TotalAmt.
        formprefs.apply_tracking(work, obj)
        formprefs.apply_custom_fields(work, obj)
        sales_tax.apply(work, obj, existing)
        obj["LinkedTxn"] = self.links(work, data, existing, customer_ref)
        self.amounts(work, obj, existing)
        currency.apply(work, obj, data, customer)
        ship_from(work, obj, existing)
        stamp_addresses(work, obj, existing, "BillAddr", "ShipAddr", "ShipFromAddr")
        if self.terms:
            _apply_terms(work, obj, customer or {}, date.fromisoformat(txn_date))
        self.number(work, obj, data, existing, options)
        return obj

    def defaults(self, customer: dict) -> dict:
        return {**_defaults(customer), **self.extra_defaults}

    def links(
        self, work: UnitOfWork, data: dict, existing: dict | None, customer_ref: dict | None
    ) -> list[dict]:
        """LinkedTxn is maintained by QBO (payments applied to it)."""
        return list(existing.get("LinkedTxn", [])) if existing else []

    def amounts(self, work: UnitOfWork, obj: dict, existing: dict | None) -> None:
        """Balance and friends; paid at once by default (sales receipts, refunds)."""
        obj["Balance"] = Decimal(0)

    def after_write(self, work: UnitOfWork, old: dict | None, new: dict | None) -> None:
        refresh_customers(work, [_customer_id(old), _customer_id(new)])
        if self.stock_sign:
            _move_stock(work, old, new, self.stock_sign)

    def after_create_many(self, work: UnitOfWork, created: list[dict]) -> None:
        refresh_customers(work, [_customer_id(obj) for obj in created])
        if self.stock_sign:
            for obj in created:
                _move_stock(work, None, obj, self.stock_sign)

    def void(self, work: UnitOfWork, obj: dict) -> dict:
        # A voided invoice keeps its lines with Amount 0 (and Qty 0, UnitPrice dropped, as in
        # Intuit's void example), TotalAmt/Balance/TotalTax 0, no links, "Voided" prepended to
        # the memo (minimul/qbo_api spec/vcr/void/invoice.yml; QBO-TRANSACTIONS.md §2).
        tax = {**obj.get("TxnTaxDetail", {}), "TotalTax": Decimal(0)}
        tax.pop("TaxLine", None)
        note = obj.get("PrivateNote")
        return {
            **obj,
            "Line": [_voided_line(line) for line in obj["Line"]],
            "TotalAmt": Decimal(0),
            "Balance": Decimal(0),
            "PrivateNote": f"Voided {note}" if note else "Voided",
            "LinkedTxn": [],
            "TxnTaxDetail": tax,
            "_voided": True,
        }

    def number(
        self, work: UnitOfWork, obj: dict, data: dict, existing: dict | None, options: frozenset
    ) -> None:
        _number(work, obj, data, existing, options, self.name, self.number_group)

    def render(self, obj: dict) -> dict:
        """QBO adds a SubTotalLineDetail line after the sales lines on every read."""
        lines = obj["Line"]
        shipping = [line for line in lines if sales_tax.is_shipping(line.get(SALES))]
        sales = [line for line in lines if line.get("DetailType") != DISCOUNT]
        sales = [line for line in sales if line not in shipping]
        discounts = [line for line in lines if line.get("DetailType") == DISCOUNT]
        subtotal = {
            "Amount": sum((line["Amount"] for line in sales_tax.item_lines(sales)), Decimal(0)),
            "DetailType": SUBTOTAL,
            SUBTOTAL: {},
        }
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        out["Line"] = [*sales, subtotal, *discounts, *shipping]  # shipping last [U]
        if not out.get("LinkedTxn") and not self.empty_links:
            # A credit memo or estimate with no links has none (nango_*_create.json).
            out.pop("LinkedTxn", None)
        if self.modified_by:
            # Invoices name the user who last changed them (nango_invoice_create/read/query).
            out["MetaData"] = {**out["MetaData"], "LastModifiedByRef": dict(MODIFIED_BY)}
        return out


class InvoiceType(SalesFormType):
    name = "Invoice"
    voidable = True
    query_total = True
    terms = True
    stock_sign = -1
    modified_by = True
    empty_links = True
    read_only = SalesFormType.read_only - {"LinkedTxn"}
    extra_defaults = {
        "AllowIPNPayment": False,
        "AllowOnlinePayment": False,
        "AllowOnlineCreditCardPayment": False,
        "AllowOnlineACHPayment": False,
    }

    def links(
        self, work: UnitOfWork, data: dict, existing: dict | None, customer_ref: dict | None
    ) -> list[dict]:
        """Payment links are QBO's; an Estimate link may be sent (converting the estimate)."""
        kept = list(existing.get("LinkedTxn", [])) if existing else []
        for link in data.get("LinkedTxn") or []:
            if not isinstance(link, dict) or link.get("TxnType") != "Estimate":
                continue  # links to payments are read-only (Intuit's Invoice reference)
            ident = str(link.get("TxnId") or "")
            if any(k["TxnType"] == "Estimate" and k["TxnId"] == ident for k in kept):
                continue
            if not ident.strip().isdigit():
                raise errors.invalid_id(ident, "LinkedTxn.TxnId")
            estimate = work.get("Estimate", ident)
            if estimate is None:
                raise errors.object_not_found("Estimate", ident)
            if ref_value(estimate.get("CustomerRef")) != ref_value(customer_ref):
                raise errors.business_rule(
                    f"Estimate {ident} belongs to another customer than this invoice."
                )
            if any(k.get("TxnType") == "Invoice" for k in estimate.get("LinkedTxn", [])):
                # Unverified: the sandbox converts an estimate once.
                raise errors.business_rule(f"Estimate {ident} is already linked to an invoice.")
            kept.insert(0, {"TxnId": ident, "TxnType": "Estimate"})
        return kept

    def amounts(self, work: UnitOfWork, obj: dict, existing: dict | None) -> None:
        applied = applied_to(work, existing["Id"]) if existing else Decimal(0)
        if obj["TotalAmt"] < applied:
            raise errors.business_rule(
                "The invoice total cannot be less than the payments applied."
            )
        obj["Balance"] = money(obj["TotalAmt"] - applied)
        if "Deposit" in obj:  # QBO answers no Deposit unless one was taken
            obj["Deposit"] = decimal_of(obj, "Deposit", "Deposit")

    def after_write(self, work: UnitOfWork, old: dict | None, new: dict | None) -> None:
        super().after_write(work, old, new)
        link_estimates(work, old, new)

    def after_create_many(self, work: UnitOfWork, created: list[dict]) -> None:
        super().after_create_many(work, created)
        for obj in created:
            link_estimates(work, None, obj)

    def on_delete(self, work: UnitOfWork, obj: dict) -> None:
        unlink_invoice(work, obj["Id"])

    def void(self, work: UnitOfWork, obj: dict) -> dict:
        unlink_invoice(work, obj["Id"])
        return super().void(work, obj)


def _estimate_ids(invoice: dict | None) -> set[str]:
    if invoice is None or invoice.get("_voided"):
        return set()
    return {k["TxnId"] for k in invoice.get("LinkedTxn", []) if k.get("TxnType") == "Estimate"}


def link_estimates(work: UnitOfWork, old: dict | None, new: dict | None) -> None:
    """An invoice linked to an estimate closes it and both carry the link; when the invoice
    goes (deleted, voided) the estimate is Pending again without the link (unverified)."""
    before, after = _estimate_ids(old), _estimate_ids(new)
    invoice_id = (new or old or {}).get("Id")
    for ident in after - before:
        estimate = work.get("Estimate", ident)
        links = [*estimate.get("LinkedTxn", []), {"TxnId": invoice_id, "TxnType": "Invoice"}]
        changes = {"TxnStatus": "Closed", "LinkedTxn": links}
        work.put("Estimate", bumped(estimate, changes, work.now), "Update")
    for ident in before - after:
        estimate = work.get("Estimate", ident)
        if estimate is None:
            continue
        links = [k for k in estimate.get("LinkedTxn", []) if k.get("TxnId") != invoice_id]
        changes = {"TxnStatus": "Pending", "LinkedTxn": links}
        work.put("Estimate", bumped(estimate, changes, work.now), "Update")


def _defaults(customer: dict) -> dict:
    """What QBO fills in when the request has none: addresses from the customer (documented),
    PrintStatus NeedToPrint, EmailStatus NotSet, CustomField [] (every recorded invoice) — but
    never BillEmail or SalesTermRef (nango_invoice_create.json: customer 1 has an e-mail
    address and the company a default term, the created invoice has neither)."""
    defaults = {
        "ApplyTaxAfterDiscount": False,
        "PrintStatus": "NeedToPrint",
        "EmailStatus": "NotSet",
        "CustomField": [],
    }
    for source, target in (("BillAddr", "BillAddr"), ("ShipAddr", "ShipAddr")):
        if customer.get(source):
            defaults[target] = dict(customer[source])
    return defaults


def ship_from(work: UnitOfWork, obj: dict, existing: dict | None) -> None:
    """ShipFromAddr (minor version 35) is the company address in QBO's free form, and
    FreeFormAddress true, on sales forms created through the API (nango_invoice_create.json,
    nango_estimate_create.json, nango_creditmemo_create.json)."""
    if existing is not None:
        for key in ("ShipFromAddr", "FreeFormAddress"):
            if key in existing and key not in obj:
                obj[key] = existing[key]
        return
    obj.setdefault("FreeFormAddress", True)
    if "ShipFromAddr" in obj:
        return
    company = (work.get("CompanyInfo", "1") or {}).get("CompanyAddr") or {}
    if company.get("Line1"):
        place = f"{company.get('City', '')}, {company.get('CountrySubDivisionCode', '')}"
        obj["ShipFromAddr"] = {
            "Line1": company["Line1"],
            "Line2": f"{place}  {company.get('PostalCode', '')}".strip(),
        }


def _voided_line(line: dict) -> dict:
    out = {**line, "Amount": Decimal(0)}
    detail = line.get(SALES)
    if detail is not None:
        detail = {k: v for k, v in detail.items() if k != "UnitPrice"}
        if "Qty" in detail:
            detail["Qty"] = Decimal(0)
        out[SALES] = detail
    return out


def _sum(lines: list[dict], *detail_types: str) -> Decimal:
    return sum((line["Amount"] for line in lines if line["DetailType"] in detail_types), Decimal(0))


def build_lines(work: UnitOfWork, raw_lines: list[dict]) -> list[dict]:
    """Validate lines (SubTotal lines from a read are ignored) and number them."""
    raw = [line for line in raw_lines if line.get("DetailType") != SUBTOTAL]
    if not raw:
        raise errors.required_param("Line")
    used_ids = {str(line["Id"]) for line in raw if line.get("Id")}
    next_id = max((int(i) for i in used_ids if i.isdigit()), default=0)
    lines, sales_total = [], Decimal(0)
    for number, line in enumerate(raw, start=1):
        built = _line(work, line, sales_total)
        for item_line in sales_tax.item_lines([built]):
            if not sales_tax.is_shipping(item_line.get(SALES)):
                sales_total += item_line["Amount"]  # a discount applies to the items only
        if not line.get("Id"):
            next_id += 1
        built = {
            "Id": str(line.get("Id") or next_id),
            "LineNum": line.get("LineNum") or number,
            **built,
        }
        if built["DetailType"] == GROUP:  # a bundle's lines are numbered after it
            nested = []
            for inner in built[GROUP]["Line"]:
                next_id += 1
                nested.append({"Id": str(next_id), "LineNum": next_id, **inner})
            built[GROUP] = {**built[GROUP], "Line": nested}
        if built["DetailType"] == SALES:
            built["CustomExtensions"] = []  # on every recorded sales line (nango samples)
        lines.append(built)
    return lines


def _line(work: UnitOfWork, line: dict, sales_total: Decimal) -> dict:
    detail_type = line.get("DetailType")
    if detail_type not in LINE_DETAILS:
        raise errors.invalid_property(f"Line.DetailType:{detail_type}")
    amount = decimal_of(line, "Amount", "Line.Amount")
    out: dict = {}
    if line.get("Description"):
        out["Description"] = line["Description"]
    if detail_type == SALES:
        if amount is None:
            raise errors.required_param("Line.Amount")
        detail = clean(dict(line.get(SALES) or {}))
        # An empty detail "reads as absent" to QBO; one without ItemRef is refused too.
        if not detail:
            raise errors.required_param(f"Line.{SALES}")
        out[SALES] = _sales_detail(work, detail, amount)
    elif detail_type == DISCOUNT:
        detail = dict(line.get(DISCOUNT) or {})
        percent = decimal_of(detail, "DiscountPercent", "DiscountLineDetail.DiscountPercent")
        if detail.get("PercentBased") and percent is not None:
            amount = sales_total * percent / 100
        out[DISCOUNT] = detail
    elif detail_type == GROUP:
        out[GROUP] = _group_detail(work, dict(line.get(GROUP) or {}))
        amount = Decimal(0)  # QBO answers 0 for the group line: its own lines carry the money
    else:
        out[detail_type] = dict(line.get(detail_type) or {})
    if line.get("LinkedTxn"):
        out["LinkedTxn"] = line["LinkedTxn"]
    return {**out, "Amount": money(amount or Decimal(0)), "DetailType": detail_type}


def _group_detail(work: UnitOfWork, detail: dict) -> dict:
    """A bundle on a sales form: GroupItemRef must be a Group item (2500 otherwise [U]); its
    lines are the ones sent, else the bundle's components times Quantity (default 1), each
    at its item's price and tax code (quickbooks-ruby invoice_with_bundle_line_item.xml)."""
    element = f"Line.{GROUP}.GroupItemRef"
    ref = resolve_ref(work, detail, "GroupItemRef", "Item", required=True, element=element)
    bundle = work.get("Item", ref["value"]) or {}
    if bundle.get("Type") != "Group":
        raise errors.invalid_reference(element)
    quantity = decimal_of(detail, "Quantity", f"Line.{GROUP}.Quantity")
    quantity = Decimal(1) if quantity is None else quantity
    sent = [line for line in detail.get("Line") or [] if isinstance(line, dict)]
    lines = []
    for line in sent:
        if line.get("DetailType") != SALES:
            raise errors.invalid_property(f"Line.{GROUP}.Line.DetailType:{line.get('DetailType')}")
        inner = {k: v for k, v in line.items() if k not in ("Id", "LineNum")}
        lines.append(_line(work, inner, Decimal(0)))
    if not sent:
        group_lines = (bundle.get("ItemGroupDetail") or {}).get("ItemGroupLine", [])
        lines = [_component(work, part, quantity) for part in group_lines]
    return {"GroupItemRef": ref, "Quantity": quantity, "Line": lines}


def _component(work: UnitOfWork, part: dict, quantity: Decimal) -> dict:
    """One of a bundle's items as a sales line of `quantity` bundles."""
    item = work.get("Item", ref_value(part.get("ItemRef")) or "") or {}
    qty = Decimal(str(part.get("Qty", 1))) * quantity
    price = Decimal(str(item.get("UnitPrice", 0) or 0))
    detail: dict = {"ItemRef": {"value": item.get("Id", "")}, "Qty": qty, "UnitPrice": price}
    if sales_tax.country_of(work) == "US":
        detail["TaxCodeRef"] = {"value": "TAX" if item.get("Taxable") else "NON"}
    elif item.get("SalesTaxCodeRef"):
        detail["TaxCodeRef"] = {"value": ref_value(item["SalesTaxCodeRef"])}
    amount = money(qty * price)
    return {
        "Amount": amount,
        "DetailType": SALES,
        SALES: _sales_detail(work, detail, amount),
        "CustomExtensions": [],
    }


def _sales_detail(work: UnitOfWork, detail: dict, amount: Decimal) -> dict:
    if sales_tax.is_shipping(detail):
        return formprefs.shipping_detail(work, detail)
    qty = decimal_of(detail, "Qty", "Line.SalesItemLineDetail.Qty")
    price = decimal_of(detail, "UnitPrice", "Line.SalesItemLineDetail.UnitPrice")
    # QBO checks Amount = UnitPrice x Qty when both are given (6070); Qty 0 means "not given".
    if qty and price is not None and money(qty * price) != money(amount):
        raise errors.amount_mismatch(format(amount.normalize(), "f"))
    out = {key: detail[key] for key in SALES_DETAIL_KEYS if key in detail}
    if qty is not None:
        out["Qty"] = qty
    if price is not None:
        out["UnitPrice"] = price
    item_ref = resolve_ref(
        work, detail, "ItemRef", "Item", required=True, element=f"Line.{SALES}.ItemRef"
    )
    out["ItemRef"] = item_ref
    item = work.get("Item", item_ref["value"]) or {}
    if item.get("Type") in ("Category", "Group"):
        # Not sellable on an item line: a bundle goes on a GroupLineDetail line (code [U]).
        raise errors.invalid_reference(f"Line.{SALES}.ItemRef")
    if item.get("IncomeAccountRef"):
        out["ItemAccountRef"] = dict(item["IncomeAccountRef"])
    out["TaxCodeRef"] = sales_tax.line_tax_code(work, detail, f"Line.{SALES}.TaxCodeRef")
    return out


def _apply_terms(work: UnitOfWork, obj: dict, customer: dict, txn_date: date) -> None:
    """DueDate: given, else TxnDate + the term's days (invoice, customer, company default)."""
    term_ref = resolve_ref(work, obj, "SalesTermRef", "Term")
    if term_ref is not None:
        obj["SalesTermRef"] = term_ref
    else:
        # The due date still follows the customer's or the company's term, which the
        # invoice does not name (nango_invoice_create.json: TxnDate + 30, no SalesTermRef).
        prefs = (work.get("Preferences", "1") or {}).get("SalesFormsPrefs", {})
        default = customer.get("SalesTermRef") or prefs.get("DefaultTerms")
        term_ref = resolve_ref(work, {"SalesTermRef": default}, "SalesTermRef", "Term")
    if obj.get("DueDate"):
        obj["DueDate"] = date_of(obj, "DueDate")
        return
    term = work.get("Term", term_ref["value"]) if term_ref else None
    days = int(term.get("DueDays", 0)) if term else 0
    obj["DueDate"] = (txn_date + timedelta(days=days)).isoformat()


def _number(
    work: UnitOfWork,
    obj: dict,
    data: dict,
    existing: dict | None,
    options: frozenset,
    entity: str = "Invoice",
    group: tuple[str, ...] = ("Invoice",),
) -> None:
    """DocNumber: auto-assigned when omitted and custom numbers are off, or on AUTO_GENERATE."""
    prefs = (work.get("Preferences", "1") or {}).get("SalesFormsPrefs", {})
    given = data.get("DocNumber")
    if given == "AUTO_GENERATE" or (
        given is None and existing is None and not prefs.get("CustomTxnNumbers")
    ):
        obj["DocNumber"] = _next_doc_number(work, group)
        return
    if given is None:
        if existing is not None and existing.get("DocNumber"):
            obj["DocNumber"] = existing["DocNumber"]
        return
    number = str(given)
    if len(number) > DOC_NUMBER_MAX:
        raise errors.length_exceeded("DocNumber", DOC_NUMBER_MAX, len(number))
    own_id = existing["Id"] if existing else None
    if "allowduplicatedocnum" not in options:
        for other in work.values(entity):
            if other.get("DocNumber") == number and other["Id"] != own_id:
                raise errors.duplicate_doc_number(number, entity, other["Id"])
    obj["DocNumber"] = number


def _entered(txn: dict) -> tuple[str, int]:
    return txn["MetaData"]["CreateTime"], int(txn["Id"])


def _next_doc_number(work: UnitOfWork, group: tuple[str, ...] = ("Invoice",)) -> str:
    """The next number after the last one entered, keeping its prefix (AT101 -> AT102)."""
    txns = [txn for entity in group for txn in work.values(entity)]
    used = {txn.get("DocNumber") for txn in txns}
    last = next(
        (
            txn["DocNumber"]
            for txn in sorted(txns, key=_entered, reverse=True)
            if txn.get("DocNumber") and _TRAILING_DIGITS.search(txn["DocNumber"])
        ),
        "1000",
    )
    digits = _TRAILING_DIGITS.search(last)
    prefix, value, width = last[: digits.start()], int(digits.group(1)), len(digits.group(1))
    candidate = last
    while candidate in used or candidate == last:
        value += 1
        candidate = f"{prefix}{value:0{width}d}"
    return candidate


def _customer_id(invoice: dict | None) -> str | None:
    return ref_value(invoice.get("CustomerRef")) if invoice else None


def _stock(work: UnitOfWork, invoice: dict | None) -> dict[str, Decimal]:
    sold: dict[str, Decimal] = {}
    if invoice is None or invoice.get("_voided"):
        return sold
    for line in invoice["Line"]:
        detail = line.get(SALES) or {}
        item_id = ref_value(detail.get("ItemRef"))
        if item_id and (work.get("Item", item_id) or {}).get("Type") == "Inventory":
            sold[item_id] = sold.get(item_id, Decimal(0)) + (detail.get("Qty") or Decimal(1))
    return sold


def _move_stock(work: UnitOfWork, old: dict | None, new: dict | None, sign: int = -1) -> None:
    """Selling an Inventory item lowers its QtyOnHand (a credit memo or refund raises it);
    deleting or voiding restores it."""
    before, after = _stock(work, old), _stock(work, new)
    for item_id in before.keys() | after.keys():
        delta = after.get(item_id, Decimal(0)) - before.get(item_id, Decimal(0))
        item = work.get("Item", item_id)
        if delta and item is not None:
            quantity = item.get("QtyOnHand", Decimal(0)) + sign * delta
            work.put("Item", {**item, "QtyOnHand": quantity})
