"""Webhooks end to end: the sandbox signs and delivers to the live app over HTTP, a real
Celery worker processes them, the mirrors follow within seconds; the catch-up repairs drops."""

import json
import time

import pytest
import requests
from django.db import connections

from customers.models import Customer
from invoicing import drains
from invoicing.models import Order
from qbo import sync
from qbo.client import open_client
from qbo.models import SyncCursor, WebhookEvent
from tests.support import connect_through_consent, order_post

# Several threads (the live server, the worker's pool, the test) write at once: that needs
# PostgreSQL (SQLite's shared in-memory test database refuses with "table is locked").
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_connected(client, user, company, live_sandbox, celery_worker):
    client.force_login(user)
    realm = next(iter(live_sandbox.state.companies))
    assert connect_through_consent(client, live_sandbox, realm_id=realm).status_code == 302
    # Connecting queues the first import; the worker runs it. Wait for it, so that from now
    # on only webhooks (and catch-ups the test runs itself) bring changes in.
    eventually(
        lambda: (
            set(SyncCursor.objects.filter(company=company).values_list("state", flat=True))
            == {"idle"}
        ),
        timeout=60,
    )
    yield realm
    connections.close_all()


def eventually(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        if result := check():
            return result
        if time.monotonic() > deadline:
            raise AssertionError("the change did not arrive in time")
        time.sleep(0.2)


def rename(company, server, realm, customer: Customer, name: str) -> None:
    live = server.state.companies[realm].get("Customer", customer.qbo_id)
    body = {"Id": live["Id"], "SyncToken": live["SyncToken"], "sparse": True, "DisplayName": name}
    with open_client(company) as qb:
        qb.update_object("Customer", json.dumps(body))


def test_an_edit_in_quickbooks_arrives_within_seconds(company, live_sandbox, live_connected):
    customer = Customer.objects.filter(company=company, active=True).first()
    rename(company, live_sandbox, live_connected, customer, "Renamed Through A Webhook")
    started = time.monotonic()
    eventually(
        lambda: Customer.objects.filter(
            pk=customer.pk, display_name="Renamed Through A Webhook"
        ).exists()
    )
    assert time.monotonic() - started < 10
    eventually(
        lambda: WebhookEvent.objects.filter(
            company=company, entity="Customer", entity_id=customer.qbo_id, status="processed"
        ).exists()
    )


def test_a_payment_in_quickbooks_turns_the_order_paid(
    client, company, live_sandbox, live_connected
):
    client.post(
        "/orders/new/",
        order_post({"description": "Work", "unit_price": "80"}, new_customer_name="Webhook Payer"),
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    url = (
        f"{live_sandbox.url}/ui/companies/{live_connected}/invoices/"
        f"{order.qbo_invoice_id}/receive-payment"
    )
    requests.post(url, data={"amount": "30.00"}, timeout=10)
    eventually(lambda: Order.objects.filter(pk=order.pk, payment_status="partially_paid").exists())
    # The rest of QuickBooks' total (which includes the sales tax it calculated).
    requests.post(url, data={"amount": str(order.qbo_total - 30)}, timeout=10)
    eventually(lambda: Order.objects.filter(pk=order.pk, payment_status="paid").exists())


def test_legacy_format_deliveries_work_too(company, live_sandbox, live_connected):
    live_sandbox.control.set_webhooks(format="legacy")
    customer = Customer.objects.filter(company=company, active=True).last()
    rename(company, live_sandbox, live_connected, customer, "Legacy Renamed")
    eventually(
        lambda: Customer.objects.filter(pk=customer.pk, display_name="Legacy Renamed").exists()
    )
    assert WebhookEvent.objects.filter(payload_format="legacy").exists()


def test_the_catch_up_repairs_dropped_deliveries(company, live_sandbox, live_connected):
    live_sandbox.control.set_webhook_chaos(drop=10)
    live_sandbox.control.set_webhooks(window=0.05)
    customers = list(Customer.objects.filter(company=company, active=True)[:20])
    for n, customer in enumerate(customers):
        rename(company, live_sandbox, live_connected, customer, f"Chaos Name {n:02d}")
        live_sandbox.control.flush_webhooks()  # one delivery per change: some get dropped
    deliveries = live_sandbox.control.webhook_deliveries(realm=live_connected)
    dropped = [d for d in deliveries if d.get("chaos") == "drop"]
    assert dropped, "the chaos setting dropped nothing"
    # Wait until the worker has processed what did arrive, then run the scheduled catch-up.
    eventually(lambda: not WebhookEvent.objects.filter(company=company, status="pending").exists())
    eventually(lambda: _catch_up(company))

    for customer in customers:
        customer.refresh_from_db()
        live = live_sandbox.state.companies[live_connected].get("Customer", customer.qbo_id)
        assert customer.display_name == live["DisplayName"]


def _catch_up(company) -> bool:
    try:
        sync.sync_company(company.pk)
    except sync.SyncBusy:  # the worker's webhook sync still holds the lock
        return False
    return True
