"""Bad input over every endpoint: a 4xx JSON error with a code, message and field — never a
500 — and nothing written."""

import json

import pytest

from api.keys import revoke_key
from api.models import ApiAuditEntry, ApiKey, ApiOrder
from customers.models import Customer
from invoicing.models import Order, OrderLine
from tests.api.conftest import order_body
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db

LINE = {"description": "Work", "quantity": "1", "unit_price": "10.00"}


def _lines(*changes: dict) -> dict:
    return order_body(lines=[{**LINE, **change} for change in changes])


# (name, body, expected status, expected code, expected field)
BODIES = [
    ("customer is a string", order_body(customer="Globex"), 400, "invalid", "customer"),
    (
        "customer missing",
        {k: v for k, v in order_body().items() if k != "customer"},
        400,
        "required",
        "customer",
    ),
    (
        "customer id and name",
        order_body(customer={"id": 1, "name": "X"}),
        400,
        "invalid",
        "customer",
    ),
    ("customer id not a number", order_body(customer={"id": "abc"}), 400, "invalid", "customer.id"),
    (
        "unknown customer id",
        order_body(customer={"id": 999999}),
        400,
        "invalid_choice",
        "customer.id",
    ),
    (
        "bad email",
        order_body(customer={"name": "N", "email": "no-at-sign"}),
        400,
        "invalid",
        "customer.email",
    ),
    (
        "lines missing",
        {k: v for k, v in order_body().items() if k != "lines"},
        400,
        "required",
        "lines",
    ),
    ("lines empty", order_body(lines=[]), 400, "min_length", "lines"),
    ("lines an object", order_body(lines={"0": LINE}), 400, "not_a_list", "lines"),
    ("too many lines", order_body(lines=[LINE] * 201), 400, "max_length", "lines"),
    ("quantity a word", _lines({}, {"quantity": "lots"}), 400, "invalid", "lines[1].quantity"),
    ("quantity a list", _lines({"quantity": [1]}), 400, "invalid", "lines[0].quantity"),
    ("quantity zero", _lines({"quantity": "0"}), 400, "invalid", "lines[0].quantity"),
    (
        "quantity too precise",
        _lines({"quantity": "1.234"}),
        400,
        "max_decimal_places",
        "lines[0].quantity",
    ),
    ("price NaN", _lines({"unit_price": "NaN"}), 400, "invalid", "lines[0].unit_price"),
    ("price negative", _lines({"unit_price": "-1.00"}), 400, "invalid", "lines[0].unit_price"),
    (
        "price missing on free text",
        _lines({"unit_price": None}),
        400,
        "invalid",
        "lines[0].unit_price",
    ),
    (
        "neither product nor text",
        _lines({"description": ""}),
        400,
        "invalid",
        "lines[0].description",
    ),
    ("unknown product", _lines({"product": 999999}), 400, "invalid_choice", "lines[0].product"),
    ("taxable a word", _lines({"taxable": "perhaps"}), 400, "invalid", "lines[0].taxable"),
    (
        "total too large",
        _lines(*[{"quantity": "9999999999.99", "unit_price": "999999999999.99"}]),
        400,
        "invalid",
        "lines[0].quantity",
    ),
    ("date not a date", order_body(order_date="yesterday"), 400, "invalid", "order_date"),
    ("date out of range", order_body(order_date="1850-01-01"), 400, "out_of_range", "order_date"),
    ("due before order", order_body(due_date="2026-01-01"), 400, "invalid", "due_date"),
    ("currency not a code", order_body(currency="U$1"), 400, "invalid", "currency"),
    ("memo too long", order_body(memo="x" * 1001), 400, "max_length", "memo"),
    ("external id too long", order_body(external_id="e" * 101), 400, "max_length", "external_id"),
    ("external id a number", order_body(external_id={"a": 1}), 400, "invalid", "external_id"),
    ("form unknown", order_body(form="estimate"), 400, "invalid_choice", "form"),
    (
        "deposit account on an invoice",
        order_body(deposit_account="35"),
        400,
        "invalid",
        "form",
    ),
    (
        # Not connected: QuickBooks can't be asked for the accounts a receipt is deposited to.
        "sales receipt without quickbooks",
        order_body(form="sales_receipt", deposit_account="35"),
        400,
        "invalid",
        "form",
    ),
    ("body a list", [order_body()], 400, "invalid", None),
    ("body null", None, 400, "required", None),
]


@pytest.fixture
def counts():
    def now():
        return [m.objects.count() for m in (Order, OrderLine, ApiOrder, ApiAuditEntry, Customer)]

    return now


def _is_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] and body["message"] and body["errors"][0]["code"] == body["code"]
    return body


@pytest.mark.parametrize(
    ("name", "body", "status", "code", "field"), BODIES, ids=[b[0] for b in BODIES]
)
def test_bad_order_bodies(api, counts, name, body, status, code, field):
    before = counts()
    raw = "null" if body is None else None
    answer = _is_error(api.post("/api/v1/orders/", body, raw=raw), status)
    assert (answer["code"], answer["field"]) == (code, field), answer
    assert counts() == before


def test_every_bad_field_is_listed(api, counts):
    body = _lines({"quantity": "0"}, {"unit_price": "x"})
    body["order_date"] = "never"
    answer = _is_error(api.post("/api/v1/orders/", body), 400)
    fields = {e["field"] for e in answer["errors"]}
    assert fields == {"order_date", "lines[1].unit_price"}


def test_another_companys_customer_and_product(api, counts, bravo_rows):
    customer, product = bravo_rows
    before = counts()
    by_customer = _is_error(
        api.post("/api/v1/orders/", order_body(customer={"id": customer.pk})), 400
    )
    assert (by_customer["code"], by_customer["field"]) == ("invalid_choice", "customer.id")
    by_product = _is_error(
        api.post("/api/v1/orders/", order_body(lines=[{"product": product.pk}])), 400
    )
    assert (by_product["code"], by_product["field"]) == ("invalid_choice", "lines[0].product")
    assert counts() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "parse_error"),
        (b"\xff\xfe", "application/json", 400, "parse_error"),
        ("customer=x", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (json.dumps(order_body(memo="x" * 300_000)), "application/json", 413, "body_too_large"),
    ],
)
def test_bad_bodies_of_any_kind(api, counts, raw, content_type, status, code):
    before = counts()
    response = api.post("/api/v1/orders/", raw=raw, content_type=content_type)
    assert _is_error(response, status)["code"] == code
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/v1/orders/", {"push_status": "lost"}, 400, "invalid_choice"),
        ("/api/v1/orders/", {"created_after": "soon"}, 400, "invalid"),
        ("/api/v1/orders/", {"customer": "abc"}, 400, "invalid"),
        ("/api/v1/orders/", {"cursor": "garbage"}, 404, "not_found"),
        ("/api/v1/orders/", {"q": "x" * 101}, 400, "max_length"),
        ("/api/v1/orders/999999/", {}, 404, "not_found"),
        ("/api/v1/orders/abc/", {}, 404, "not_found"),
        ("/api/v1/customers/", {"active": "maybe"}, 400, "invalid"),
        ("/api/v1/customers/999999/", {}, 404, "not_found"),
        ("/api/v1/products/", {"q": "x" * 101}, 400, "max_length"),
        ("/api/v1/products/0/", {}, 404, "not_found"),
    ],
)
def test_bad_reads(api, path, params, status, code):
    answer = _is_error(api.get(path, params), status)
    assert answer["code"] == code


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/products/"])
def test_read_only_resources_refuse_writes(api, counts, path):
    before = counts()
    assert _is_error(api.post(path, {"name": "x"}), 405)["code"] == "method_not_allowed"
    assert counts() == before


def test_retrying_another_companys_order_is_not_found(api, other_company, counts):
    theirs = make_order(other_company, push_status="failed")
    before = counts()
    assert _is_error(api.post(f"/api/v1/orders/{theirs.pk}/retry/"), 404)["code"] == "not_found"
    theirs.refresh_from_db()
    assert theirs.push_status == "failed" and counts() == before


ENDPOINTS = [
    ("get", "/api/v1/orders/"),
    ("get", "/api/v1/orders/1/"),
    ("post", "/api/v1/orders/"),
    ("post", "/api/v1/orders/1/retry/"),
    ("get", "/api/v1/customers/"),
    ("get", "/api/v1/products/"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("header", ["", "Bearer qbs_nope", "Basic dXNlcjpwYXNz", "revoked"])
def test_no_endpoint_answers_without_a_good_key(client, api, counts, method, path, header):
    if header == "revoked":
        revoke_key(ApiKey.objects.get())
        header = f"Bearer {api.key}"
    before = counts()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    call = getattr(client, method)
    response = call(
        path,
        json.dumps(order_body()) if method == "post" else None,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="x",
        **extra,
    )
    assert _is_error(response, 401)["code"] in ("not_authenticated", "invalid_key", "revoked_key")
    assert counts() == before
