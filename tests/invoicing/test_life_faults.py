"""Fault runs for an order's later writes, 200 orders each, faults injected in the sandbox.

Edits: every invoice ends on its order's latest revision, no revision applied twice, none
lost. Cancels: every invoice voided exactly once. Payments and credits: one Payment (and
one CreditMemo) per write, every invoice's balance right. Counted in the sandbox's own change log,
not in our rows. Two workers race throughout, as in tests/invoicing/test_push_faults.py.
"""

import re
import threading
from collections import Counter
from decimal import Decimal

import pytest

from invoicing import drains, lifecycle, settlements
from invoicing.models import Order, OrderWrite
from tests.invoicing.faultrun import (
    make_orders,
    sandbox_operations,
    unsettled,
    wait_until_settled,
    wait_until_writes_settled,
)
from tests.invoicing.lifecycle_support import line, sales_lines

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ORDERS = 200
API = r"/v3/company/.*"
WRITE_MARKER = re.compile(r"\[qbsync:\d+:\d+:w(\d+)\]")
FAULTS = [("status", 15, 500), ("latency", 10, None), ("drop_after_commit", 5, None)]


@pytest.fixture
def fast_retries(settings):
    settings.QBO_READ_TIMEOUT = 0.5
    settings.QBO_CONNECT_TIMEOUT = 0.5
    settings.QBO_PUSH_BACKOFF_BASE = 0.05
    settings.QBO_PUSH_BACKOFF_CAP = 0.5
    settings.QBO_AMBIGUOUS_SETTLE = 1.5  # the injected latency (1 s) plus a margin


def race_two_workers(company_id: int) -> None:
    def worker():
        from django.db import connection

        try:
            drains.drain_slice(company_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    drains.sweep()


def synced_orders(connected) -> list[Order]:
    company_id = connected.company_id
    make_orders(connected.company, ORDERS)
    wait_until_settled(company_id, timeout=120, step=lambda: race_two_workers(company_id))
    assert unsettled(company_id) == 0
    orders = list(Order.objects.filter(company_id=company_id).order_by("pk"))
    assert all(o.push_status == "synced" for o in orders)
    return orders


def inject(qbo) -> None:
    for kind, percent, status in FAULTS:
        qbo.control.add_fault(
            API, kind, percent=percent, status=status, seconds=1.0 if kind == "latency" else None
        )


def settle(qbo, company_id: int) -> None:
    step = lambda: race_two_workers(company_id)  # noqa: E731
    wait_until_writes_settled(company_id, timeout=300, step=step)
    qbo.control.clear_faults()
    wait_until_writes_settled(company_id, timeout=60, step=step)


def test_edit_fault_run_applies_each_revision_once(connected, qbo, sandbox_realm, fast_retries):
    company_id = connected.company_id
    orders = synced_orders(connected)
    inject(qbo)
    for order in orders:
        lifecycle.edit_order(order, lines=[line(f"Service r1 {order.pk}", "2", "10.00")], by=None)
    race_two_workers(company_id)  # some first revisions go, some are mid-flight or failing
    for order in orders[::4]:  # a second revision for every fourth order
        lifecycle.edit_order(order, lines=[line(f"Service r2 {order.pk}", "3", "10.00")], by=None)
    settle(qbo, company_id)

    writes = OrderWrite.objects.filter(company_id=company_id)
    assert writes.filter(status__in=["pending", "in_flight"]).count() == 0  # 0 lost
    assert writes.filter(status__in=["failed", "conflict"]).count() == 0, list(
        writes.exclude(status__in=["done", "superseded"]).values("status", "last_error")[:5]
    )
    updates = sandbox_operations(qbo, sandbox_realm, "Invoice", "Update")
    store = qbo.state.companies[sandbox_realm]
    for order in orders:
        order.refresh_from_db()
        done = writes.filter(order=order, kind="update", status="done").count()
        # Each revision we settled as done was applied exactly once, nothing more.
        assert updates[order.qbo_invoice_id] == done >= 1, (order.pk, done)
        latest = order.writes.filter(status="done").order_by("pk").last()
        expected = "r2" if order in orders[::4] else "r1"
        assert latest.revision == order.revision
        invoice = store.get("Invoice", order.qbo_invoice_id)
        [(description, _, amount)] = sales_lines(invoice)
        assert description == f"Service {expected} {order.pk}"
        assert amount == (Decimal("30.00") if expected == "r2" else Decimal("20.00"))
    faulted = [r for r in qbo.control.request_log() if r.get("fault")]
    assert len(faulted) >= 10  # the faults really hit the run
    print(f"\nedit fault run: {writes.count()} writes, {len(faulted)} faulted requests")


def test_cancel_fault_run_voids_each_invoice_once(connected, qbo, sandbox_realm, fast_retries):
    company_id = connected.company_id
    orders = synced_orders(connected)
    inject(qbo)
    for order in orders:
        lifecycle.cancel_order(order, by=None)
    settle(qbo, company_id)

    writes = OrderWrite.objects.filter(company_id=company_id)
    assert writes.exclude(status="done").count() == 0, list(
        writes.exclude(status="done").values("status", "last_error")[:5]
    )
    voids = sandbox_operations(qbo, sandbox_realm, "Invoice", "Void")
    store = qbo.state.companies[sandbox_realm]
    for order in orders:
        order.refresh_from_db()
        assert order.qbo_state == "voided"
        assert voids[order.qbo_invoice_id] == 1
        invoice = store.get("Invoice", order.qbo_invoice_id)
        assert invoice["TotalAmt"] == 0 and invoice["PrivateNote"].startswith("Voided")
    faulted = [r for r in qbo.control.request_log() if r.get("fault")]
    assert len(faulted) >= 10
    print(f"\ncancel fault run: {writes.count()} voids, {len(faulted)} faulted requests")


@pytest.mark.timeout(900)  # ~1,100 calls at the realm's 10 a second, retries and lookups
def test_payment_and_credit_fault_run_creates_each_once(
    connected, qbo, sandbox_realm, fast_retries
):
    company_id = connected.company_id
    orders = synced_orders(connected)
    inject(qbo)
    for n, order in enumerate(orders):
        settlements.record_payment(order, amount=Decimal("5.00"), paid_on=order.order_date, by=None)
        if n % 2 == 0:
            settlements.credit_order(order, amount=Decimal("3.00"), on=order.order_date, by=None)
    settle(qbo, company_id)

    writes = OrderWrite.objects.filter(company_id=company_id)
    assert writes.exclude(status="done").count() == 0, list(
        writes.exclude(status="done").values("status", "last_error")[:5]
    )
    store = qbo.state.companies[sandbox_realm]
    by_marker: Counter = Counter()
    for entity in ("Payment", "CreditMemo"):
        for row in store.rows(entity):
            if match := WRITE_MARKER.search(row.get("PrivateNote") or ""):
                by_marker[(entity, int(match.group(1)))] += 1
    for write in writes:
        assert by_marker[("Payment", write.pk)] == 1, write.pk  # the payment, or the applying one
        if write.kind == "credit":
            assert by_marker[("CreditMemo", write.pk)] == 1, write.pk
    for n, order in enumerate(orders):
        order.refresh_from_db()
        expected = order.qbo_total - Decimal("5.00") - (Decimal("3.00") if n % 2 == 0 else 0)
        invoice = store.get("Invoice", order.qbo_invoice_id)
        assert invoice["Balance"] == expected == order.qbo_balance, order.pk
    faulted = [r for r in qbo.control.request_log() if r.get("fault")]
    assert len(faulted) >= 10
    print(f"\nmoney fault run: {writes.count()} writes, {len(faulted)} faulted requests")
