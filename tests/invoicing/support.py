"""Rows for the invoicing tests, saved directly (no push queued)."""

from datetime import date
from decimal import Decimal

from customers.models import Customer
from invoicing.models import Order, OrderLine


def make_customer(company, name: str, **fields) -> Customer:
    qbo_id = str(Customer.objects.count() + 1)
    return Customer.objects.create(company=company, qbo_id=qbo_id, display_name=name, **fields)


def make_order(company, number: str = "1001", **fields) -> Order:
    """An order saved directly (no push queued), in whatever state a test needs."""
    fields.setdefault("new_customer_name", "Walk-in Customer")
    fields.setdefault("total", Decimal("10.00"))
    order = Order.objects.create(
        company=company, number=number, order_date=date(2026, 3, 2), **fields
    )
    OrderLine.objects.create(
        order=order,
        position=1,
        description="Consulting",
        quantity=Decimal("1"),
        unit_price=order.total,
        amount=order.total,
    )
    return order
