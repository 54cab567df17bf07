"""Orders through the API: created with the form's rules, read back with their push state."""

import pytest

from api.models import ApiAuditEntry, ApiOrder
from invoicing.models import Order
from tests.api.conftest import order_body
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def test_creates_an_order_for_a_new_customer(
    api, company, published_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post("/api/v1/orders/", order_body(external_id="web-1001", memo="Thanks"))
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get(company=company)
    assert body["id"] == order.pk and body["number"] == order.number == "1001"
    assert body["external_id"] == "web-1001"
    assert body["customer"] == {
        "id": None,
        "name": "Walk-in Buyer",
        "email": "buyer@example.test",
        "full_name": "Walk-in Buyer",
        "parent": None,
    }
    assert body["push_status"] == "pending" and body["invoice"] is None
    assert body["total"] == "80.00" and body["lines"][0]["amount"] == "80.00"
    assert order.memo == "Thanks" and order.created_by is None
    assert ApiOrder.objects.get(order=order).external_id == "web-1001"
    # The push is rung after commit, as for the form.
    assert ("invoicing.tasks.push_company", (company.pk, 0)) in published_tasks


def test_uses_an_existing_customer_by_id_or_by_name(api, company, customer, product):
    by_id = api.post(
        "/api/v1/orders/",
        order_body(customer={"id": customer.pk}, lines=[{"product": product.pk}]),
    )
    assert by_id.status_code == 201, by_id.json()
    assert by_id.json()["customer"]["id"] == customer.pk
    # The product's price is used when the line gives none, as on the page.
    assert by_id.json()["lines"][0]["unit_price"] == "12.50"
    by_name = api.post("/api/v1/orders/", order_body(customer={"name": "globex corporation"}))
    assert by_name.json()["customer"]["id"] == customer.pk
    assert Order.objects.filter(company=company, customer=customer).count() == 2


def test_reads_the_invoice_number_balance_and_payment_state(api, company):
    order = make_order(
        company,
        push_status="synced",
        qbo_invoice_id="130",
        qbo_doc_number="1037",
        qbo_total="10.00",
        qbo_balance="4.00",
        payment_status="partially_paid",
    )
    body = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert body["invoice"] == {"id": "130", "number": "1037", "total": "10.00", "balance": "4.00"}
    assert body["payment_status"] == "partially_paid" and body["push_status"] == "synced"


def test_a_refused_invoice_shows_quickbooks_words_and_intuit_tid(api, company):
    order = make_order(
        company,
        push_status="failed",
        last_error="Invalid Reference Id : Something you're trying to use has been made inactive.",
        last_error_code="2500",
        last_error_tid="1-6630a3c5-4c4d8b3e",
    )
    body = api.get(f"/api/v1/orders/{order.pk}/").json()
    assert body["error"]["code"] == "2500"
    assert body["error"]["intuit_tid"] == "1-6630a3c5-4c4d8b3e"
    assert body["error"]["message"].startswith("Invalid Reference Id")


def test_lists_with_filters_and_cursor_pages(api, company):
    for n in range(5):
        make_order(company, number=str(1001 + n), push_status="synced" if n % 2 else "failed")
    first = api.get("/api/v1/orders/", {"limit": 2}).json()
    assert [o["number"] for o in first["results"]] == ["1005", "1004"]
    second = api.client.get(first["next"], **api.headers()).json()
    assert [o["number"] for o in second["results"]] == ["1003", "1002"]
    failed = api.get("/api/v1/orders/", {"push_status": "failed"}).json()
    assert [o["number"] for o in failed["results"]] == ["1005", "1003", "1001"]
    assert api.get("/api/v1/orders/", {"q": "1004"}).json()["results"][0]["number"] == "1004"


def test_filters_by_external_id(api, company):
    api.post("/api/v1/orders/", order_body(external_id="shop-7"))
    api.post("/api/v1/orders/", order_body(external_id="shop-8"))
    found = api.get("/api/v1/orders/", {"external_id": "shop-8"}).json()["results"]
    assert [o["external_id"] for o in found] == ["shop-8"]


def test_a_second_order_with_the_same_external_id_is_refused(api, company):
    first = api.post("/api/v1/orders/", order_body(external_id="web-1"))
    again = api.post("/api/v1/orders/", order_body(external_id="web-1"))
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_external_id"
    assert again.json()["field"] == "external_id"
    assert again.json()["order_id"] == first.json()["id"]
    assert Order.objects.filter(company=company).count() == 1


def test_retry_requeues_a_failed_order_and_is_audited(api, company, owner_client):
    order = make_order(company, push_status="failed", last_error="Refused")
    response = api.post(f"/api/v1/orders/{order.pk}/retry/")
    assert response.status_code == 200, response.json()
    assert response.json()["push_status"] == "pending"
    assert api.post(f"/api/v1/orders/{order.pk}/retry/").status_code == 409
    entry = ApiAuditEntry.objects.get(order=order)
    assert (entry.action, entry.key_name) == ("retried", "Checkout")
    page = owner_client.get(f"/orders/{order.pk}/")
    assert "retried by API key “Checkout”" in page.text


def test_the_order_page_shows_who_created_it_through_the_api(api, company, owner_client):
    created = api.post("/api/v1/orders/", order_body(), idempotency_key="checkout-42")
    page = owner_client.get(f"/orders/{created.json()['id']}/")
    assert "created by API key “Checkout”" in page.text
    assert "Idempotency-Key checkout-42" in page.text


def test_customers_and_products_are_searchable(api, company, customer, product):
    make_order(company)  # unrelated rows don't show
    found = api.get("/api/v1/customers/", {"q": "globex"}).json()["results"]
    assert [c["display_name"] for c in found] == ["Globex Corporation"]
    assert api.get("/api/v1/customers/", {"q": "nobody"}).json()["results"] == []
    assert api.get(f"/api/v1/customers/{customer.pk}/").json()["email"] == "ap@globex.test"
    products = api.get("/api/v1/products/", {"q": "W-1"}).json()["results"]
    assert [(p["name"], p["unit_price"]) for p in products] == [("Widget", "12.50")]
