"""Discount by shipping by tax-exempt lines by ship-to by who works out the tax: every order made
on the page becomes an invoice in the sandbox (over real HTTP) with the order's total, line
for line, read back from the sandbox.

The expected tax is worked out here from the sandbox's documented rate table (qbo_sandbox
README "Sales tax"), not from the app: NY is two rates (4% + 4.875%, each rounded to the
cent), no ship-to means the company's own address (California, 8%). A foreign-currency
customer's invoice has the same figures, in its currency, and the home total at the rate.
"""

import itertools
from decimal import ROUND_HALF_UP, Decimal

import pytest

from invoicing import drains
from invoicing.models import InvoicingSettings, Order
from qbo.client import open_client
from tests.support import connect_through_consent, make_customer, order_post

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
RATES = {"NY": [Decimal("4"), Decimal("4.875")], "": [Decimal("8")], "OR": []}
LINES = [
    {"description": "Design", "quantity": "3", "unit_price": "33.33"},
    {"description": "Materials", "quantity": "1", "unit_price": "45.50"},
]
EXEMPT = {"description": "Exempt labour", "quantity": "2", "unit_price": "20.00", "taxable": None}
DISCOUNTS = [("", ""), ("percent", "10"), ("amount", "15.00")]
SHIPPING = ["", "12.50"]
SHIP_TO = ["", "NY"]
OUR_TAX = Decimal("7.77")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amount(line: dict) -> Decimal:
    return cents(Decimal(line["quantity"]) * Decimal(line["unit_price"]))


def expected_tax(lines: list[dict], shipping: Decimal, state: str, shipping_taxed: bool):
    base = sum((amount(n) for n in lines if "taxable" not in n), Decimal("0"))
    base += shipping if shipping_taxed else 0
    return sum((cents(base * rate / 100) for rate in RATES[state]), Decimal("0.00"))


def expected_discount(lines: list[dict], kind: str, value: str) -> Decimal:
    subtotal = sum((amount(n) for n in lines), Decimal("0"))
    if kind == "percent":
        return cents(subtotal * Decimal(value) / 100)
    return Decimal(value or "0")


@pytest.fixture
def shipping_company(client, user, company, qbo):
    """A US company (automated sales tax on) whose sales forms have a shipping field."""
    realm = qbo.control.create_company(name="Matrix Goods", features={"shipping": True})
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    InvoicingSettings.objects.update_or_create(company=company, defaults={"shipping_taxable": True})
    return realm


def the_invoice(qbo, realm, order) -> dict:
    marker = f"[qbsync:{order.company_id}:{order.pk}]"
    rows = qbo.state.companies[realm].rows("Invoice")
    [invoice] = [inv for inv in rows if marker in (inv.get("PrivateNote") or "")]
    return invoice


def post_order(client, case: tuple) -> Order:
    (kind, value), shipping, exempt, state, ours = case
    lines = LINES + ([EXEMPT] if exempt else [])
    fields = {
        "new_customer_name": "Matrix Buyer",
        "discount_kind": kind,
        "discount_value": value,
        "shipping": shipping,
    }
    if state:
        fields.update(ship_line1="1 Main St", ship_city="Town", ship_region=state)
    if ours:
        fields["tax"] = str(OUR_TAX)
    response = client.post("/orders/new/", order_post(*lines, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Order.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def test_every_combination_has_quickbooks_total_line_for_line(
    client, company, qbo, shipping_company
):
    realm = shipping_company
    cases = {}
    for ours in (False, True):
        mode = InvoicingSettings.TaxMode.OURS if ours else InvoicingSettings.TaxMode.QUICKBOOKS
        InvoicingSettings.objects.filter(company=company).update(tax_mode=mode)
        for case in itertools.product(DISCOUNTS, SHIPPING, (False, True), SHIP_TO, (ours,)):
            cases[post_order(client, case).pk] = case
    drains.drain(company.pk)

    assert len(cases) == 48
    for order in Order.objects.filter(pk__in=cases).prefetch_related("lines"):
        (kind, value), shipping, exempt, state, ours = case = cases[order.pk]
        assert order.push_status == "synced", (case, order.last_error)
        invoice = the_invoice(qbo, realm, order)
        lines = LINES + ([EXEMPT] if exempt else [])
        shipping = Decimal(shipping or "0")
        discount = expected_discount(lines, kind, value)
        tax = OUR_TAX if ours else expected_tax(lines, shipping, state, shipping_taxed=True)

        # The order's own figures, worked out as QuickBooks does.
        subtotal = sum((amount(n) for n in lines), Decimal("0"))
        assert (order.subtotal, order.discount, order.shipping) == (subtotal, discount, shipping)
        assert order.total == subtotal - discount + shipping + (tax if ours else 0), case

        # The invoice, line for line.
        sales = [
            ln
            for ln in invoice["Line"]
            if ln["DetailType"] == "SalesItemLineDetail"
            and ln["SalesItemLineDetail"]["ItemRef"]["value"] != "SHIPPING_ITEM_ID"
        ]
        assert [Decimal(str(ln["Amount"])) for ln in sales] == [
            line.amount for line in order.lines.all()
        ]
        codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in sales]
        assert codes == ["TAX", "TAX"] + (["NON"] if exempt else [])
        discounts = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
        assert [Decimal(str(ln["Amount"])) for ln in discounts] == ([discount] if kind else [])
        shipped = [
            ln
            for ln in invoice["Line"]
            if ln["DetailType"] == "SalesItemLineDetail"
            and ln["SalesItemLineDetail"]["ItemRef"]["value"] == "SHIPPING_ITEM_ID"
        ]
        assert [Decimal(str(ln["Amount"])) for ln in shipped] == ([shipping] if shipping else [])
        assert (invoice.get("ShipAddr") or {}).get("CountrySubDivisionCode", "") == state

        # Tax and total: QuickBooks' equal ours (and the tax we sent, when we sent it).
        assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == tax, case
        assert Decimal(str(invoice["TotalAmt"])) == subtotal - discount + shipping + tax, case
        assert order.qbo_tax == tax and order.qbo_total == Decimal(str(invoice["TotalAmt"]))
        assert not order.total_differs_in_qbo, case


def test_shipping_goes_on_a_chosen_item_when_quickbooks_has_no_shipping_field(
    client, user, company, qbo
):
    realm = qbo.control.create_company(name="No Shipping Field", features={"shipping": False})
    client.force_login(user)
    connect_through_consent(client, qbo, realm_id=realm)
    order = post_order(client, (("", ""), "9.00", False, "OR", False))
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "failed"
    assert "shipping item" in order.last_error  # refused before QuickBooks was asked

    items = qbo.state.companies[realm].rows("Item")
    item = next(i for i in items if i.get("Type") == "Service" and i["Name"] != "Services")
    InvoicingSettings.objects.filter(company=company).update(
        shipping_item_id=str(item["Id"]), shipping_item_name=item["Name"]
    )
    client.post(f"/orders/{order.pk}/retry/")
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    invoice = the_invoice(qbo, realm, order)
    [shipped] = [
        ln
        for ln in invoice["Line"]
        if ln["DetailType"] == "SalesItemLineDetail"
        and ln["SalesItemLineDetail"]["ItemRef"]["value"] == str(item["Id"])
    ]
    assert Decimal(str(shipped["Amount"])) == Decimal("9.00")
    assert shipped["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "NON"  # not taxable
    # Oregon has no sales tax: QuickBooks' total is the order's.
    assert order.qbo_total == order.total == amount(LINES[0]) + amount(LINES[1]) + 9
    assert not order.total_differs_in_qbo


def test_a_currency_the_company_cannot_invoice_in_is_refused_before_the_push(
    client, user, company, qbo, shipping_company
):
    qbo.control.clear_request_log()
    order = post_order(client, (("", ""), "", False, "", False))
    Order.objects.filter(pk=order.pk).update(currency="EUR")
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "failed"
    assert "invoices only in USD" in order.last_error
    posts = qbo.control.request_log(method="POST")
    assert not any(r["path"].endswith(("/invoice", "/batch")) for r in posts)


def test_apply_tax_after_discount_takes_the_discount_off_the_taxed_lines(
    client, company, qbo, shipping_company
):
    InvoicingSettings.objects.filter(company=company).update(apply_tax_after_discount=True)
    order = post_order(client, (("amount", "14.55"), "", False, "", False))
    drains.drain(company.pk)
    order.refresh_from_db()
    invoice = the_invoice(qbo, shipping_company, order)
    assert invoice["ApplyTaxAfterDiscount"] is True
    # 145.49 of lines, all taxable, less 14.55 → 130.94 taxed at 8%.
    assert order.qbo_tax == cents(Decimal("130.94") * Decimal("0.08")) == Decimal("10.48")
    assert order.qbo_total == Decimal("145.49") - Decimal("14.55") + Decimal("10.48")
    assert not order.total_differs_in_qbo


def test_a_foreign_currency_invoice_has_the_order_total_line_for_line(client, user, company, qbo):
    """A EUR customer in a USD multicurrency company, with a rate: the same figures as at home
    (QuickBooks' amounts are in the invoice's currency), and the home total at that rate."""
    realm = qbo.control.create_company(
        name="Matrix Euro",
        features={"shipping": True, "multicurrency": True, "currencies": ["EUR"]},
    )
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    InvoicingSettings.objects.update_or_create(company=company, defaults={"shipping_taxable": True})
    with open_client(company) as qb:
        made = qb.create(
            "Customer",
            {"DisplayName": "Matrix Euro Buyer", "CurrencyRef": {"value": "EUR"}},
            request_id="t-matrix-euro",
        )
    buyer = make_customer(company, "Matrix Euro Buyer", qbo_id=str(made["Id"]), currency="EUR")
    rate = Decimal("1.0912345")
    cases = {}
    for case in itertools.product(DISCOUNTS, SHIPPING, (False, True)):
        (kind, value), shipping, exempt = case
        fields = {"customer": str(buyer.pk), "exchange_rate": str(rate)}
        fields.update(discount_kind=kind, discount_value=value, shipping=shipping)
        lines = LINES + ([EXEMPT] if exempt else [])
        response = client.post("/orders/new/", order_post(*lines, **fields))
        assert response.status_code == 302, response.content.decode()[:2000]
        cases[int(response["Location"].rstrip("/").split("/")[-1])] = case
    drains.drain(company.pk)

    assert len(cases) == 12
    for order in Order.objects.filter(pk__in=cases).prefetch_related("lines"):
        (kind, value), shipping, exempt = case = cases[order.pk]
        assert order.push_status == "synced", (case, order.last_error)
        assert (order.currency, order.exchange_rate) == ("EUR", rate)
        invoice = the_invoice(qbo, realm, order)
        assert invoice["CurrencyRef"]["value"] == "EUR"
        assert Decimal(str(invoice["ExchangeRate"])) == rate
        lines = LINES + ([EXEMPT] if exempt else [])
        shipping = Decimal(shipping or "0")
        discount = expected_discount(lines, kind, value)
        tax = expected_tax(lines, shipping, "", shipping_taxed=True)
        sales = [
            ln
            for ln in invoice["Line"]
            if ln["DetailType"] == "SalesItemLineDetail"
            and ln["SalesItemLineDetail"]["ItemRef"]["value"] != "SHIPPING_ITEM_ID"
        ]
        assert [Decimal(str(ln["Amount"])) for ln in sales] == [
            line.amount for line in order.lines.all()
        ]
        discounts = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
        assert [Decimal(str(ln["Amount"])) for ln in discounts] == ([discount] if kind else [])
        subtotal = sum((amount(n) for n in lines), Decimal("0"))
        total = Decimal(str(invoice["TotalAmt"]))
        assert total == subtotal - discount + shipping + tax == order.qbo_total, case
        assert order.total == subtotal - discount + shipping and not order.total_differs_in_qbo
        assert Decimal(str(invoice["HomeTotalAmt"])) == cents(total * rate), case
