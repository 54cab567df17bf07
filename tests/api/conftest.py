"""Fixtures for the API: a key for Acme, a client that sends it, Bravo's key and rows."""

import json
import uuid
from decimal import Decimal

import pytest

from api import keys
from invoicing.models import Product
from tests.support import make_customer


@pytest.fixture
def owner_client(client, user, company):
    """Alice, owner of Acme Supplies, signed in."""
    client.force_login(user)
    return client


@pytest.fixture
def customer(company):
    return make_customer(company, "Globex Corporation", email="ap@globex.test")


@pytest.fixture
def product(company):
    return Product.objects.create(
        company=company, name="Widget", sku="W-1", unit_price=Decimal("12.50"), taxable=True
    )


class ApiClient:
    """Django's test client, speaking JSON with an API key and fresh Idempotency-Keys."""

    def __init__(self, client, key: str):
        self.client, self.key = client, key

    def headers(self, idempotency_key: str | None = None, **extra) -> dict:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.key}", **extra}
        if idempotency_key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = idempotency_key
        return headers

    def get(self, path: str, params=None, **extra):
        return self.client.get(path, params or {}, **self.headers(**extra))

    def post(self, path: str, body=None, *, idempotency_key: str | None = "", raw=None, **extra):
        if idempotency_key == "":
            idempotency_key = str(uuid.uuid4())
        data = raw if raw is not None else _json(body)
        extra.setdefault("content_type", "application/json")
        return self.client.post(path, data, **self.headers(idempotency_key), **extra)


def _json(body) -> str:
    return json.dumps(body if body is not None else {})


@pytest.fixture
def acme_key(company, user):
    _row, key = keys.create_key(company=company, name="Checkout", created_by=user)
    return key


@pytest.fixture
def api(client, acme_key):
    return ApiClient(client, acme_key)


@pytest.fixture
def bravo_key(other_company):
    return keys.create_key(company=other_company, name="Bravo shop", created_by=None)[1]


@pytest.fixture
def bravo_rows(other_company):
    """Bravo's customer and product: ids Acme's key must not reach."""
    customer = make_customer(other_company, "Bravo Customer", email="b@bravo.test")
    product = Product.objects.create(
        company=other_company, name="Bravo Thing", unit_price=Decimal("5.00")
    )
    return customer, product


def order_body(**fields) -> dict:
    body = {
        "customer": {"name": "Walk-in Buyer", "email": "buyer@example.test"},
        "order_date": "2026-03-02",
        "lines": [{"description": "Consulting", "quantity": "2", "unit_price": "40.00"}],
    }
    body.update(fields)
    return body
