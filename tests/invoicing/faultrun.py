"""Shared pieces of the push fault runs: making orders, settling, and counting invoices."""

import time
from collections import Counter
from datetime import date
from decimal import Decimal

from invoicing import services
from invoicing.models import Order, OrderWrite
from invoicing.sync import MARKER

NAMES = [f"Fault Customer {n:02d}" for n in range(20)]


def make_orders(company, count: int, checkout: services.Checkout | None = None) -> list[int]:
    """`count` orders (sales receipts with `checkout`, else invoices)."""
    ids = []
    for n in range(count):
        line = services.NewLine(
            product=None,
            description=f"Service {n}",
            quantity=Decimal("1"),
            unit_price=Decimal(f"{10 + n % 7}.25"),
            taxable=n % 2 == 0,
        )
        order = services.create_order(
            company=company,
            created_by=None,
            new_customer_name=NAMES[n % len(NAMES)],
            order_date=date(2026, 3, 2),
            lines=[line],
            checkout=checkout,
        )
        ids.append(order.pk)
    return ids


def unsettled(company_id: int) -> int:
    return (
        Order.objects.filter(company_id=company_id)
        .exclude(push_status__in=[Order.PushStatus.SYNCED, Order.PushStatus.FAILED])
        .count()
    )


def wait_until_settled(company_id: int, timeout: float, step=None) -> None:
    deadline = time.monotonic() + timeout
    while unsettled(company_id) and time.monotonic() < deadline:
        if step:
            step()
        time.sleep(0.2)


def marker_counts(server, realm: str, entity: str = "Invoice") -> Counter:
    """How many sandbox invoices (or other forms) carry each (company, order) marker."""
    counts: Counter = Counter()
    for invoice in server.state.companies[realm].rows(entity):
        match = MARKER.search(invoice.get("PrivateNote") or "")
        if match:
            counts[int(match.group(2))] += 1
    return counts


def check_exactly_once(server, realm: str, company_id: int, entity: str = "Invoice") -> dict:
    """0 duplicates, 0 lost; every synced order's invoice (or `entity`) is the one QBO holds."""
    counts = marker_counts(server, realm, entity)
    orders = list(Order.objects.filter(company_id=company_id))
    duplicates = {pk: n for pk, n in counts.items() if n > 1}
    lost = [o.pk for o in orders if o.push_status not in ("synced", "failed")]
    failed_without_reason = [o.pk for o in orders if o.push_status == "failed" and not o.last_error]
    synced_missing = [o.pk for o in orders if o.push_status == "synced" and counts[o.pk] != 1]
    assert duplicates == {}, f"duplicate invoices: {duplicates}"
    assert lost == [], f"unsettled orders: {lost[:10]}"
    assert failed_without_reason == []
    assert synced_missing == []
    by_id = {inv["Id"] for inv in server.state.companies[realm].rows(entity)}
    assert all(o.qbo_invoice_id in by_id for o in orders if o.push_status == "synced")
    return Counter(o.push_status for o in orders)


# --- the order-life fault runs (tests/invoicing/test_life_faults.py) --------------------------


def unsettled_writes(company_id: int) -> int:
    return OrderWrite.objects.filter(
        company_id=company_id, status__in=[OrderWrite.Status.PENDING, OrderWrite.Status.IN_FLIGHT]
    ).count()


def wait_until_writes_settled(company_id: int, timeout: float, step) -> None:
    deadline = time.monotonic() + timeout
    while unsettled_writes(company_id) and time.monotonic() < deadline:
        step()
        time.sleep(0.2)


def sandbox_operations(server, realm: str, entity: str, operation: str) -> Counter:
    """How many times the sandbox applied `operation` (Update, Void...) to each object id."""
    return Counter(
        change.id
        for change in server.state.companies[realm].changes
        if change.entity == entity and change.operation == operation
    )
