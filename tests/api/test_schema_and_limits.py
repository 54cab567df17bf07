"""The OpenAPI schema validates and the docs page serves; a key over its rate gets a 429."""

import pytest
import yaml
from django.core.management import call_command

from tests.api.conftest import ApiClient, order_body

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_validates(tmp_path):
    target = tmp_path / "schema.yaml"
    # --validate checks it against the OpenAPI 3 JSON schema; warnings fail it too.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert {"/api/v1/orders/", "/api/v1/orders/{id}/retry/", "/api/v1/customers/"} <= set(
        schema["paths"]
    )
    for action in ("edit", "cancel", "send", "payments", "credits", "refunds"):
        post = schema["paths"][f"/api/v1/orders/{{id}}/{action}/"]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["required"] for p in post["parameters"])
        assert {"200", "400", "404", "409"} <= set(post["responses"])
    create = schema["paths"]["/api/v1/orders/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in create["parameters"])
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"

    # The edit takes what the order page's edit does; lines a tax code and class each.
    parts = schema["components"]["schemas"]
    edit = schema["paths"]["/api/v1/orders/{id}/edit/"]["post"]["requestBody"]
    assert edit["content"]["application/json"]["schema"]["$ref"].endswith("/EditInputRequest")
    assert set(parts["EditInputRequest"]["properties"]) == {
        "lines",
        "order_date",
        "due_date",
        "memo",
        "bill_email",
        "ship_to",
        "discount_percent",
        "discount_amount",
        "shipping",
        "tax",
    }
    assert not parts["EditInputRequest"].get("required")  # anything left out stays
    assert {"qbo_class_id", "qbo_tax_code_id"} <= set(parts["EditLineInputRequest"]["properties"])
    assert {"qbo_class_id", "qbo_tax_code_id"} <= set(parts["OrderLineInputRequest"]["properties"])
    assert {"amount", "lines"} <= set(parts["CreditInputRequest"]["properties"])
    assert parts["CreditLineInputRequest"]["required"] == ["line"]
    assert {"id", "qbo_tax_code_id", "qbo_tax_code_name"} <= set(
        parts["OrderLineOutput"]["properties"]
    )
    assert {"ship_to", "discount_percent", "discount", "shipping", "tax"} <= set(
        parts["OrderOutput"]["properties"]
    )


def test_the_docs_page_and_schema_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content
    # Scripts and styles from our own static files only, nothing inline (the CSP).
    assert b"<style" not in docs.content and b"<script>" not in docs.content
    assert client.get("/api/v1/docs/?script=").status_code == 200


def test_a_key_over_its_rate_gets_a_429_with_retry_after(api, settings):
    settings.API_RATE_PER_MINUTE = 3
    assert [api.get("/api/v1/orders/").status_code for _ in range(3)] == [200] * 3
    refused = api.get("/api/v1/orders/")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 61
    # Refused posts make nothing.
    assert api.post("/api/v1/orders/", order_body()).status_code == 429


def test_each_key_has_its_own_allowance(api, client, bravo_key, settings):
    settings.API_RATE_PER_MINUTE = 2
    for _ in range(2):
        api.get("/api/v1/orders/")
    assert api.get("/api/v1/orders/").status_code == 429
    assert ApiClient(client, bravo_key).get("/api/v1/orders/").status_code == 200
