"""The dashboard: connection health, sync per entity, recent calls, orders needing attention."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Company, Membership
from customers.models import Customer
from dashboard import views as dashboard
from invoicing.models import Order, OrderWrite
from payments.models import Payment
from qbo.models import QBOCall, SyncCursor
from tests.support import store_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, user, company):
    client.force_login(user)
    return client


def make_order(company, number, status="synced", age=timedelta(0), **fields):
    order = Order.objects.create(
        company=company,
        number=str(number),
        new_customer_name=f"Customer {number}",
        order_date=timezone.localdate(),
        total=Decimal("10.00"),
        push_status=status,
        **fields,
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - age)
    return order


def fill(company, n: int, start: int = 0) -> None:
    """n more of everything the dashboard shows."""
    numbers = range(start, start + n)
    Customer.objects.bulk_create(
        Customer(company=company, qbo_id=str(i), display_name=f"Customer {i}") for i in numbers
    )
    Payment.objects.bulk_create(Payment(company=company, qbo_id=str(i)) for i in numbers)
    QBOCall.objects.bulk_create(
        QBOCall(company=company, operation="query Customer", method="POST", status_code=200)
        for _ in numbers
    )
    for i in numbers:
        make_order(company, 5000 + i, status="failed", last_error=f"Problem {i}")
        make_order(company, 6000 + i, qbo_invoice_id=str(i), qbo_doc_number=str(i))


def test_shows_the_connect_call_to_action_before_quickbooks_is_connected(owner_client):
    page = owner_client.get("/").text
    assert "Getting started" in page
    assert "Not connected" in page
    assert "Connect to QuickBooks</button>" in page
    assert "Nothing synced yet" in page
    assert "Nothing needs attention" in page and "No calls yet" in page


def test_members_are_told_who_can_connect(client, company, django_user_model):
    member = django_user_model.objects.create_user(email="m@example.com", password="pw-m-1234")
    Membership.objects.create(user=member, company=company, role="member")
    client.force_login(member)
    page = client.get("/").text
    assert "Ask an owner or admin of Acme Supplies to connect QuickBooks." in page
    assert "Connect to QuickBooks</button>" not in page


def test_shows_sync_status_per_entity_with_lag_and_counts(owner_client, company):
    store_connection(company)
    now = timezone.now()
    SyncCursor.objects.create(
        company=company,
        entity="Customer",
        state="idle",
        high_water=now - timedelta(minutes=4),
        last_success_at=now - timedelta(minutes=4),
    )
    SyncCursor.objects.create(
        company=company,
        entity="Invoice",
        state="error",
        high_water=now - timedelta(hours=3),
        last_error="QuickBooks didn't answer (ReadTimeout)",
        last_error_at=now,
    )
    SyncCursor.objects.create(
        company=company, entity="Payment", state="importing", import_done=250, import_total=1000
    )
    fill(company, 3)

    page = owner_client.get("/").text

    assert "Connected to" in page
    assert '<th scope="row">Customers</th>' in page
    assert '<td data-label="Lag" class="nowrap">4 min</td>' in page
    assert '<td data-label="Lag" class="nowrap">3 h</td>' in page
    assert '<td data-label="Last success" class="nowrap">4 min ago</td>' in page
    assert "Failing" in page and "ReadTimeout" in page
    assert 'aria-valuenow="250"' in page and "Importing 250 of 1000 (25%)" in page
    assert 'hx-trigger="every 2s"' in page
    assert page.count('<td data-label="Rows" class="num">3</td>') == 3  # each entity


def test_a_mirror_behind_twice_the_catch_up_interval_is_flagged(owner_client, company, settings):
    settings.QBO_SYNC_INTERVAL_MINUTES = 15
    store_connection(company)
    stale = timezone.now() - timedelta(minutes=31)
    SyncCursor.objects.create(
        company=company, entity="Customer", state="idle", high_water=stale, last_success_at=stale
    )
    statuses = dashboard.entity_statuses(company, 0, timezone.now())
    assert [s.stale for s in statuses] == [True, False, False, False]
    assert "Behind" in owner_client.get("/").text


def test_polling_stops_once_every_entity_settled(owner_client, company):
    store_connection(company)
    for entity in ("Customer", "Invoice", "Payment", "Item"):
        SyncCursor.objects.create(
            company=company, entity=entity, state="idle", last_success_at=timezone.now()
        )
    page = owner_client.get("/").text
    assert "Up to date" in page
    assert "hx-trigger" not in page


def test_waits_for_the_first_sync_right_after_connecting(owner_client, company):
    store_connection(company)
    page = owner_client.get("/").text
    assert "Starting the first import from QuickBooks" in page
    assert 'hx-get="/dashboard/sync/" hx-trigger="every 3s"' in page


def test_the_sync_card_alone_is_served_for_polling(owner_client, company):
    store_connection(company)
    SyncCursor.objects.create(
        company=company, entity="Customer", state="importing", import_done=1, import_total=4
    )
    Customer.objects.create(company=company, qbo_id="1", display_name="First")
    fragment = owner_client.get("/dashboard/sync/")
    assert fragment.status_code == 200
    assert 'id="dashboard-sync"' in fragment.text and "Importing 1 of 4" in fragment.text
    assert "<html" not in fragment.text
    # The tiles and the getting-started list move with the import (htmx out-of-band swaps).
    assert '<div class="stats" id="dashboard-stats" hx-swap-oob="true">' in fragment.text
    assert '<div id="getting-started" hx-swap-oob="true">' in fragment.text
    assert '<span class="stat-value">1</span>\n    <span class="stat-note">from QuickBooks' in (
        fragment.text
    )


def test_fresh_moments_read_as_just_now(owner_client, company):
    store_connection(company)
    SyncCursor.objects.create(
        company=company, entity="Customer", state="idle", last_success_at=timezone.now()
    )
    assert '<td data-label="Last success" class="nowrap">just now</td>' in (
        owner_client.get("/").text
    )


def test_the_sync_card_needs_a_signed_in_member(client):
    assert client.get("/dashboard/sync/").status_code == 403


def test_lists_recent_quickbooks_calls_with_the_ids_support_asks_for(owner_client, company):
    QBOCall.objects.create(
        company=company,
        operation="invoice",
        method="POST",
        status_code=400,
        duration_ms=231,
        request_id="qbsync-12-3-1",
        intuit_tid="1-6650ab12-7a1b2c3d4e5f",
        error="Business Validation Error: 6000",
    )
    page = owner_client.get("/").text
    assert "<code>1-6650ab12-7a1b2c3d4e5f</code>" in page
    assert "<code>qbsync-12-3-1</code>" in page
    assert "231 ms" in page and "Business Validation Error: 6000" in page
    assert '<span class="badge err">400</span>' in page


def test_lists_the_orders_that_need_attention(owner_client, company):
    failed = make_order(
        company,
        1001,
        status="failed",
        last_error="Duplicate Document Number Error",
        last_error_tid="1-abc",
    )
    waiting = make_order(company, 1002, status="waiting")
    stuck = make_order(company, 1003, status="pending", age=timedelta(minutes=30))
    make_order(company, 1004, status="pending")  # just created: on its way
    make_order(company, 1005, status="synced")

    page = owner_client.get("/").text

    for order in (failed, waiting, stuck):
        assert f'href="/orders/{order.pk}/">Order {order.number}</a>' in page
    assert "Order 1004" not in page and "Order 1005" not in page
    assert "Duplicate Document Number Error" in page and "<code>1-abc</code>" in page
    assert "Waits for QuickBooks to be reconnected." in page
    assert "Not in QuickBooks after 30" in page
    counts = dashboard.order_counts(company, timezone.now())
    assert (counts["failed"], counts["waiting"], counts["stuck"], counts["sending"]) == (1, 1, 1, 2)


def test_lists_synced_orders_whose_quickbooks_total_differs(owner_client, company):
    ten = Decimal("10.00")
    # QuickBooks calculated the tax: its total is ours plus its tax, which is fine...
    make_order(company, 1001, qbo_total=Decimal("10.80"), qbo_tax=Decimal("0.80"))
    # ...but not when something else changed the total,
    off = make_order(company, 1002, qbo_total=Decimal("12.80"), qbo_tax=Decimal("0.80"))
    # or when we sent our tax and QuickBooks' total isn't ours.
    ours = make_order(company, 1003, tax=Decimal("0"), qbo_total=Decimal("10.80"))
    make_order(company, 1004, tax=Decimal("0"), qbo_total=ten, qbo_tax=Decimal("0"))
    make_order(company, 1005, qbo_total=Decimal("0"), qbo_state="voided")

    page = owner_client.get("/").text

    for order in (off, ours):
        assert f'href="/orders/{order.pk}/">Order {order.number}</a>' in page
    for number in (1001, 1004, 1005):
        assert f"Order {number}<" not in page
    assert "QuickBooks' total is 12.80 USD, not 10.80" in page
    assert "QuickBooks' total is 10.80 USD, not 10.00" in page
    detail = owner_client.get(f"/orders/{off.pk}/").text
    assert 'id="total-differs"' in detail and 'id="order-qbo-total"' in detail


def test_lists_orders_whose_later_change_failed_until_one_succeeds(owner_client, company):
    refused = make_order(company, 1001, status="synced")
    conflict = make_order(company, 1002, status="synced")
    fixed = make_order(company, 1003, status="synced")
    write = {"company": company, "request_id": "", "kind": OrderWrite.Kind.SEND}
    OrderWrite.objects.create(
        **{**write, "request_id": "r1"},
        order=refused,
        status="failed",
        last_error="Missing email address: set BillEmail or pass sendTo.",
    )
    OrderWrite.objects.create(
        **{**write, "request_id": "r2", "kind": "update"}, order=conflict, status="conflict"
    )
    OrderWrite.objects.create(**{**write, "request_id": "r3"}, order=fixed, status="failed")
    OrderWrite.objects.create(**{**write, "request_id": "r4"}, order=fixed, status="done")

    page = owner_client.get("/").text

    assert f'href="/orders/{refused.pk}/">Order 1001</a>' in page
    assert "QuickBooks refused the send: Missing email address" in page
    assert f'href="/orders/{conflict.pk}/">Order 1002</a>' in page
    assert "Changed in QuickBooks: choose which version to keep." in page
    assert "Order 1003" not in page


def test_needs_reauth_shows_the_reconnect_call_to_action(owner_client, company):
    conn = store_connection(company, status="needs_reauth")
    conn.last_error = "invalid_grant"
    conn.last_error_tid = "1-dead-beef"
    conn.save()
    page = owner_client.get("/").text
    assert "Needs reconnecting" in page
    assert "Reconnect QuickBooks</button>" in page
    assert "1-dead-beef" in page


def test_warns_before_intuits_five_year_limit(company):
    conn = store_connection(company)
    conn.refresh_hard_expires_at = timezone.now() + timedelta(days=20)
    health = dashboard.connection_health(conn, timezone.now())
    assert len(health.warnings) == 1 and "reconnect before then" in health.warnings[0]
    conn.refresh_hard_expires_at = timezone.now() + timedelta(days=400)
    assert dashboard.connection_health(conn, timezone.now()).warnings == []


def test_shows_only_the_current_companys_data(owner_client, company):
    bravo = Company.objects.create(name="Bravo Traders")
    make_order(bravo, 7777, status="failed", last_error="Bravo's problem")
    QBOCall.objects.create(
        company=bravo, operation="query Customer", method="GET", intuit_tid="1-bravo"
    )
    Customer.objects.create(company=bravo, qbo_id="1", display_name="Bravo's customer")

    page = owner_client.get("/").text

    assert "7777" not in page and "1-bravo" not in page and "Bravo" not in page


def queries_for(client) -> int:
    with CaptureQueriesContext(db_connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_a_fixed_handful_of_queries_whatever_the_data(owner_client, company):
    store_connection(company)
    for entity in ("Customer", "Invoice", "Payment", "Item"):
        SyncCursor.objects.create(company=company, entity=entity, state="idle")
    fill(company, 1)
    small = queries_for(owner_client)
    fill(company, 12, start=1)

    assert queries_for(owner_client) == small
    # The session, the user, the membership (with its company and connection), the
    # switcher's list; then cursors, customers, payments, items, order counts, attention, calls.
    assert small <= 11, small
