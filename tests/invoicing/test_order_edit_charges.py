"""Editing an invoiced order's charges (discount, shipping, our tax) and header (dates, memo,
bill e-mail, ship-to) on its page: one sparse update, read back from the sandbox over real
HTTP. Expected tax comes from the sandbox's documented rate table (qbo_sandbox README
"Sales tax"): NY is 4% + 4.875%, each rounded; Oregon has none.
"""

import itertools
import re
from decimal import Decimal

import pytest

from invoicing import drains
from invoicing.models import InvoicingSettings, Order, OrderWrite
from qbo.client import open_client
from qbo.idempotency import derived_request_id
from tests.invoicing.test_totals_matrix import cents, the_invoice
from tests.support import connect_through_consent, order_post

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Design", "quantity": "3", "unit_price": "33.33"},
    {"description": "Materials", "quantity": "1", "unit_price": "45.50"},
]
NY = {"ship_line1": "1 Main St", "ship_city": "Albany", "ship_region": "NY"}
NY_RATES = [Decimal("4"), Decimal("4.875")]


@pytest.fixture
def shop(client, user, company, qbo):
    """A US company (automated sales tax) whose sales forms have a shipping field."""
    realm = qbo.control.create_company(name="Edit Goods", features={"shipping": True})
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    InvoicingSettings.objects.update_or_create(company=company, defaults={"shipping_taxable": True})
    return realm


_buyers = itertools.count(1)


def made(client, company, **fields) -> Order:
    name = f"Buyer {next(_buyers)}"
    response = client.post("/orders/new/", order_post(*LINES, new_customer_name=name, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    return order


def edit_fields(lines: list[dict], **fields) -> dict:
    data = {
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(len(lines)),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
        **fields,
    }
    for index, values in enumerate(lines):
        for name, value in {"taxable": "on", **values}.items():
            data[f"lines-{index}-{name}"] = value
    return data


def preview(client, order: Order, lines: list[dict], **fields):
    response = client.post(f"/orders/{order.pk}/edit/", edit_fields(lines, **fields))
    assert response.status_code == 200, response.content.decode()[:3000]
    return response


def save_edit(client, order: Order, lines: list[dict], **fields) -> OrderWrite:
    shown = preview(client, order, lines, **fields)
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', shown.text)
    assert digest, re.sub(r"\s+", " ", shown.text)[:3000]
    saved = client.post(
        f"/orders/{order.pk}/edit/", edit_fields(lines, confirm=digest.group(1), **fields)
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    return OrderWrite.objects.filter(order=order, kind="update").latest("pk")


def amount(line: dict) -> Decimal:
    return cents(Decimal(line["quantity"]) * Decimal(line["unit_price"]))


# (before, after): discount kind and value, shipping, our tax (None: QuickBooks calculates).
CASES = [
    (("", "", "", None), ("percent", "10", "12.50", None)),
    (("percent", "10", "12.50", None), ("amount", "15.00", "", None)),
    (("amount", "15.00", "", None), ("", "", "20.00", None)),
    (("", "", "", "7.77"), ("percent", "10", "12.50", "9.99")),
    (("percent", "10", "12.50", "7.77"), ("amount", "15.00", "", "3.00")),
    (("amount", "15.00", "9.00", "7.77"), ("", "", "", "7.77")),
]


def charge_fields(kind: str, value: str, shipping: str, tax: str | None) -> dict:
    fields = {"discount_kind": kind, "discount_value": value, "shipping": shipping, **NY}
    if tax is not None:
        fields["tax"] = tax
    return fields


def test_editing_charges_keeps_quickbooks_total_equal_to_ours(client, company, qbo, shop):
    edited = {}
    for before, after in CASES:
        ours = before[3] is not None
        mode = InvoicingSettings.TaxMode.OURS if ours else InvoicingSettings.TaxMode.QUICKBOOKS
        InvoicingSettings.objects.filter(company=company).update(tax_mode=mode)
        order = made(client, company, **charge_fields(*before))
        lines = [{**LINES[0], "quantity": "4"}, LINES[1]]  # a line changes too
        write = save_edit(client, order, lines, **charge_fields(*after))
        edited[order.pk] = (after, lines, write)
    drains.drain(company.pk)

    for pk, ((kind, value, shipping, tax), lines, write) in edited.items():
        write.refresh_from_db()
        assert write.status == "done", (pk, write.last_error)
        order = Order.objects.get(pk=pk)
        invoice = the_invoice(qbo, shop, order)
        subtotal = sum((amount(n) for n in lines), Decimal("0"))
        discount = Decimal(value or "0")
        if kind == "percent":
            discount = cents(subtotal * Decimal(value) / 100)
        shipping = Decimal(shipping or "0")
        if tax is None:  # QuickBooks' tax on the lines and (taxable) shipping, in NY
            base = subtotal + shipping
            tax = sum((cents(base * rate / 100) for rate in NY_RATES), Decimal("0"))
        else:
            tax = Decimal(tax)
        discounts = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
        assert [Decimal(str(ln["Amount"])) for ln in discounts] == ([discount] if kind else [])
        shipped = [
            ln
            for ln in invoice["Line"]
            if ln["DetailType"] == "SalesItemLineDetail"
            and ln["SalesItemLineDetail"]["ItemRef"]["value"] == "SHIPPING_ITEM_ID"
        ]
        assert [Decimal(str(ln["Amount"])) for ln in shipped] == ([shipping] if shipping else [])
        assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == tax, pk
        total = Decimal(str(invoice["TotalAmt"]))
        assert total == subtotal - discount + shipping + tax, pk
        assert (order.subtotal, order.discount, order.shipping) == (subtotal, discount, shipping)
        assert order.qbo_total == total and not order.total_differs_in_qbo, pk


def test_header_edits_are_previewed_and_sent_sparse(client, company, qbo, shop):
    order = made(
        client,
        company,
        due_date="2026-03-03",
        memo="Thanks",
        ship_postal_code="12207",
        **NY,
    )
    lines = LINES
    changes = {
        "order_date": "2026-03-05",
        "due_date": "2026-03-10",
        "memo": "Net 10, please",
        "bill_email": "ap@buyer.test",
        "ship_line1": "9 New St",
        "ship_city": "Portland",
        "ship_region": "OR",
        "ship_postal_code": "",
    }
    shown = re.sub(r"\s+", " ", preview(client, order, lines, **changes).text)
    assert re.search(r"Due date</td><td>3 Mar( 2026)?</td><td><strong>10 Mar", shown), shown
    assert re.search(r"Order date</td><td>2 Mar( 2026)?</td><td><strong>5 Mar", shown)
    assert "Message on invoice</td><td>Thanks</td><td><strong>Net 10, please" in shown
    assert "Bill e-mail</td><td>—</td><td><strong>ap@buyer.test" in shown
    assert "Ship to</td><td>1 Main St, Albany, NY, 12207</td>" in shown
    assert "<strong>9 New St, Portland, OR</strong>" in shown
    assert not OrderWrite.objects.exists()  # a preview writes nothing

    write = save_edit(client, order, lines, **changes)
    assert write.intent["line_set"] is False  # the lines didn't change: Line isn't sent
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    assert set(write.sent) == {
        "Id",
        "SyncToken",
        "TxnDate",
        "DueDate",
        "CustomerMemo",
        "BillEmail",
        "ShipAddr",
    }
    invoice = the_invoice(qbo, shop, order)
    assert (invoice["TxnDate"], invoice["DueDate"]) == ("2026-03-05", "2026-03-10")
    assert invoice["CustomerMemo"]["value"] == "Net 10, please"
    assert invoice["BillEmail"]["Address"] == "ap@buyer.test"
    address = {k: v for k, v in invoice["ShipAddr"].items() if k != "Id"}
    assert address == {"Line1": "9 New St", "City": "Portland", "CountrySubDivisionCode": "OR"}
    # Oregon has no sales tax: QuickBooks worked the tax out again from the new ship-to.
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == 0
    order.refresh_from_db()
    assert (str(order.due_date), order.memo, order.ship_region) == (
        "2026-03-10",
        changes["memo"],
        "OR",
    )
    assert order.qbo_total == order.total and not order.total_differs_in_qbo

    # A memo alone sends the memo alone.
    memo_only = save_edit(client, order, lines, memo="Net 10")
    drains.drain(company.pk)
    memo_only.refresh_from_db()
    assert memo_only.status == "done", memo_only.last_error
    assert set(memo_only.sent) == {"Id", "SyncToken", "CustomerMemo"}
    assert the_invoice(qbo, shop, order)["DueDate"] == "2026-03-10"


def change_due_date_in_quickbooks(company, order: Order, due: str) -> None:
    with open_client(company) as qb:
        current = qb.read("Invoice", order.qbo_invoice_id)
        payload = {"Id": order.qbo_invoice_id, "SyncToken": current["SyncToken"], "DueDate": due}
        qb.update("Invoice", payload, request_id=derived_request_id("their-due", order.pk))


def test_a_due_date_changed_in_quickbooks_is_a_conflict_never_overwritten(
    client, company, qbo, shop
):
    order = made(client, company, due_date="2026-03-03", memo="Thanks", **NY)
    change_due_date_in_quickbooks(company, order, "2026-03-31")
    write = save_edit(client, order, LINES, memo="Please pay", due_date="2026-03-20")
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "conflict"
    invoice = the_invoice(qbo, shop, order)
    assert (invoice["DueDate"], invoice["CustomerMemo"]["value"]) == ("2026-03-31", "Thanks")
    page = client.get(f"/orders/{order.pk}/").text
    assert "Changed in QuickBooks." in page and "Due date 31 Mar" in page

    kept = client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "quickbooks"})
    assert kept.status_code == 302
    order.refresh_from_db()
    assert (str(order.due_date), order.memo) == ("2026-03-31", "Thanks")
    assert the_invoice(qbo, shop, order)["DueDate"] == "2026-03-31"  # nothing was sent

    # A later edit is based on QuickBooks' version: only the memo changes there.
    later = save_edit(client, order, LINES, memo="Please pay")
    drains.drain(company.pk)
    later.refresh_from_db()
    assert later.status == "done", later.last_error
    invoice = the_invoice(qbo, shop, order)
    assert (invoice["DueDate"], invoice["CustomerMemo"]["value"]) == ("2026-03-31", "Please pay")


def test_pushing_ours_after_a_header_conflict_sends_only_our_fields(client, company, qbo, shop):
    order = made(client, company, due_date="2026-03-03", **NY)
    change_due_date_in_quickbooks(company, order, "2026-03-31")
    write = save_edit(client, order, LINES, memo="Ours")
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "conflict"

    client.post(f"/orders/{order.pk}/conflicts/{write.pk}/", {"keep": "ours"})
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    invoice = the_invoice(qbo, shop, order)
    # Sparse: their due date stays, our memo is there.
    assert (invoice["DueDate"], invoice["CustomerMemo"]["value"]) == ("2026-03-31", "Ours")


@pytest.mark.parametrize(
    "bad, field, message",
    [
        (
            {"due_date": "2026-03-01"},
            "due_date",
            "The due date can&#x27;t be before the order date.",
        ),
        ({"shipping": "-5"}, "shipping", "This can&#x27;t be negative."),
        ({"discount_kind": "percent", "discount_value": "120"}, "discount_value", "at most 100"),
        ({"discount_kind": "amount", "discount_value": "999"}, "discount_value", "more than the"),
        ({"bill_email": "not an address"}, "bill_email", "Enter a valid email address."),
    ],
)
def test_bad_header_or_charges_are_form_errors_and_write_nothing(
    client, company, qbo, shop, bad, field, message
):
    order = made(client, company, shipping="5.00", **NY)
    before = the_invoice(qbo, shop, order)
    response = client.post(f"/orders/{order.pk}/edit/", edit_fields(LINES, **bad))
    assert response.status_code == 200
    assert "Please fix the problems below" in response.text and message in response.text
    assert f'id="id_{field}"' in response.text and 'name="confirm"' not in response.text
    assert not OrderWrite.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert (order.revision, order.shipping) == (0, Decimal("5.00"))
    drains.drain(company.pk)
    assert the_invoice(qbo, shop, order)["SyncToken"] == before["SyncToken"]


def test_removing_a_synced_invoices_due_date_is_refused(client, company, qbo, shop):
    order = made(client, company, due_date="2026-03-03", **NY)
    refused = client.post(f"/orders/{order.pk}/edit/", edit_fields(LINES, due_date="", confirm="x"))
    text = refused.content.decode()
    # The preview shows first; saving it is refused (a sparse update can't clear it).
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', text).group(1)
    saved = client.post(
        f"/orders/{order.pk}/edit/", edit_fields(LINES, due_date="", confirm=digest)
    )
    assert saved.status_code == 409 and "keeps the invoice&#x27;s due date" in saved.text
    assert not OrderWrite.objects.filter(order=order).exists()


def test_a_lost_answer_to_a_charges_and_header_edit_applies_it_once(client, company, qbo, shop):
    order = made(client, company, due_date="2026-03-03", **NY)
    write = save_edit(
        client, order, LINES, due_date="2026-03-12", discount_kind="amount", discount_value="5"
    )
    qbo.control.add_fault(r"/v3/company/.*/invoice$", "drop_after_commit", count=1, method="POST")
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "pending" and write.last_error.startswith("Will retry")

    OrderWrite.objects.filter(pk=write.pk).update(next_attempt_at=None)
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "done", write.last_error
    invoice = the_invoice(qbo, shop, order)
    assert invoice["SyncToken"] == "1"  # one update, whatever was retried
    assert invoice["DueDate"] == "2026-03-12"
    discounts = [ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert [Decimal(str(ln["Amount"])) for ln in discounts] == [Decimal("5.00")]
    order.refresh_from_db()
    assert order.qbo_total == Decimal(str(invoice["TotalAmt"])) and not order.total_differs_in_qbo


def test_an_unpushed_order_takes_its_edited_header_to_its_first_invoice(client, company, qbo, shop):
    InvoicingSettings.objects.filter(company=company).update(tax_mode="quickbooks")
    response = client.post("/orders/new/", order_post(*LINES, new_customer_name="Early Bird"))
    order = Order.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    fields = {"bill_email": "early@bird.test", "memo": "Hello", "shipping": "4.00", **NY}
    saved = client.post(f"/orders/{order.pk}/edit/", edit_fields(LINES, **fields))
    assert saved.status_code == 302  # not in QuickBooks yet: no preview, no write
    assert not OrderWrite.objects.filter(order=order).exists()
    drains.drain(company.pk)
    invoice = the_invoice(qbo, shop, order)
    assert invoice["BillEmail"]["Address"] == "early@bird.test"
    assert invoice["CustomerMemo"]["value"] == "Hello"
    assert invoice["ShipAddr"]["CountrySubDivisionCode"] == "NY"
    order.refresh_from_db()
    assert order.shipping == Decimal("4.00") and not order.total_differs_in_qbo
