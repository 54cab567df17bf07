"""An order's header and charges edited through the API (issue 14), as the order page's edit
form edits them: against the local sandbox over real HTTP, the invoice read back from the
sandbox (not our rows); the form's limits and words; a replay changes nothing twice."""

import itertools
from decimal import Decimal

import pytest

from api.models import ApiAuditEntry
from invoicing import drains, lifecycle, settlements
from invoicing.models import InvoicingSettings, Order, OrderWrite
from invoicing.sync import content_charges, content_lines, invoice_header
from tests.api.conftest import order_body
from tests.invoicing.test_totals_matrix import the_invoice
from tests.support import connect_through_consent

pytestmark = pytest.mark.django_db

LINES = [
    {"description": "Design", "quantity": "3", "unit_price": "33.33", "taxable": False},
    {"description": "Materials", "quantity": "1", "unit_price": "45.50", "taxable": False},
]
SUBTOTAL = Decimal("145.49")


@pytest.fixture
def shop(client, user, company, qbo):
    """A US company whose sales forms have a shipping field."""
    realm = qbo.control.create_company(name="Edit Goods", features={"shipping": True})
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


_buyers = itertools.count(1)


def synced(api, company, **fields) -> Order:
    body = order_body(customer={"name": f"Buyer {next(_buyers)}"}, lines=LINES, **fields)
    response = api.post("/api/v1/orders/", body)
    assert response.status_code == 201, response.json()
    drains.drain(company.pk)
    order = Order.objects.get(pk=response.json()["id"])
    assert order.push_status == "synced", order.last_error
    return order


def edit(api, order: Order, body: dict, **kwargs):
    return api.post(f"/api/v1/orders/{order.pk}/edit/", body, **kwargs)


def charges(invoice: dict) -> dict:
    return content_charges(invoice["Line"])


def test_header_and_charges_reach_the_invoice_and_the_lines_stay(api, company, qbo, shop):
    order = synced(api, company, memo="Thanks", due_date="2026-03-03")
    before = the_invoice(qbo, shop, order)
    body = {
        "order_date": "2026-03-05",
        "due_date": "2026-03-10",
        "memo": "Net 10, please",
        "bill_email": "ap@buyer.test",
        "ship_to": {"line1": "9 New St", "city": "Portland", "region": "OR"},
        "discount_percent": "10",
        "shipping": "12.50",
    }
    response = edit(api, order, body)
    assert response.status_code == 200, response.json()
    read = response.json()
    assert (read["memo"], read["due_date"], read["bill_email"]) == (
        "Net 10, please",
        "2026-03-10",
        "ap@buyer.test",
    )
    assert read["ship_to"] == {
        "line1": "9 New St",
        "city": "Portland",
        "region": "OR",
        "postal_code": "",
        "country": "",
    }
    assert (read["discount_percent"], read["discount"], read["shipping"]) == (
        "10.00",
        "14.55",
        "12.50",
    )
    assert read["total"] == "143.44"  # 145.49 - 14.55 + 12.50 (no tax in Oregon)
    drains.drain(company.pk)

    write = OrderWrite.objects.get(order=order, kind="update")
    assert write.status == "done", write.last_error
    invoice = the_invoice(qbo, shop, order)
    assert invoice_header(invoice) == {
        "order_date": "2026-03-05",
        "due_date": "2026-03-10",
        "memo": "Net 10, please",
        "bill_email": "ap@buyer.test",
        "ship_to": {"Line1": "9 New St", "City": "Portland", "CountrySubDivisionCode": "OR"},
    }
    assert charges(invoice) == {"discount": "14.55", "discount_percent": "10", "shipping": "12.5"}
    assert [(ln["description"], ln["amount"]) for ln in content_lines(invoice["Line"])] == [
        ("Design", "99.99"),
        ("Materials", "45.5"),
    ]
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("143.44")
    assert invoice["SyncToken"] == str(int(before["SyncToken"]) + 1)  # one update
    actions = ApiAuditEntry.objects.filter(order=order).order_by("pk")
    assert list(actions.values_list("action", flat=True)) == ["created", "edited"]


def test_a_memo_alone_changes_the_memo_alone_and_a_replay_changes_nothing(api, company, qbo, shop):
    order = synced(api, company, memo="Thanks", due_date="2026-03-03")
    first = edit(api, order, {"memo": "Please pay"}, idempotency_key="memo-1")
    assert first.status_code == 200, first.json()
    again = edit(api, order, {"memo": "Please pay"}, idempotency_key="memo-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = edit(api, order, {"memo": "Something else"}, idempotency_key="memo-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    drains.drain(company.pk)

    [write] = OrderWrite.objects.filter(order=order)
    assert write.status == "done", write.last_error
    assert set(write.sent) == {"Id", "SyncToken", "CustomerMemo"}  # a sparse update
    invoice = the_invoice(qbo, shop, order)
    assert invoice["CustomerMemo"]["value"] == "Please pay"
    assert (invoice["DueDate"], invoice["SyncToken"]) == ("2026-03-03", "1")
    assert ApiAuditEntry.objects.filter(order=order, action="edited").count() == 1

    # The same memo again (a new key): nothing to change, nothing sent.
    assert edit(api, order, {"memo": "Please pay"}).status_code == 200
    assert OrderWrite.objects.filter(order=order).count() == 1


def test_a_discount_amount_replaces_a_percent_and_null_removes_it(api, company, qbo, shop):
    order = synced(api, company)
    assert edit(api, order, {"discount_percent": "10"}).status_code == 200
    drains.drain(company.pk)
    assert charges(the_invoice(qbo, shop, order))["discount_percent"] == "10"

    response = edit(api, order, {"discount_amount": "5.00", "shipping": "3.00"})
    assert response.status_code == 200, response.json()
    assert (response.json()["discount_percent"], response.json()["discount"]) == (None, "5.00")
    drains.drain(company.pk)
    assert charges(the_invoice(qbo, shop, order)) == {
        "discount": "5",
        "discount_percent": "",
        "shipping": "3",
    }

    response = edit(api, order, {"discount_amount": None})
    assert response.status_code == 200, response.json()
    drains.drain(company.pk)
    invoice = the_invoice(qbo, shop, order)
    assert charges(invoice) == {"discount": "0", "discount_percent": "", "shipping": "3"}
    assert Decimal(str(invoice["TotalAmt"])) == SUBTOTAL + 3
    assert all(w.status == "done" for w in OrderWrite.objects.filter(order=order))


def test_lines_and_charges_together(api, company, qbo, shop):
    order = synced(api, company)
    lines = [{**LINES[0], "quantity": "4"}, LINES[1]]
    response = edit(api, order, {"lines": lines, "discount_amount": "10.00"})
    assert response.status_code == 200, response.json()
    drains.drain(company.pk)
    invoice = the_invoice(qbo, shop, order)
    # 4 x 33.33 + 45.50 - 10.00
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("168.82")
    assert charges(invoice)["discount"] == "10"


# (body, field, words): the order page's edit form's own rules and messages.
BAD = [
    ({"due_date": "2026-03-01"}, "due_date", "The due date can't be before the order date."),
    ({"order_date": "2026-03-04", "due_date": "2026-03-03"}, "due_date", "can't be before"),
    ({"shipping": "-5"}, "shipping", "This can't be negative."),
    ({"discount_percent": "120"}, "discount_percent", "A percent discount is at most 100."),
    ({"discount_percent": "-1"}, "discount_percent", "This can't be negative."),
    ({"discount_amount": "999"}, "discount_amount", "The discount is more than the order's lines."),
    ({"bill_email": "x" * 95 + "@b.test"}, "bill_email", "at most 100 characters"),
    ({"order_date": "1899-12-31"}, "order_date", ""),
    ({"ship_to": {"line1": "x" * 501}}, "ship_to.line1", "500 characters"),
    ({"shipping": "999999999999.99"}, None, "more than an invoice can hold"),
    ({"tax": "1.00"}, "tax", "holds no tax of its own"),
]


@pytest.mark.parametrize(("body", "field", "words"), BAD)
def test_bad_header_or_charges_are_a_400_naming_the_field_and_write_nothing(
    api, company, qbo, shop, body, field, words
):
    order = synced(api, company, due_date="2026-03-03")
    before = the_invoice(qbo, shop, order)
    response = edit(api, order, body)
    assert response.status_code == 400, response.json()
    problems = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert field in problems, problems
    assert words in problems[field]
    assert not OrderWrite.objects.filter(order=order).exists()
    assert not ApiAuditEntry.objects.filter(order=order, action="edited").exists()
    order.refresh_from_db()
    assert (order.revision, order.shipping, order.discount) == (0, 0, 0)
    drains.drain(company.pk)
    assert the_invoice(qbo, shop, order)["SyncToken"] == before["SyncToken"]


def test_the_services_refusals_are_409s(api, company, qbo, shop):
    order = synced(api, company, due_date="2026-03-03")
    settlements.record_payment(order, amount=Decimal("100"), paid_on=order.order_date, by=None)
    drains.drain(company.pk)
    writes = OrderWrite.objects.filter(order=order).count()

    below = edit(api, order, {"discount_amount": "50.00"})  # 95.49, below the 100.00 paid
    assert below.status_code == 409, below.json()
    assert below.json()["code"] == "total_below_paid"
    assert "less than the 100.00 already paid" in below.json()["message"]
    gone = edit(api, order, {"due_date": None})
    assert (gone.status_code, gone.json()["code"]) == (409, "kept_by_quickbooks")
    assert "keeps the invoice's due date" in gone.json()["message"]
    assert OrderWrite.objects.filter(order=order).count() == writes

    cancelled = synced(api, company)
    lifecycle.cancel_order(cancelled, by=None)
    refused = edit(api, cancelled, {"memo": "Too late"})
    assert (refused.status_code, refused.json()["code"]) == (409, "order_cancelled")
    assert Order.objects.get(pk=cancelled.pk).memo == ""
    assert not ApiAuditEntry.objects.filter(action="edited").exists()


def test_the_order_holds_its_own_tax_where_the_company_sends_it(api, company, qbo, shop):
    InvoicingSettings.objects.update_or_create(
        company=company, defaults={"tax_mode": InvoicingSettings.TaxMode.OURS}
    )
    order = synced(api, company)
    response = edit(api, order, {"tax": "7.77", "shipping": "2.00"})
    assert response.status_code == 200, response.json()
    assert response.json()["tax"] == "7.77"
    drains.drain(company.pk)
    invoice = the_invoice(qbo, shop, order)
    assert Decimal(str(invoice["TxnTaxDetail"]["TotalTax"])) == Decimal("7.77")
    assert Decimal(str(invoice["TotalAmt"])) == SUBTOTAL + Decimal("9.77")


def test_an_unpushed_order_takes_the_edited_header_to_its_first_invoice(api, company, qbo, shop):
    made = api.post("/api/v1/orders/", order_body(lines=LINES))
    order = Order.objects.get(pk=made.json()["id"])
    body = {"memo": "Hello", "bill_email": "early@bird.test", "shipping": "4.00"}
    assert edit(api, order, body).status_code == 200
    assert not OrderWrite.objects.filter(order=order).exists()  # not in QuickBooks yet
    drains.drain(company.pk)
    invoice = the_invoice(qbo, shop, order)
    assert invoice["CustomerMemo"]["value"] == "Hello"
    assert invoice["BillEmail"]["Address"] == "early@bird.test"
    assert charges(invoice)["shipping"] == "4"
