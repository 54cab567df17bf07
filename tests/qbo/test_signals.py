"""What the core and the order flow tell other code, as Django signals, through the real
flow against the local sandbox: connected, disconnected, entity synced; order synced, failed
and paid."""

from collections import defaultdict

import pytest
import requests

from customers.models import Customer
from invoicing import drains
from invoicing.models import Order
from invoicing.signals import order_failed, order_paid, order_synced
from qbo import sync
from qbo.signals import connection_connected, connection_disconnected, entity_synced
from tests.support import connect_through_consent, order_post

pytestmark = pytest.mark.django_db

SIGNALS = {
    "connected": connection_connected,
    "disconnected": connection_disconnected,
    "entity_synced": entity_synced,
    "order_synced": order_synced,
    "order_failed": order_failed,
    "order_paid": order_paid,
}


@pytest.fixture
def heard():
    """Every signal above, as (name) -> [keyword arguments of each send]."""
    received = defaultdict(list)
    receivers = []
    for name, signal in SIGNALS.items():

        def receive(sender, signal=None, _name=name, **kwargs):
            received[_name].append(kwargs)

        signal.connect(receive, weak=False)
        receivers.append((signal, receive))
    yield received
    for signal, receive in receivers:
        signal.disconnect(receive)


def test_connect_sync_and_disconnect_are_announced(
    client, user, company, qbo, sandbox_realm, heard, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        connect_through_consent(client, qbo, realm_id=sandbox_realm)
    [connected] = heard["connected"]
    assert connected["company_id"] == company.pk
    assert connected["connection"].realm_id == sandbox_realm

    sync.sync_company(company.pk)
    by_entity = defaultdict(int)
    for sent in heard["entity_synced"]:
        assert sent["company_id"] == company.pk
        by_entity[sent["entity"]] += sent["rows"]
    assert by_entity["Customer"] == Customer.objects.filter(company=company).count() > 0
    assert set(by_entity) == {
        "Customer",
        "Invoice",
        "Item",
        "Payment",
        "CreditMemo",
        "RefundReceipt",
        "SalesReceipt",  # orders paid at checkout
    }

    client.post("/settings/quickbooks/disconnect/")
    [disconnected] = heard["disconnected"]
    assert (disconnected["company_id"], disconnected["revoked"]) == (company.pk, True)


def test_an_order_is_announced_synced_then_paid(
    client, connected, qbo, sandbox_realm, company, heard, django_capture_on_commit_callbacks
):
    sync.sync_company(company.pk)
    client.post(
        "/orders/new/",
        order_post({"description": "Work", "unit_price": "80"}, new_customer_name="Signal Payer"),
    )
    order = Order.objects.get(company=company)
    with django_capture_on_commit_callbacks(execute=True):
        drains.drain(company.pk)
    order.refresh_from_db()
    assert heard["order_synced"] == [
        {"company_id": company.pk, "order_id": order.pk, "invoice_id": order.qbo_invoice_id}
    ]
    url = f"{qbo.url}/ui/companies/{sandbox_realm}/invoices/{order.qbo_invoice_id}/receive-payment"
    requests.post(url, data={"amount": "30.00"}, timeout=10)
    with django_capture_on_commit_callbacks(execute=True):
        sync.sync_company(company.pk)
    # The rest of QuickBooks' total (which includes the tax it calculated).
    requests.post(url, data={"amount": str(order.qbo_total - 30)}, timeout=10)
    with django_capture_on_commit_callbacks(execute=True):
        sync.sync_company(company.pk)
    assert [sent["payment_status"] for sent in heard["order_paid"]] == ["partially_paid", "paid"]
    assert {sent["order_id"] for sent in heard["order_paid"]} == {order.pk}


def test_a_refused_order_is_announced_failed_with_quickbooks_words(
    client, connected, company, heard, django_capture_on_commit_callbacks
):
    sync.sync_company(company.pk)
    customer = Customer.objects.filter(company=company, active=True).first()
    client.post(
        "/orders/new/",
        order_post(
            {"description": "Work", "unit_price": "80"},
            customer=str(customer.pk),
            customer_search=customer.display_name,
        ),
    )
    # The customer was deleted in QuickBooks after the order was taken.
    Customer.objects.filter(pk=customer.pk).update(deleted_in_qbo=True)
    with django_capture_on_commit_callbacks(execute=True):
        drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.push_status == Order.PushStatus.FAILED
    [failed] = heard["order_failed"]
    assert failed["order_id"] == order.pk
    assert "deleted in QuickBooks" in failed["error"] == order.last_error
