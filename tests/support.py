"""Helpers shared by the test tree (fixtures live in the conftest files; these are plain
functions and constants that tests import)."""

import itertools
import shutil
import uuid

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def store_connection(
    company,
    *,
    realm_id="9341453050",
    environment="sandbox",
    access=None,
    refresh=None,
    expires_in=3600,
    status="connected",
):
    """A QuickBooks connection with tokens stored through the token service (encrypted)."""
    from qbo import tokens
    from qbo.models import QuickBooksConnection
    from qbo.oauth import TokenSet

    conn = QuickBooksConnection.objects.create(
        company=company, realm_id=realm_id, environment=environment, status=status
    )
    tokens.store_tokens(
        conn,
        TokenSet(
            access_token=access or f"access-{company.pk}-initial",
            refresh_token=refresh or f"refresh-{company.pk}-initial",
            expires_in=expires_in,
            refresh_expires_in=8726400,
            hard_expires_in=None,
        ),
    )
    return conn


TEST_CLIENT_ID = "qbsync-test-client"
TEST_CLIENT_SECRET = "qbsync-test-client-secret"
TEST_REDIRECT_URI = "http://testserver/settings/quickbooks/callback/"
TEST_VERIFIER = "qbsync-test-verifier-token"


def point_settings_at(settings, server) -> None:
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_URL = server.url
    settings.QBO_LOCAL_SANDBOX_PUBLIC_URL = server.url
    settings.QBO_CLIENT_ID = TEST_CLIENT_ID
    settings.QBO_CLIENT_SECRET = TEST_CLIENT_SECRET
    settings.QBO_REDIRECT_URI = TEST_REDIRECT_URI
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = TEST_VERIFIER


def start_sandbox(**options):
    from qbo_sandbox.testing import SandboxServer

    options.setdefault("client_id", TEST_CLIENT_ID)
    options.setdefault("client_secret", TEST_CLIENT_SECRET)
    options.setdefault("redirect_uris", [TEST_REDIRECT_URI])
    options.setdefault("verifier_token", TEST_VERIFIER)
    return SandboxServer(**options).start()


def connect_through_consent(client, server, realm_id=None, approve=True):
    """What a user does: Connect, the sandbox's consent page, back to our callback — on the
    host Intuit returns to (QBO_REDIRECT_URI's), as a user's browser would be."""
    from urllib.parse import urlsplit

    import requests
    from django.conf import settings
    from qbo_sandbox.testing import authorize

    host = urlsplit(settings.QBO_REDIRECT_URI).netloc or "testserver"
    start = client.post("/settings/quickbooks/connect/", HTTP_HOST=host)
    assert start.status_code == 302, start.content
    location = authorize(requests.Session(), start["Location"], realm_id=realm_id, approve=approve)
    callback = urlsplit(location)
    assert callback.path == "/settings/quickbooks/callback/"
    return client.get(f"{callback.path}?{callback.query}", HTTP_HOST=host)


def order_post(*lines: dict, **fields) -> dict:
    data = {
        "form_token": str(uuid.uuid4()),  # a fresh new-order page each time
        "customer": "",
        "customer_search": "",
        "new_customer_name": "",
        "new_customer_email": "",
        "order_date": "2026-03-02",
        "due_date": "",
        "memo": "",
        "currency": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "200",
    }
    data.update(fields)
    for index, values in enumerate(lines):
        values = {"description": "", "quantity": "1", "unit_price": "", "taxable": "on", **values}
        for name, value in values.items():
            if value is not None:
                data[f"lines-{index}-{name}"] = value
    return data


_qbo_ids = itertools.count(1000)


def make_customer(company, name: str, **fields):
    from customers.models import Customer

    fields.setdefault("qbo_id", str(next(_qbo_ids)))
    return Customer.objects.create(company=company, display_name=name, **fields)
