"""The settings page and the OAuth views: who may connect, and every state attack.

Intuit is faked at the wire here (responses); tests/accounts/test_connect_sandbox.py runs the
same flow against the local sandbox over real HTTP.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.utils import timezone

from accounts.models import Company, Membership
from qbo import environments, oauth
from qbo.models import OAuthState, QuickBooksConnection

pytestmark = pytest.mark.django_db
TOKEN_URL = environments.OAUTH_ENDPOINTS["sandbox"]["token_endpoint"]
REALM = "9341453050"
COMPANY_INFO_URL = (
    f"https://sandbox-quickbooks.api.intuit.com/v3/company/{REALM}/companyinfo/{REALM}"
)
CALLBACK = "/settings/quickbooks/callback/"


def _fake_intuit():
    responses.post(
        TOKEN_URL,
        json={
            "access_token": "access-from-code",
            "refresh_token": "refresh-from-code",
            "token_type": "bearer",
            "expires_in": 3600,
            "x_refresh_token_expires_in": 8726400,
        },
    )
    responses.get(
        COMPANY_INFO_URL,
        json={"CompanyInfo": {"Id": "1", "CompanyName": "Sandbox Company_US_1", "Country": "US"}},
    )


def _token_calls() -> int:
    return sum(1 for c in responses.calls if c.request.url == TOKEN_URL)


@pytest.fixture
def owner_client(client, user, company, intuit_sandbox_settings):
    client.force_login(user)
    return client


def _start(client) -> str:
    response = client.post("/settings/quickbooks/connect/")
    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    return parse_qs(urlsplit(response["Location"]).query)["state"][0]


def test_settings_page_offers_connect_to_owners(owner_client):
    page = owner_client.get("/settings/quickbooks/")
    assert b"Connect to QuickBooks" in page.content
    assert "no-store" in page["Cache-Control"]


def test_members_cannot_connect_or_disconnect(client, company, django_user_model):
    member = django_user_model.objects.create_user(email="m@example.com", password="x")
    Membership.objects.create(user=member, company=company, role=Membership.Role.MEMBER)
    client.force_login(member)
    page = client.get("/settings/quickbooks/")
    assert b"Connect to QuickBooks" not in page.content
    assert client.post("/settings/quickbooks/connect/").status_code == 403
    assert client.post("/settings/quickbooks/disconnect/").status_code == 403
    assert OAuthState.objects.count() == 0


@responses.activate
def test_callback_connects_and_redirects_without_html(owner_client, company):
    _fake_intuit()
    state = _start(owner_client)
    response = owner_client.get(CALLBACK, {"code": "c1", "state": state, "realmId": REALM})
    assert response.status_code == 302
    assert response["Location"] == "/settings/quickbooks/"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    conn = QuickBooksConnection.objects.get(company=company)
    assert (conn.status, conn.realm_id, conn.qbo_company_name, conn.country) == (
        "connected",
        REALM,
        "Sandbox Company_US_1",
        "US",
    )
    page = owner_client.get("/settings/quickbooks/")
    assert b"Sandbox Company_US_1" in page.content
    assert b"Connect to QuickBooks" not in page.content
    assert _token_calls() == 1


@responses.activate
@pytest.mark.parametrize(
    "attack, expected",
    [
        ("missing", 400),
        ("forged", 400),
        ("expired", 400),
        ("replayed", 400),
        ("other_user", 403),
        ("other_session", 403),
    ],
)
def test_state_attacks_fail_without_a_token_call(
    attack, expected, owner_client, client_factory, company, django_user_model
):
    _fake_intuit()
    state = _start(owner_client)
    params = {"code": "c1", "state": state, "realmId": REALM}
    caller = owner_client
    if attack == "missing":
        params.pop("state")
    elif attack == "forged":
        params["state"] = oauth.new_state()
    elif attack == "expired":
        OAuthState.objects.update(created_at=timezone.now() - timedelta(minutes=11))
    elif attack == "replayed":
        assert owner_client.get(CALLBACK, params).status_code == 302
        responses.calls.reset()
    elif attack == "other_user":
        mallory = django_user_model.objects.create_user(email="mallory@example.com", password="x")
        Membership.objects.create(user=mallory, company=company, role="owner")
        caller = client_factory()
        caller.force_login(mallory)
    elif attack == "other_session":
        caller = client_factory()
        caller.force_login(OAuthState.objects.get().user)
    response = caller.get(CALLBACK, params)
    assert response.status_code == expected
    assert _token_calls() == 0
    if attack != "replayed":
        assert not QuickBooksConnection.objects.exists()


@responses.activate
def test_cancel_on_intuits_page_is_a_friendly_message(owner_client):
    _fake_intuit()
    state = _start(owner_client)
    response = owner_client.get(CALLBACK, {"error": "access_denied", "state": state}, follow=True)
    assert b"you cancelled" in response.content
    assert _token_calls() == 0
    assert not QuickBooksConnection.objects.exists()


@responses.activate
def test_realm_held_by_another_company_is_refused(owner_client, company):
    _fake_intuit()
    other = Company.objects.create(name="Other Co")
    QuickBooksConnection.objects.create(company=other, realm_id=REALM, environment="sandbox")
    state = _start(owner_client)
    response = owner_client.get(
        CALLBACK, {"code": "c1", "state": state, "realmId": REALM}, follow=True
    )
    assert b"already connected to another company" in response.content
    assert _token_calls() == 0
    assert not QuickBooksConnection.objects.filter(company=company).exists()


@responses.activate
def test_member_of_company_a_cannot_connect_company_b(
    client, company, django_user_model, intuit_sandbox_settings
):
    """A state is minted for the user's own current company only."""
    _fake_intuit()
    b_owner = django_user_model.objects.create_user(email="b@example.com", password="x")
    company_b = Company.objects.create(name="B Ltd")
    Membership.objects.create(user=b_owner, company=company_b, role="owner")
    alice_member_of_a = Membership.objects.get(company=company).user
    client.force_login(alice_member_of_a)
    state = _start(client)
    assert OAuthState.objects.get().company == company
    client.get(CALLBACK, {"code": "c1", "state": state, "realmId": REALM})
    assert not QuickBooksConnection.objects.filter(company=company_b).exists()


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def test_connect_started_on_another_host_starts_again_on_the_callbacks_host(owner_client):
    # Signed in at 127.0.0.1, while Intuit returns to QBO_REDIRECT_URI's host (testserver):
    # the callback there would find no session, so Connect starts over on that host.
    response = owner_client.post("/settings/quickbooks/connect/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/settings/quickbooks/?connect_here=1"
    assert not OAuthState.objects.exists()
    page = owner_client.get("/settings/quickbooks/", HTTP_HOST="127.0.0.1")
    assert b"Connect from there" in page.content
    assert b'href="http://testserver/settings/quickbooks/"' in page.content
    here = owner_client.get("/settings/quickbooks/?connect_here=1")
    assert b"connect from here" in here.content and b"Connect from there" not in here.content
    assert _start(owner_client)  # on the right host, Connect goes to Intuit as before
