"""Orders paid at checkout through the API: `form: sales_receipt` with the deposit account
(and payment method) from the company's QuickBooks; refused with a field error otherwise."""

import pytest
from django.core.cache import cache

from invoicing import drains
from invoicing.models import Order
from tests.api.conftest import order_body

pytestmark = pytest.mark.django_db


def named(server, realm: str, entity: str, name: str) -> str:
    return next(r["Id"] for r in server.state.companies[realm].rows(entity) if r["Name"] == name)


@pytest.fixture
def accounts(connected, qbo, sandbox_realm) -> dict:
    cache.clear()
    return {
        "checking": named(qbo, sandbox_realm, "Account", "Checking"),
        "income": named(qbo, sandbox_realm, "Account", "Services"),
        "cash": named(qbo, sandbox_realm, "PaymentMethod", "Cash"),
    }


def test_a_sales_receipt_order_is_created_pushed_and_read_as_paid(
    api, accounts, qbo, sandbox_realm, company
):
    body = order_body(
        form="sales_receipt", payment_method=accounts["cash"], deposit_account=accounts["checking"]
    )
    response = api.post("/api/v1/orders/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["form"] == "sales_receipt"
    order = Order.objects.get(company=company)
    assert (order.deposit_account_id, order.payment_method_name) == (accounts["checking"], "Cash")
    drains.drain(company.pk)

    read = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert (read["push_status"], read["payment_status"]) == ("synced", "paid")
    receipt = qbo.state.companies[sandbox_realm].get("SalesReceipt", read["invoice"]["id"])
    assert receipt["DepositToAccountRef"]["value"] == accounts["checking"]
    assert read["invoice"]["balance"] == "0.00" and read["money"]["open_balance"] == "0.00"
    edit = api.post(f"/api/v1/orders/{order.pk}/edit/", {"lines": body["lines"]})
    assert edit.status_code == 409 and "refund instead" in edit.json()["message"]
    assert edit.json()["code"] == "sales_receipt_paid"
    cancel = api.post(f"/api/v1/orders/{order.pk}/cancel/", {})
    assert cancel.status_code == 409 and "refund it first" in cancel.json()["message"]
    assert cancel.json()["code"] == "sales_receipt_paid"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"form": "sales_receipt"}, "deposit_account", "invalid"),
        ({"form": "sales_receipt", "deposit_account": "999999"}, "deposit_account", None),
        ({"form": "sales_receipt", "deposit_account": "income"}, "deposit_account", None),
        (
            {"form": "sales_receipt", "deposit_account": "checking", "payment_method": "999"},
            "payment_method",
            None,
        ),
        (
            {"form": "sales_receipt", "deposit_account": "checking", "due_date": "2026-04-01"},
            "due_date",
            "invalid",
        ),
    ],
    ids=["no-deposit-account", "unknown-account", "income-account", "unknown-method", "due-date"],
)
def test_bad_sales_receipt_input_is_a_400_naming_the_field(
    api, accounts, company, fields, field, code
):
    fields = {k: accounts.get(v, v) for k, v in fields.items()}
    response = api.post("/api/v1/orders/", order_body(**fields))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["field"] == field, body
    assert body["code"] == (code or "invalid_choice")
    assert not Order.objects.filter(company=company).exists()
