"""Fixtures for invoicing: a second company (the other tenant), customers, products, orders."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.models import Company, Membership
from customers.models import Customer
from invoicing.models import Order, OrderLine, Product


@pytest.fixture
def owner_client(client, user, company):
    """Alice, owner of Acme Supplies, signed in."""
    client.force_login(user)
    return client


@pytest.fixture
def other_company(django_user_model):
    """Bravo Traders, whose member Bob must never see Acme's data."""
    bob = django_user_model.objects.create_user(email="bob@example.com", password="pw-bob-1")
    bravo = Company.objects.create(name="Bravo Traders")
    Membership.objects.create(user=bob, company=bravo, role=Membership.Role.MEMBER)
    return bravo


@pytest.fixture
def bob(other_company):
    return other_company.members.get()


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


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


@pytest.fixture
def customer(company):
    return make_customer(
        company, "Globex Corporation", company_name="Globex", email="ap@globex.test"
    )


@pytest.fixture
def product(company):
    return Product.objects.create(
        company=company, name="Widget", sku="W-1", unit_price=Decimal("12.50"), taxable=True
    )
