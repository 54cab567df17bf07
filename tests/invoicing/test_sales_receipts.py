"""Orders paid at checkout become QBO SalesReceipts (issue 14), against the local sandbox over
real HTTP: created once (batch or single, adopted by its marker after an ambiguous attempt),
refused where a paid receipt can't change, refunded and sent, and voids or deletions made in
QuickBooks shown on the order."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from invoicing import drains, lifecycle, push, references, services, settlements
from invoicing import sync as invoicing_sync
from invoicing.models import InvoicingSettings, Order, OrderWrite
from qbo import sync
from qbo import tasks as qbo_tasks
from qbo.client import open_client
from qbo.errors import Rejected
from qbo.idempotency import derived_request_id
from qbo.models import WebhookEvent
from qbo.qbojson import dumps
from tests.invoicing.lifecycle_support import line
from tests.qbo.webhook_support import VERIFIER, cloud_events, post, sign
from tests.support import order_post

pytestmark = pytest.mark.django_db
API = r"/v3/company/.*"


def named(server, realm: str, entity: str, name: str) -> str:
    return next(r["Id"] for r in server.state.companies[realm].rows(entity) if r["Name"] == name)


def with_marker(server, realm: str, entity: str, order: Order) -> list[dict]:
    marker = f"[qbsync:{order.company_id}:{order.pk}]"
    rows = server.state.companies[realm].rows(entity)
    return [row for row in rows if marker in (row.get("PrivateNote") or "")]


@pytest.fixture
def checkout(connected, qbo, sandbox_realm) -> services.Checkout:
    cache.clear()  # the form's choices are cached per company
    return services.Checkout(
        deposit_account_id=named(qbo, sandbox_realm, "Account", "Checking"),
        deposit_account_name="Checking",
        payment_method_id=named(qbo, sandbox_realm, "PaymentMethod", "Visa"),
        payment_method_name="Visa",
    )


def paid_order(company, checkout, *lines, name="Checkout Customer", **fields) -> Order:
    return services.create_order(
        company=company,
        created_by=None,
        new_customer_name=name,
        order_date=date(2026, 3, 2),
        lines=list(lines) or [line("Consulting", "2", "40.00")],
        checkout=checkout,
        **fields,
    )


def pushed(order: Order) -> Order:
    drains.drain(order.company_id)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    return order


def test_an_order_paid_at_checkout_on_the_page_becomes_one_paid_sales_receipt(
    client, checkout, qbo, sandbox_realm, company
):
    data = order_post(
        {"description": "Garden design", "quantity": "2", "unit_price": "75.00", "taxable": None},
        new_customer_name="Counter Buyer",
        paid_at_checkout="on",
        payment_method=checkout.payment_method_id,
        deposit_account=checkout.deposit_account_id,
    )
    assert client.post("/orders/new/", data).status_code == 302
    order = Order.objects.get(company=company)
    assert (order.qbo_form, order.deposit_account_name, order.payment_method_name) == (
        "sales_receipt",
        "Checking",
        "Visa",
    )
    order = pushed(order)

    [receipt] = with_marker(qbo, sandbox_realm, "SalesReceipt", order)
    assert with_marker(qbo, sandbox_realm, "Invoice", order) == []
    assert receipt["Id"] == order.qbo_invoice_id
    assert receipt["DepositToAccountRef"]["value"] == checkout.deposit_account_id
    assert receipt["PaymentMethodRef"]["value"] == checkout.payment_method_id
    assert "DueDate" not in receipt and "SalesTermRef" not in receipt
    assert (receipt["TotalAmt"], receipt["Balance"]) == (Decimal("150"), Decimal("0"))
    assert (order.payment_status, order.qbo_balance) == ("paid", Decimal("0"))
    assert order.qbo_total == Decimal("150.00")

    page = client.get(f"/orders/{order.pk}/").text
    assert f"Paid — sales receipt {order.qbo_doc_number}" in page
    assert "Sales receipt number" in page and "deposited to Checking" in page
    assert f"lists/SalesReceipt/{order.qbo_invoice_id}" in page  # Open in QuickBooks
    pdf = client.get(f"/orders/{order.pk}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_a_sales_receipt_carries_the_invoices_discount_shipping_and_tax(
    checkout, qbo, sandbox_realm, company
):
    items = qbo.state.companies[sandbox_realm].rows("Item")
    shipping = next(i for i in items if i.get("Type") == "Service" and i["Name"] != "Services")
    InvoicingSettings.objects.update_or_create(
        company=company, defaults={"shipping_item_id": str(shipping["Id"])}
    )
    extras = services.Extras(
        discount_percent=Decimal("10"), shipping=Decimal("5.00"), ship_region="CA"
    )
    order = pushed(paid_order(company, checkout, line("Work", "1", "100.00"), extras=extras))
    [receipt] = with_marker(qbo, sandbox_realm, "SalesReceipt", order)
    kinds = [ln["DetailType"] for ln in receipt["Line"]]
    assert "DiscountLineDetail" in kinds
    shipped = [
        ln
        for ln in receipt["Line"]
        if (ln.get("SalesItemLineDetail") or {}).get("ItemRef", {}).get("value") == shipping["Id"]
    ]
    assert [Decimal(str(ln["Amount"])) for ln in shipped] == [Decimal("5.00")]
    assert order.total == Decimal("95.00")  # 100 - 10 % + 5 shipping
    assert receipt["TotalAmt"] == order.qbo_total and receipt["Balance"] == 0
    assert receipt["ShipAddr"]["CountrySubDivisionCode"] == "CA"


def test_a_batch_of_invoices_and_sales_receipts_makes_each_form_once(
    checkout, qbo, sandbox_realm, company
):
    receipts = [paid_order(company, checkout, name=f"Till {n}") for n in range(3)]
    invoices = [
        services.create_order(
            company=company,
            created_by=None,
            new_customer_name=f"Account {n}",
            order_date=date(2026, 3, 2),
            lines=[line()],
        )
        for n in range(2)
    ]
    drains.drain(company.pk)
    batches = [r for r in qbo.control.request_log() if r["path"].endswith("/batch")]
    assert batches, "five orders go through the batch endpoint"
    for order in receipts:
        order.refresh_from_db()
        assert len(with_marker(qbo, sandbox_realm, "SalesReceipt", order)) == 1
        assert with_marker(qbo, sandbox_realm, "Invoice", order) == []
        assert order.payment_status == "paid"
    for order in invoices:
        order.refresh_from_db()
        assert len(with_marker(qbo, sandbox_realm, "Invoice", order)) == 1
        assert with_marker(qbo, sandbox_realm, "SalesReceipt", order) == []
        assert order.payment_status == "unpaid"


def test_a_sales_receipt_made_by_a_lost_answer_is_adopted_not_made_twice(
    checkout, qbo, sandbox_realm, company, settings
):
    settings.QBO_AMBIGUOUS_SETTLE = 0
    order = paid_order(company, checkout)
    qbo.control.add_fault(r".*/salesreceipt$", "drop_after_commit", count=1)
    drains.drain(company.pk)
    order.refresh_from_db()
    assert (order.push_status, order.needs_lookup) == ("pending", True)
    [made] = with_marker(qbo, sandbox_realm, "SalesReceipt", order)  # committed, answer lost
    # A fresh requestid (as after a retry) can't dedupe it at Intuit: only the lookup can.
    Order.objects.filter(pk=order.pk).update(
        next_attempt_at=None, request_id=derived_request_id("another", order.pk)
    )
    order = pushed(order)
    assert len(with_marker(qbo, sandbox_realm, "SalesReceipt", order)) == 1
    assert order.qbo_invoice_id == made["Id"]


def test_a_synced_sales_receipt_refuses_edit_and_cancel_with_the_reason(
    owner_client, checkout, company
):
    order = pushed(paid_order(company, checkout))
    with pytest.raises(lifecycle.Refused, match="A sales receipt is paid: refund instead"):
        lifecycle.edit_order(
            order, lines=[services.NewLine(None, "More", Decimal(3), Decimal(40), False)], by=None
        )
    with pytest.raises(lifecycle.Refused, match="refund it first"):
        lifecycle.cancel_order(order, by=None)
    edit = order_post({"description": "More", "unit_price": "99"})
    edit["lines-INITIAL_FORMS"] = "1"
    response = owner_client.post(f"/orders/{order.pk}/edit/", edit)
    assert response.status_code == 409
    assert "A sales receipt is paid: refund instead of editing it." in response.text
    response = owner_client.post(f"/orders/{order.pk}/cancel/", {"how": "void"})
    assert response.status_code == 409
    assert "The sales receipt is paid: refund it first." in response.text
    order.refresh_from_db()
    assert (order.cancelled_at, order.writes.count()) == (None, 0)


def test_a_sales_receipt_not_yet_sent_is_edited_or_cancelled_locally(checkout, company):
    order = paid_order(company, checkout)
    assert lifecycle.edit_order(order, lines=[line("Other", "1", "10.00")], by=None) is None
    order.refresh_from_db()
    assert order.total == Decimal("10.00") and order.qbo_form == "sales_receipt"
    assert lifecycle.cancel_order(order, by=None) is None
    order.refresh_from_db()
    assert order.push_status == "cancelled"


def test_a_sales_receipt_is_refunded_with_a_refund_receipt_and_sent_by_quickbooks(
    checkout, qbo, sandbox_realm, company
):
    order = pushed(paid_order(company, checkout))
    write = settlements_refund(order, checkout)
    sent = lifecycle.send_invoice(order, email="buyer@example.test", by=None)
    drains.drain(company.pk)

    write.refresh_from_db()
    assert write.status == "done", write.last_error
    marker = f"[qbsync:{company.pk}:{order.pk}:w{write.pk}]"
    rows = qbo.state.companies[sandbox_realm].rows("RefundReceipt")
    [refund] = [r for r in rows if marker in (r.get("PrivateNote") or "")]
    assert refund["TotalAmt"] == Decimal("30.00")
    assert refund["DepositToAccountRef"]["value"] == checkout.deposit_account_id
    sent.refresh_from_db()
    assert sent.status == "done", sent.last_error
    receipt = qbo.state.companies[sandbox_realm].get("SalesReceipt", order.qbo_invoice_id)
    assert receipt["EmailStatus"] == "EmailSent"
    assert receipt["BillEmail"]["Address"] == "buyer@example.test"
    order.refresh_from_db()
    assert (order.email_status, order.payment_status) == ("EmailSent", "paid")


def settlements_refund(order: Order, checkout: services.Checkout) -> OrderWrite:
    assert order.amount_paid == Decimal("80.00")  # all of it, at checkout
    with pytest.raises(lifecycle.Refused, match="still owed"):
        settlements.record_payment(order, amount=Decimal(1), paid_on=date(2026, 3, 3), by=None)
    return settlements.refund_order(
        order,
        amount=Decimal("30.00"),
        account=checkout.deposit_account_id,
        on=date(2026, 3, 3),
        by=None,
    )


def _void_in_quickbooks(company, receipt_id: str) -> None:
    with open_client(company) as qb:
        current = qb.read("SalesReceipt", receipt_id)
        body = {"Id": receipt_id, "SyncToken": current["SyncToken"], "sparse": True}
        # QBO-TRANSACTIONS.md §2: a SalesReceipt is voided by ?operation=update&include=void.
        qb.post(
            f"{qb.company_url}/salesreceipt",
            dumps(body),
            params={"operation": "update", "include": "void"},
            request_id=derived_request_id("void-in-qbo", receipt_id),
        )


def test_a_sales_receipt_voided_or_deleted_in_quickbooks_shows_on_the_order(
    client, owner_client, checkout, qbo, sandbox_realm, company
):
    voided = pushed(paid_order(company, checkout, name="Voided Buyer"))
    deleted = pushed(paid_order(company, checkout, name="Deleted Buyer"))
    sync.sync_company(company.pk)  # the catch-up's cursors start here
    _void_in_quickbooks(company, voided.qbo_invoice_id)
    with open_client(company) as qb:
        current = qb.read("SalesReceipt", deleted.qbo_invoice_id)
        qb.delete(
            "SalesReceipt",
            deleted.qbo_invoice_id,
            current["SyncToken"],
            request_id=derived_request_id("delete-in-qbo", deleted.pk),
        )
    sync.sync_company(company.pk)  # CDC, as a webhook's sync or the catch-up runs it

    voided.refresh_from_db()
    deleted.refresh_from_db()
    assert voided.last_error == "The sales receipt was voided in QuickBooks."
    assert (voided.payment_status, voided.qbo_total) == ("unpaid", Decimal("0"))
    assert deleted.last_error == "The sales receipt was deleted in QuickBooks."
    assert deleted.payment_status == "unpaid"
    page = owner_client.get(f"/orders/{voided.pk}/").text
    assert "The sales receipt was voided in QuickBooks." in page


def test_an_invoice_and_a_sales_receipt_sharing_an_id_stay_apart(
    checkout, qbo, sandbox_realm, company
):
    """QBO numbers each entity's Ids on its own: an invoice's change never reaches the order
    whose sales receipt has the same Id."""
    receipt_order = pushed(paid_order(company, checkout))
    invoice_order = pushed(
        services.create_order(
            company=company,
            created_by=None,
            new_customer_name="Invoice Buyer",
            order_date=date(2026, 3, 2),
            lines=[line()],
        )
    )
    Order.objects.filter(pk=invoice_order.pk).update(qbo_invoice_id=receipt_order.qbo_invoice_id)
    deleted = {"Id": receipt_order.qbo_invoice_id, "status": "Deleted"}
    assert invoicing_sync.apply_invoice_changes(company.pk, [deleted]) == 1
    receipt_order.refresh_from_db()
    assert receipt_order.last_error == "" and receipt_order.payment_status == "paid"


def test_preflight_refuses_a_sales_receipt_without_its_deposit_account(checkout, company):
    order = paid_order(company, checkout)
    order.deposit_account_id = ""
    with open_client(company) as qb:
        ctx = references.load_context(qb, company.pk)
        with pytest.raises(Rejected, match="deposited to"):
            push.preflight(ctx, order)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"deposit_account": ""},
            "deposit_account",
            "Choose the account the payment was deposited",
        ),
        ({"deposit_account": "999999"}, "deposit_account", "Pick one of QuickBooks' bank accounts"),
        ({"due_date": "2026-04-01"}, "due_date", "An order paid at checkout has no due date"),
    ],
    ids=["no-deposit-account", "not-a-deposit-account", "due-date"],
)
def test_bad_checkout_input_is_a_form_error_and_writes_nothing(
    client, checkout, company, fields, field, message
):
    data = order_post(
        {"description": "Work", "unit_price": "10"},
        new_customer_name="Counter Buyer",
        paid_at_checkout="on",
        **{"deposit_account": checkout.deposit_account_id, **fields},
    )
    response = client.post("/orders/new/", data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Order.objects.filter(company=company).exists()


def test_without_quickbooks_paid_at_checkout_is_refused_with_the_reason(owner_client, company):
    cache.clear()
    data = order_post(
        {"description": "Work", "unit_price": "10"},
        new_customer_name="Counter Buyer",
        paid_at_checkout="on",
        deposit_account="35",
    )
    response = owner_client.post("/orders/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "couldn't be asked for its deposit accounts" in errors["paid_at_checkout"][0]
    assert "deposit_account" not in errors
    assert not Order.objects.filter(company=company).exists()


def test_a_webhook_for_a_voided_sales_receipt_brings_the_void_to_the_order(
    client, checkout, qbo, sandbox_realm, company, settings, published_tasks
):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    order = pushed(paid_order(company, checkout, name="Webhook Buyer"))
    sync.sync_company(company.pk)
    _void_in_quickbooks(company, order.qbo_invoice_id)
    body = cloud_events(sandbox_realm, ("salesreceipt", order.qbo_invoice_id, "voided"))
    assert post(client, body, sign(body)).status_code == 200
    [event] = WebhookEvent.objects.filter(company=company)
    assert (event.entity, event.operation) == ("SalesReceipt", "Void")
    assert ("qbo.tasks.process_webhook_events", (company.pk,)) in published_tasks
    qbo_tasks.process_webhook_events(company.pk)  # the worker's part: the message's task

    order.refresh_from_db()
    assert order.last_error == "The sales receipt was voided in QuickBooks."
    assert order.payment_status == "unpaid"
    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.PROCESSED
