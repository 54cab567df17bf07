"""Fixtures for invoicing: a second company (the other tenant), customers, products, orders."""

from decimal import Decimal

import pytest

from invoicing.models import Product
from tests.invoicing.support import make_customer


@pytest.fixture
def owner_client(client, user, company):
    """Alice, owner of Acme Supplies, signed in."""
    client.force_login(user)
    return client


# other_company (Bravo Traders, whose member Bob must never see Acme's data):
# tests/admin_fixtures.py.


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
