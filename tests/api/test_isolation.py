"""Tenancy: a key sees and touches only its own company's orders, customers and products;
the settings pages show only the current company's keys and endpoints."""

import pytest
from django.utils.timezone import now

from api.keys import create_key
from api.models import ApiAuditEntry, ApiKey
from events.models import EventDelivery, OutgoingEvent, WebhookEndpoint
from invoicing.models import Order, OrderWrite
from tests.api.conftest import ApiClient, order_body
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db


def test_a_key_reads_only_its_company(api, company, other_company, bravo_rows):
    ours = make_order(company, number="1001")
    theirs = make_order(other_company, number="2001")
    customer, product = bravo_rows
    listed = api.get("/api/v1/orders/").json()["results"]
    assert [o["id"] for o in listed] == [ours.pk]
    assert api.get(f"/api/v1/orders/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert api.get(f"/api/v1/products/{product.pk}/").status_code == 404
    assert api.get("/api/v1/customers/").json()["results"] == []
    assert api.get("/api/v1/products/", {"q": "Bravo"}).json()["results"] == []
    assert api.get("/api/v1/orders/", {"customer": customer.pk}).json()["results"] == []


def test_orders_are_made_in_the_keys_company(client, bravo_key, company, other_company):
    bravo = ApiClient(client, bravo_key)
    assert bravo.post("/api/v1/orders/", order_body()).status_code == 201
    assert Order.objects.filter(company=other_company).count() == 1
    assert not Order.objects.filter(company=company).exists()


def test_external_ids_are_unique_per_company_only(api, client, bravo_key):
    assert api.post("/api/v1/orders/", order_body(external_id="A-1")).status_code == 201
    bravo = ApiClient(client, bravo_key)
    assert bravo.post("/api/v1/orders/", order_body(external_id="A-1")).status_code == 201


def test_settings_pages_show_and_touch_only_the_current_company(
    owner_client, company, other_company
):
    theirs, _ = create_key(company=other_company, name="Bravo secret key", created_by=None)
    endpoint = WebhookEndpoint.objects.create(
        company=other_company, url="https://bravo.test/hook", secret_encrypted="x"
    )
    assert "Bravo secret key" not in owner_client.get("/settings/api/").text
    assert owner_client.post(f"/settings/api/keys/{theirs.pk}/revoke/").status_code == 404
    assert ApiKey.objects.get(pk=theirs.pk).active
    assert "bravo.test" not in owner_client.get("/settings/webhooks/").text
    for path in ("", "test/", "toggle/", "delete/"):
        method = owner_client.get if not path else owner_client.post
        assert method(f"/settings/webhooks/{endpoint.pk}/{path}").status_code == 404
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).active
    event = OutgoingEvent.objects.create(
        company=other_company, event_id="evt_bravo", type="order.synced", data={}, created_at=now()
    )
    theirs_delivery = EventDelivery.objects.create(event=event, endpoint=endpoint, attempts=3)
    resend = f"/settings/webhooks/deliveries/{theirs_delivery.pk}/resend/"
    assert owner_client.post(resend).status_code == 404
    assert EventDelivery.objects.get(pk=theirs_delivery.pk).attempts == 3


LIFECYCLE = {
    "retry": {},
    "edit": {"lines": [{"description": "Work", "quantity": "1", "unit_price": "10.00"}]},
    "cancel": {"delete": False},
    "send": {"email": "a@acme.test"},
    "payments": {"amount": "1.00"},
    "credits": {"amount": "1.00"},
    "refunds": {"amount": "1.00", "account": "35"},
}


@pytest.mark.parametrize("action", LIFECYCLE)
def test_a_key_cannot_act_on_another_companys_order(api, other_company, action):
    theirs = make_order(
        other_company, number="2001", push_status="synced", qbo_invoice_id="130", total="10.00"
    )
    response = api.post(f"/api/v1/orders/{theirs.pk}/{action}/", LIFECYCLE[action])
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert not OrderWrite.objects.filter(order=theirs).exists()
    assert not ApiAuditEntry.objects.filter(order=theirs).exists()
    theirs.refresh_from_db()
    assert (theirs.cancelled_at, theirs.push_status, theirs.total) == (None, "synced", 10)
