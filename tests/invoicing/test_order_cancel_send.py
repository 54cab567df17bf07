"""Cancelling an order (locally, by void, or by delete) and e-mailing its invoice, through
the order page, against the local sandbox; QuickBooks' state is read from the sandbox."""

import re
from decimal import Decimal

import pytest

from accounts.models import Membership
from invoicing import drains, lifecycle
from invoicing.models import InvoicingSettings, Order, OrderWrite
from qbo import sync
from qbo.client import open_client
from tests.invoicing.lifecycle_support import (
    invoice_in_qbo,
    line,
    pay_in_quickbooks,
    sales_lines,
    synced_order,
)
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def page_text(client, order) -> str:
    return re.sub(r"\s+", " ", client.get(f"/orders/{order.pk}/").text)


def test_an_order_not_yet_sent_is_cancelled_here_and_never_sent(
    client, connected, qbo, sandbox_realm, company
):
    order = make_order(company)  # pending, not yet pushed
    assert client.post(f"/orders/{order.pk}/cancel/").status_code == 302
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "cancelled" and order.cancelled_at
    marker = f"[qbsync:{company.pk}:{order.pk}]"
    notes = [
        inv.get("PrivateNote") or "" for inv in qbo.state.companies[sandbox_realm].rows("Invoice")
    ]
    assert not [note for note in notes if marker in note]
    assert "Cancelled — never sent to QuickBooks" in page_text(client, order)
    assert not OrderWrite.objects.exists()


def test_cancelling_an_unpaid_invoice_voids_it(client, connected, qbo, sandbox_realm, company):
    order = synced_order(company, line("Consulting", "2", "50.00"))
    assert client.post(f"/orders/{order.pk}/cancel/", {"how": "void"}).status_code == 302
    assert "being cancelled in QuickBooks" in page_text(client, order)
    drains.drain(company.pk)

    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["DocNumber"] == order.qbo_doc_number  # number and audit trail kept
    assert invoice["TotalAmt"] == 0 and invoice["Balance"] == 0
    assert invoice["PrivateNote"].startswith("Voided")
    assert sales_lines(invoice) == [("Consulting", Decimal("0"), Decimal("0"))]
    order.refresh_from_db()
    assert order.qbo_state == "voided"
    text = page_text(client, order)
    assert f"Cancelled — invoice {order.qbo_doc_number} voided" in text
    assert "Void" in text and "Done" in text  # the history
    # A second click is refused with a reason, and nothing more is sent.
    again = client.post(f"/orders/{order.pk}/cancel/")
    assert again.status_code == 409 and "already cancelled" in again.text
    assert OrderWrite.objects.filter(order=order).count() == 1


def test_an_owner_may_delete_the_invoice_instead(client, connected, qbo, sandbox_realm, company):
    order = synced_order(company)
    assert client.post(f"/orders/{order.pk}/cancel/", {"how": "delete"}).status_code == 302
    drains.drain(company.pk)
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id) is None
    order.refresh_from_db()
    assert order.qbo_state == "deleted"
    assert f"invoice {order.qbo_doc_number} deleted" in page_text(client, order)


def test_an_admin_may_void_but_not_delete_and_a_member_may_not_cancel(
    client, connected, qbo, sandbox_realm, company, user
):
    order = synced_order(company)
    Membership.objects.filter(user=user).update(role=Membership.Role.ADMIN)
    refused = client.post(f"/orders/{order.pk}/cancel/", {"how": "delete"})
    assert refused.status_code == 302
    order.refresh_from_db()
    assert order.cancelled_at is None and not OrderWrite.objects.exists()
    Membership.objects.filter(user=user).update(role=Membership.Role.MEMBER)
    assert client.post(f"/orders/{order.pk}/cancel/").status_code == 403
    assert "Cancel order" not in page_text(client, order)
    assert not OrderWrite.objects.exists()


def test_a_paid_invoice_is_not_cancelled(client, connected, qbo, sandbox_realm, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    pay_in_quickbooks(company, order, "30.00")
    sync.sync_company(company.pk)
    refused = client.post(f"/orders/{order.pk}/cancel/")
    assert refused.status_code == 409
    assert "refund or credit it first" in refused.text
    order.refresh_from_db()
    assert order.cancelled_at is None and not OrderWrite.objects.exists()
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["TotalAmt"] == Decimal("100")


def test_a_payment_made_after_the_cancel_stops_the_void(connected, qbo, sandbox_realm, company):
    order = synced_order(company, line("Consulting", "1", "100.00"))
    write = lifecycle.cancel_order(order, by=None)
    pay_in_quickbooks(company, order, "30.00")  # before our void reaches QuickBooks
    drains.drain(company.pk)
    write.refresh_from_db()
    assert write.status == "failed" and "refund or credit it first" in write.last_error
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["Balance"] == Decimal("70.00") and not invoice.get("_voided")


def test_sending_the_invoice_emails_it_and_shows_when(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company, email="ap@lifecycle.test")
    form = client.get(f"/orders/{order.pk}/send/")
    assert 'value="ap@lifecycle.test"' in form.text
    bad = client.post(f"/orders/{order.pk}/send/", {"email": "not an address"})
    assert bad.status_code == 200 and not OrderWrite.objects.exists()
    sent = client.post(f"/orders/{order.pk}/send/", {"email": "billing@lifecycle.test"})
    assert sent.status_code == 302
    drains.drain(company.pk)

    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert invoice["EmailStatus"] == "EmailSent"
    assert invoice["BillEmail"]["Address"] == "billing@lifecycle.test"
    assert invoice["DeliveryInfo"]["DeliveryType"] == "Email"
    order.refresh_from_db()
    assert (order.email_status, order.bill_email) == ("EmailSent", "billing@lifecycle.test")
    text = page_text(client, order)
    assert f"Sent to billing@lifecycle.test on {order.emailed_at:%-d %b}" in text
    assert "Send again" in text
    # Re-sending is possible, and is one more send in QuickBooks.
    assert (
        client.post(f"/orders/{order.pk}/send/", {"email": "x@lifecycle.test"}).status_code == 302
    )
    drains.drain(company.pk)
    sends = [
        r for r in qbo.control.request_log() if r["path"].endswith("/send") and r["status"] == 200
    ]
    assert len(sends) == 2


def test_sending_automatically_after_creating_and_quickbooks_refusal_in_its_words(
    client, connected, qbo, sandbox_realm, company
):
    InvoicingSettings.objects.update_or_create(
        company=company, defaults={"send_after_create": True}
    )
    with_email = synced_order(company, email="ap@auto.test", name="Has An Address")
    without = synced_order(company, name="No Address Ltd")
    drains.drain(company.pk)
    assert invoice_in_qbo(qbo, sandbox_realm, with_email.qbo_invoice_id)["EmailStatus"] == (
        "EmailSent"
    )
    [refused] = OrderWrite.objects.filter(order=without)
    assert refused.status == "failed"
    assert "Missing email address" in refused.last_error
    assert "Missing email address" in page_text(client, without)
    assert invoice_in_qbo(qbo, sandbox_realm, without.qbo_invoice_id)["EmailStatus"] == "NotSet"
    assert OrderWrite.objects.filter(order=with_email, kind="send").count() == 1


def test_a_cancelled_order_cannot_be_sent_or_edited(client, connected, qbo, company):
    order = synced_order(company)
    lifecycle.cancel_order(order, by=None)
    response = client.post(f"/orders/{order.pk}/send/", {"email": "a@b.test"})
    assert response.status_code == 409 and "cancelled" in response.text
    assert Order.objects.get(pk=order.pk).emailed_at is None
    assert OrderWrite.objects.filter(order=order, kind="send").count() == 0


def test_an_invoice_emailed_from_quickbooks_shows_after_sync(
    client, connected, qbo, sandbox_realm, company
):
    order = synced_order(company)
    with open_client(company) as qb:
        qb.send("Invoice", order.qbo_invoice_id, send_to="desk@qbo.test", request_id="qbo-send-1")
    sync.sync_company(company.pk)
    order.refresh_from_db()
    assert (order.email_status, order.bill_email) == ("EmailSent", "desk@qbo.test")
    assert "Sent to desk@qbo.test on" in page_text(client, order)
