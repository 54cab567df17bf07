"""An order's life through the API (edit, cancel, send, payments, credits, refunds), against
the local sandbox over HTTP; what QuickBooks holds afterwards is read from the sandbox."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.actions import REFUSALS, refusal
from api.keys import create_key, revoke_key
from api.models import ApiAuditEntry, ApiKey
from invoicing import drains, lifecycle, settlements
from invoicing.models import InvoicingSettings, Order, OrderLine, OrderWrite
from tests.api.conftest import ApiClient
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, sales_lines, synced_order
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db

ACTIONS = ("edit", "cancel", "send", "payments", "credits", "refunds")
LINE = {"description": "Consulting", "quantity": "3", "unit_price": "40.00", "taxable": False}


def with_marker(server, realm: str, entity: str, write: OrderWrite) -> list[dict]:
    marker = f"[qbsync:{write.company_id}:{write.order_id}:w{write.pk}]"
    rows = server.state.companies[realm].rows(entity)
    return [row for row in rows if marker in (row.get("PrivateNote") or "")]


def named(server, realm: str, entity: str, name: str) -> str:
    """The id of a sandbox row by name (a payment method, an account)."""
    return next(r["Id"] for r in server.state.companies[realm].rows(entity) if r["Name"] == name)


def audit(order) -> list[tuple[str, str]]:
    return list(ApiAuditEntry.objects.filter(order=order).values_list("action", "key_name"))


def test_an_edit_updates_the_invoice_in_quickbooks(api, connected, qbo, sandbox_realm, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    response = api.post(f"/api/v1/orders/{order.pk}/edit/", {"lines": [LINE]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == "120.00" and body["lines"][0]["quantity"] == "3.00"
    assert [(w["kind"], w["status"]) for w in body["writes"]] == [("update", "pending")]
    drains.drain(company.pk)

    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("3"), Decimal("120"))]
    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert [(w["kind"], w["status"]) for w in read["writes"]] == [("update", "done")]
    assert audit(order) == [("edited", "Checkout")]


def test_cancel_voids_the_invoice_and_the_read_says_so(
    api, connected, qbo, sandbox_realm, company, owner_client
):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    response = api.post(f"/api/v1/orders/{order.pk}/cancel/", {"delete": False})
    assert response.status_code == 200, response.json()
    assert response.json()["cancelled"] is True and response.json()["qbo_state"] == ""
    drains.drain(company.pk)

    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["TotalAmt"] == 0 and invoice["PrivateNote"].startswith("Voided")
    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert read["qbo_state"] == "voided" and read["cancelled_at"]
    assert [(w["kind"], w["status"]) for w in read["writes"]] == [("void", "done")]
    assert audit(order) == [("cancelled", "Checkout")]
    assert "cancelled by API key “Checkout”" in owner_client.get(f"/orders/{order.pk}/").text


def test_send_emails_the_invoice_to_the_address_given_or_the_customers(
    api, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, email="ap@lifecycle.test")
    response = api.post(f"/api/v1/orders/{order.pk}/send/", {"email": "billing@lifecycle.test"})
    assert response.status_code == 200, response.json()
    drains.drain(company.pk)
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["EmailStatus"] == "EmailSent"
    assert invoice["BillEmail"]["Address"] == "billing@lifecycle.test"
    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert (read["email_status"], read["bill_email"]) == ("EmailSent", "billing@lifecycle.test")
    assert read["emailed_at"]

    other = synced_order(company, email="ap@default.test", name="Default Address Ltd")
    assert api.post(f"/api/v1/orders/{other.pk}/send/", {}).status_code == 200
    drains.drain(company.pk)
    assert invoice_in_qbo(qbo, sandbox_realm, other.qbo_invoice_id)["BillEmail"]["Address"] == (
        "ap@default.test"
    )


def test_a_payment_is_applied_to_the_invoice_once_even_when_replayed(
    api, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    body = {
        "amount": "40.00",
        "date": "2026-03-05",
        "method": named(qbo, sandbox_realm, "PaymentMethod", "Visa"),
        "account": named(qbo, sandbox_realm, "Account", "Checking"),
        "reference": "CHK-881",
    }
    path = f"/api/v1/orders/{order.pk}/payments/"
    first = api.post(path, body, idempotency_key="pay-1")
    assert first.status_code == 200, first.json()
    again = api.post(path, body, idempotency_key="pay-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    other = api.post(path, {**body, "amount": "41.00"}, idempotency_key="pay-1")
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    drains.drain(company.pk)

    [write] = OrderWrite.objects.filter(order=order)
    assert write.status == "done", write.last_error
    [payment] = with_marker(qbo, sandbox_realm, "Payment", write)
    on_invoice = [
        p
        for p in qbo.state.companies[sandbox_realm].rows("Payment")
        if any(t["TxnId"] == order.qbo_invoice_id for ln in p["Line"] for t in ln["LinkedTxn"])
    ]
    assert on_invoice == [payment]  # exactly one Payment in QuickBooks for the two POSTs
    assert payment["TotalAmt"] == Decimal("40.00") and payment["PaymentRefNum"] == "CHK-881"
    assert payment["DepositToAccountRef"]["value"] == body["account"]
    assert payment["Line"][0]["LinkedTxn"][0]["TxnId"] == order.qbo_invoice_id
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["Balance"] == Decimal("60")
    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert read["money"]["paid_in_app"] == "40.00" and read["money"]["open_balance"] == "60.00"
    assert read["payment_status"] == "partially_paid" and read["invoice"]["balance"] == "60.00"
    assert read["writes"][0]["qbo_id"] == payment["Id"]
    assert audit(order) == [("payment recorded", "Checkout")]


def test_a_credit_is_a_credit_memo_and_a_refund_a_refund_receipt(
    api, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    credit = api.post(f"/api/v1/orders/{order.pk}/credits/", {"amount": "20.00", "reason": "Late"})
    assert credit.status_code == 200, credit.json()
    paid = api.post(f"/api/v1/orders/{order.pk}/payments/", {"amount": "50.00"})
    assert paid.status_code == 200, paid.json()
    drains.drain(company.pk)
    account = named(qbo, sandbox_realm, "Account", "Checking")
    refund = api.post(
        f"/api/v1/orders/{order.pk}/refunds/", {"amount": "15.00", "account": account}
    )
    assert refund.status_code == 200, refund.json()
    drains.drain(company.pk)

    credit_write = OrderWrite.objects.get(order=order, kind="credit")
    [memo] = with_marker(qbo, sandbox_realm, "CreditMemo", credit_write)
    assert memo["TotalAmt"] == Decimal("20.00")
    refund_write = OrderWrite.objects.get(order=order, kind="refund")
    assert refund_write.status == "done", refund_write.last_error
    [receipt] = with_marker(qbo, sandbox_realm, "RefundReceipt", refund_write)
    assert receipt["TotalAmt"] == Decimal("15.00")
    assert receipt["DepositToAccountRef"]["value"] == account
    money = api.get(f"/api/v1/orders/{order.pk}/").json()["money"]
    assert (money["credited"], money["refunded"], money["paid_in_app"]) == (
        "20.00",
        "15.00",
        "50.00",
    )
    assert [a for a, _ in audit(order)] == ["credited", "payment recorded", "refunded"]


def _nothing_written(order, writes_before: int = 0) -> None:
    assert OrderWrite.objects.filter(order=order).count() == writes_before
    assert not ApiAuditEntry.objects.filter(order=order).exists()


def test_the_services_refusals_are_409s_with_a_stable_code_and_field(
    api, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    base = f"/api/v1/orders/{order.pk}"

    def refused(path, body, code, field):
        response = api.post(f"{base}/{path}/", body)
        assert response.status_code == 409, response.json()
        assert (response.json()["code"], response.json()["field"]) == (code, field)
        return response

    refused("payments", {"amount": "100.01"}, "over_balance", "amount")
    refused("credits", {"amount": "100.01"}, "over_balance", "amount")
    account = named(qbo, sandbox_realm, "Account", "Checking")
    refused("refunds", {"amount": "5", "account": account}, "nothing_to_refund", "amount")
    _nothing_written(order)

    settlements.record_payment(order, amount=Decimal("60"), paid_on=order.order_date, by=None)
    drains.drain(company.pk)
    cheap = {"lines": [{**LINE, "quantity": "1"}]}  # 40.00, below the 60.00 paid
    refused("edit", cheap, "total_below_paid", "lines")
    refused("cancel", {}, "has_payment", None)
    refused("refunds", {"amount": "60.01", "account": account}, "over_refundable", "amount")
    assert Order.objects.get(pk=order.pk).total == Decimal("100.00")

    OrderWrite.objects.filter(order=order).update(status=OrderWrite.Status.CONFLICT)
    refused("edit", {"lines": [LINE]}, "conflict_pending", None)

    cancelled = synced_order(company, name="Cancelled Ltd")
    lifecycle.cancel_order(cancelled, by=None)
    base = f"/api/v1/orders/{cancelled.pk}"
    refused("edit", {"lines": [LINE]}, "order_cancelled", None)
    refused("send", {"email": "a@b.test"}, "order_cancelled", None)
    refused("payments", {"amount": "1"}, "order_cancelled", None)
    refused("cancel", {}, "already_cancelled", None)
    _nothing_written(cancelled, writes_before=1)

    pending = make_order(company, number="9001")
    base = f"/api/v1/orders/{pending.pk}"
    refused("send", {"email": "a@b.test"}, "not_in_quickbooks", None)
    refused("payments", {"amount": "1"}, "not_in_quickbooks", None)
    _nothing_written(pending)
    assert ApiAuditEntry.objects.count() == 0  # the one payment above was the service's own


def test_every_refusal_message_has_its_own_code():
    # The services' messages (invoicing/lifecycle.py, settlements.py) → codes; a reworded
    # message falls to "refused", so a rename there shows here.
    for start, code, field in REFUSALS:
        conflict = refusal(lifecycle.Refused(f"{start} (and the rest)."))
        assert (conflict.get_codes(), conflict.extra["field"]) == (code, field)
    assert refusal(lifecycle.Refused("Something new.")).get_codes() == "refused"


def test_a_key_cannot_delete_an_invoice(api, company):
    order = make_order(company, push_status="synced", qbo_invoice_id="130")
    response = api.post(f"/api/v1/orders/{order.pk}/cancel/", {"delete": True})
    assert response.status_code == 403 and response.json()["code"] == "owners_only"
    assert Order.objects.get(pk=order.pk).cancelled_at is None
    _nothing_written(order)


def test_unknown_account_or_method_is_a_field_error(api, connected, qbo, sandbox_realm, company):
    order = synced_order(company)
    path = f"/api/v1/orders/{order.pk}/"
    bad_account = api.post(f"{path}refunds/", {"amount": "1", "account": "99999"})
    assert bad_account.status_code == 400
    assert (bad_account.json()["code"], bad_account.json()["field"]) == (
        "invalid_choice",
        "account",
    )
    bad_method = api.post(f"{path}payments/", {"amount": "1", "method": "99999"})
    assert (bad_method.status_code, bad_method.json()["field"]) == (400, "method")
    _nothing_written(order)


# (action, body, code, field): the shape and types are checked before anything else.
BAD = [
    ("edit", {}, "required", None),
    ("edit", {"order_date": "soon"}, "invalid", "order_date"),
    ("edit", {"memo": ["a"]}, "invalid", "memo"),
    ("edit", {"bill_email": "not an address"}, "invalid", "bill_email"),
    ("edit", {"ship_to": "the warehouse"}, "invalid", "ship_to"),
    ("edit", {"ship_to": {"postal_code": "9" * 31}}, "max_length", "ship_to.postal_code"),
    ("edit", {"discount_percent": "5", "discount_amount": "1"}, "invalid", "discount_amount"),
    ("edit", {"shipping": "free"}, "invalid", "shipping"),
    (
        "edit",
        {"lines": [{**LINE, "qbo_tax_code_id": ["2"]}]},
        "invalid",
        "lines[0].qbo_tax_code_id",
    ),
    ("edit", {"lines": []}, "min_length", "lines"),
    ("edit", {"lines": "two widgets"}, "not_a_list", "lines"),
    ("edit", {"lines": [{**LINE, "quantity": "lots"}]}, "invalid", "lines[0].quantity"),
    ("edit", {"lines": [{**LINE, "unit_price": "-1"}]}, "invalid", "lines[0].unit_price"),
    ("edit", {"lines": [{**LINE, "product": 999999}]}, "invalid_choice", "lines[0].product"),
    (
        "edit",
        {"lines": [{**LINE, "quantity": "60", "unit_price": "9999999999.99"}] * 2},
        "invalid",
        "lines",
    ),
    ("cancel", {"delete": "perhaps"}, "invalid", "delete"),
    ("send", {"email": "not an address"}, "invalid", "email"),
    ("send", {"email": ["a@b.test"]}, "invalid", "email"),
    ("payments", {}, "required", "amount"),
    ("payments", {"amount": "abc"}, "invalid", "amount"),
    ("payments", {"amount": "-5.00"}, "min_value", "amount"),
    ("payments", {"amount": "0"}, "min_value", "amount"),
    ("payments", {"amount": "1.001"}, "max_decimal_places", "amount"),
    ("payments", {"amount": "NaN"}, "invalid", "amount"),
    ("payments", {"amount": "5", "date": "yesterday"}, "invalid", "date"),
    ("payments", {"amount": "5", "method": {"id": 1}}, "invalid", "method"),
    ("payments", {"amount": "5", "reference": "x" * 22}, "max_length", "reference"),
    ("credits", {"amount": [5]}, "invalid", "amount"),
    ("credits", {}, "required", "amount"),
    ("credits", {"amount": "1", "lines": [{"line": 1}]}, "required", "amount"),
    ("credits", {"lines": []}, "min_length", "lines"),
    ("credits", {"lines": [{"line": "first"}]}, "invalid", "lines[0].line"),
    ("credits", {"lines": [{"line": 1, "quantity": "a few"}]}, "invalid", "lines[0].quantity"),
    ("credits", {"amount": "-1"}, "min_value", "amount"),
    ("refunds", {"amount": "5"}, "required", "account"),
    ("refunds", {"account": "35"}, "required", "amount"),
    ("refunds", {"amount": "5", "account": ""}, "required", "account"),
]


@pytest.mark.parametrize(("action", "body", "code", "field"), BAD)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    api, company, action, body, code, field
):
    order = make_order(company, push_status="synced", qbo_invoice_id="130", qbo_balance="10.00")
    lines_before = list(OrderLine.objects.filter(order=order).values_list("pk", flat=True))
    response = api.post(f"/api/v1/orders/{order.pk}/{action}/", body)
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["field"]) == (code, field), response.json()
    assert response.json()["message"]
    _nothing_written(order)
    assert list(OrderLine.objects.filter(order=order).values_list("pk", flat=True)) == lines_before
    assert Order.objects.get(pk=order.pk).cancelled_at is None


@pytest.mark.parametrize("action", ACTIONS)
def test_not_json_or_no_idempotency_key_is_a_400(api, company, action):
    order = make_order(company, push_status="synced", qbo_invoice_id="130")
    path = f"/api/v1/orders/{order.pk}/{action}/"
    assert api.post(path, raw="{not json").status_code == 400
    missing = api.post(path, {"amount": "1"}, idempotency_key=None)
    assert missing.status_code == 400 and missing.json()["field"] == "Idempotency-Key"
    _nothing_written(order)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_revoked_key_is_a_401_and_writes_nothing(client, company, user, action):
    row, key = create_key(company=company, name="Old shop", created_by=user)
    revoke_key(ApiKey.objects.get(pk=row.pk))
    order = make_order(company, push_status="synced", qbo_invoice_id="130")
    response = ApiClient(client, key).post(
        f"/api/v1/orders/{order.pk}/{action}/", {"amount": "1", "account": "35"}
    )
    assert response.status_code == 401 and response.json()["code"]
    _nothing_written(order)


def test_the_audit_names_the_key_and_idempotency_key(api, company):
    order = make_order(company, push_status="synced", qbo_invoice_id="130", qbo_balance="10.00")
    key = str(uuid.uuid4())
    response = api.post(f"/api/v1/orders/{order.pk}/credits/", {"amount": "1"}, idempotency_key=key)
    assert response.status_code == 200, response.json()
    entry = ApiAuditEntry.objects.get(order=order)
    assert (entry.action, entry.key_name, entry.idempotency_key) == ("credited", "Checkout", key)


def test_the_reads_money_is_the_settlement_services_sums(api, company):
    order = make_order(
        company, push_status="synced", qbo_invoice_id="130", qbo_balance="70.00", total="100.00"
    )
    order.refresh_from_db()
    rows = [
        ("payment", "done", "30.00"),
        ("payment", "pending", "5.00"),
        ("payment", "failed", "7.00"),
        ("credit", "done", "4.00"),
        ("credit", "in_flight", "2.00"),
        ("refund", "done", "3.00"),
        ("refund", "conflict", "1.00"),
        ("send", "done", None),
    ]
    for n, (kind, status, amount) in enumerate(rows):
        OrderWrite.objects.create(
            company=company, order=order, kind=kind, status=status, amount=amount, request_id=n
        )
    money = api.get(f"/api/v1/orders/{order.pk}/").json()["money"]
    done = settlements.money(order)
    assert money == {
        "paid_in_app": str(done.paid_in_app),
        "received": str(done.received),
        "credited": str(done.credited),
        "refunded": str(done.refunded),
        "open_balance": str(settlements.open_balance(order)),
    }
    assert money["open_balance"] == "63.00"  # 70.00 owed less 5.00 and 2.00 on their way
    assert money["received"] == "30.00"  # nothing mirrored yet: our done payment
    listed = api.get("/api/v1/orders/").json()["results"]
    assert listed[0]["money"] == money


def test_listing_orders_with_writes_asks_the_same_queries_for_one_or_many(api, company):
    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/orders/").status_code == 200
        return len(queries)

    def order_with_writes(n: int) -> None:
        order = make_order(company, number=str(1001 + n), push_status="synced")
        for kind in ("payment", "credit", "refund"):
            OrderWrite.objects.create(
                company=company, order=order, kind=kind, amount="1.00", request_id=f"{n}{kind}"
            )

    order_with_writes(0)
    queries_for_list()  # the first use also notes the key's last-used time
    one = queries_for_list()
    for n in range(1, 10):
        order_with_writes(n)
    assert queries_for_list() == one


def test_a_write_quickbooks_refused_shows_its_words_and_intuit_tid(
    api, connected, qbo, sandbox_realm, company
):
    InvoicingSettings.objects.update_or_create(
        company=company, defaults={"send_after_create": True}
    )
    order = synced_order(company, name="No Address Ltd")  # QuickBooks has no address to send to
    drains.drain(company.pk)
    [write] = api.get(f"/api/v1/orders/{order.pk}/").json()["writes"]
    assert (write["kind"], write["status"]) == ("send", "failed")
    assert "Missing email address" in write["error"]["message"]
    stored = OrderWrite.objects.get(order=order)
    assert write["error"] == {
        "message": stored.last_error,
        "code": stored.last_error_code,
        "intuit_tid": stored.last_error_tid,
    }
    assert write["error"]["intuit_tid"]
