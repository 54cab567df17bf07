"""Fixtures for invoicing: a second company (the other tenant), customers, products, orders."""

from decimal import Decimal

import pytest

from accounts.models import Company, Membership
from invoicing.models import Product
from tests.invoicing.support import make_customer


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
