"""The example project, end to end against the qbo-sandbox over real HTTP: an owner connects
their shop's QuickBooks through the consent page, the first sync mirrors its customers, and a
customer created in QuickBooks arrives through a signed webhook."""

import time
from urllib.parse import urlsplit

import pytest
import requests
from qbo_sandbox.testing import SandboxServer, authorize
from shop.models import Contact, Shop

from qbo.client import open_client
from qbo.models import QuickBooksConnection, WebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)

CLIENT_ID, CLIENT_SECRET, VERIFIER = "example-client", "example-secret", "example-verifier"


@pytest.fixture
def sandbox(live_server, settings):
    callback = f"{live_server.url}/settings/quickbooks/callback/"
    with SandboxServer(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=[callback],
        verifier_token=VERIFIER,
        webhook_url=f"{live_server.url}/quickbooks/webhooks/",
        webhook_window=0.2,
        webhook_retry_scale=0.01,
    ) as server:
        settings.QBO_LOCAL_SANDBOX_URL = server.url
        settings.QBO_CLIENT_ID, settings.QBO_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
        settings.QBO_REDIRECT_URI = callback
        settings.QBO_WEBHOOK_VERIFIER_TOKEN = VERIFIER
        yield server


def _wait_for(condition, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while not (found := condition()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return found


def test_connect_sync_and_webhook(client, sandbox, django_user_model, settings):
    owner = django_user_model.objects.create_user(username="owner", password="pw-owner-1")
    shop = Shop.objects.create(name="Corner Shop", owner=owner)
    realm = next(iter(sandbox.state.companies))
    client.force_login(owner)

    # On the host Intuit returns to (QBO_REDIRECT_URI's), as the owner's browser would be.
    host = urlsplit(settings.QBO_REDIRECT_URI).netloc
    start = client.post("/settings/quickbooks/connect/", HTTP_HOST=host)
    assert start.status_code == 302
    callback = urlsplit(authorize(requests.Session(), start["Location"], realm_id=realm))
    assert client.get(f"{callback.path}?{callback.query}", HTTP_HOST=host).status_code == 302

    connection = QuickBooksConnection.objects.get(company=shop)
    assert connection.is_connected and connection.realm_id == realm
    in_quickbooks = sandbox.control.request_log(realm=realm)  # the first sync has run
    assert any("query" in entry["path"] for entry in in_quickbooks)
    names = set(Contact.objects.filter(shop=shop).values_list("name", flat=True))
    assert "Amy's Bird Sanctuary" in names and len(names) > 20
    page = client.get("/settings/quickbooks/", HTTP_HOST=host)
    assert page.status_code == 200 and b"Connected" in page.content

    with open_client(shop) as qb:
        qb.create("Customer", {"DisplayName": "Webhook Person"}, request_id="example-webhook-1")
    _wait_for(lambda: Contact.objects.filter(shop=shop, name="Webhook Person").exists())
    event = WebhookEvent.objects.get(company=shop, entity="Customer", operation="Create")
    assert event.status == WebhookEvent.Status.PROCESSED
