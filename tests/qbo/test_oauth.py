"""The OAuth client: no network in the constructor, Intuit's request shapes, error mapping."""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from qbo import environments, oauth
from qbo.errors import QuickBooksError, ReconnectNeeded, Unavailable

pytestmark = pytest.mark.django_db
TOKEN_URL = environments.OAUTH_ENDPOINTS["sandbox"]["token_endpoint"]
REVOKE_URL = environments.OAUTH_ENDPOINTS["sandbox"]["revocation_endpoint"]
TOKEN_BODY = {
    "access_token": "eyJlbmMiOi-access",
    "refresh_token": "AB11-refresh",
    "token_type": "bearer",
    "expires_in": 3600,
    "x_refresh_token_expires_in": 8726400,
    "x_refresh_token_hard_expires_in": 156032154,
}


@responses.activate(assert_all_requests_are_fired=False)
def test_constructor_makes_no_network_call(intuit_sandbox_settings):
    client = oauth.IntuitAuthClient()
    assert len(responses.calls) == 0  # any request would have raised ConnectionError
    assert client.token_endpoint == TOKEN_URL


def test_state_is_long_and_random():
    states = {oauth.new_state() for _ in range(50)}
    assert len(states) == 50
    assert all(len(s) >= 43 for s in states)


def test_authorization_url_carries_intuit_parameters(intuit_sandbox_settings):
    url = oauth.authorization_url("my-state-value")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://appcenter.intuit.com/connect/oauth2"
    )
    assert query == {
        "client_id": ["test-client-id"],
        "response_type": ["code"],
        "scope": ["com.intuit.quickbooks.accounting"],
        "redirect_uri": ["http://testserver/settings/quickbooks/callback/"],
        "state": ["my-state-value"],
    }


@responses.activate
def test_exchange_code_sends_intuits_request(intuit_sandbox_settings):
    responses.post(TOKEN_URL, json=TOKEN_BODY, headers={"intuit_tid": "tid-1"})
    tokens = oauth.exchange_code("the-code", "9341", company_id=None)
    sent = responses.calls[0].request
    assert (
        sent.headers["Authorization"]
        == "Basic " + base64.b64encode(b"test-client-id:test-client-secret-value").decode()
    )
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers[oauth.HARD_EXPIRY_HEADER] == "true"
    assert parse_qs(sent.body) == {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "redirect_uri": ["http://testserver/settings/quickbooks/callback/"],
    }
    assert tokens.access_token == "eyJlbmMiOi-access"
    assert tokens.hard_expires_in == 156032154
    assert tokens.intuit_tid == "tid-1"
    assert "access" not in repr(tokens)


@responses.activate
def test_refresh_maps_invalid_grant_to_reconnect_needed(intuit_sandbox_settings):
    responses.post(
        TOKEN_URL,
        status=400,
        json={"error": "invalid_grant", "error_description": "Token invalid"},
        headers={"intuit_tid": "tid-bad"},
    )
    with pytest.raises(ReconnectNeeded) as caught:
        oauth.refresh("AB11-old-refresh", company_id=None)
    assert caught.value.intuit_tid == "tid-bad"
    # The library's error holds the request, whose body holds the refresh token: dropped.
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert parse_qs(responses.calls[0].request.body)["grant_type"] == ["refresh_token"]


@responses.activate
def test_bad_client_credentials_are_a_configuration_error(intuit_sandbox_settings):
    responses.post(TOKEN_URL, status=401, json={"error": "invalid_client"})
    with pytest.raises(QuickBooksError) as caught:
        oauth.refresh("AB11-refresh", company_id=None)
    assert not isinstance(caught.value, ReconnectNeeded | Unavailable)
    assert "QBO_CLIENT_SECRET" in caught.value.message


@responses.activate
def test_timeouts_are_unavailable_and_maybe_committed(intuit_sandbox_settings):
    responses.post(TOKEN_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(Unavailable) as caught:
        oauth.refresh("AB11-refresh", company_id=None)
    assert caught.value.maybe_committed is True


@responses.activate
def test_revoke_posts_json_with_basic_auth(intuit_sandbox_settings):
    responses.post(REVOKE_URL, body="")
    oauth.revoke("AB11-refresh", company_id=None)
    sent = responses.calls[0].request
    assert json.loads(sent.body) == {"token": "AB11-refresh"}
    assert sent.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_every_token_call_is_in_the_call_log_without_secrets(intuit_sandbox_settings):
    from qbo.models import QBOCall

    responses.post(
        TOKEN_URL, status=400, json={"error": "invalid_grant"}, headers={"intuit_tid": "tid-x"}
    )
    with pytest.raises(ReconnectNeeded):
        oauth.refresh("AB11-secret-refresh", company_id=None)
    call = QBOCall.objects.get()
    assert (call.operation, call.status_code, call.intuit_tid) == ("oauth.refresh", 400, "tid-x")
    assert call.error == "invalid_grant"


@responses.activate
def test_refresh_goes_to_the_environment_the_grant_was_made_in(intuit_sandbox_settings, settings):
    """A grant from Intuit is refreshed at Intuit even if the app now points at the local
    sandbox (responses refuses any other URL)."""
    settings.QBO_ENVIRONMENT = "local"
    responses.post(TOKEN_URL, json=TOKEN_BODY, headers={"intuit_tid": "tid-env"})
    tokens = oauth.refresh("AB11-refresh", company_id=None, environment="sandbox")
    assert tokens.access_token == "eyJlbmMiOi-access"
    assert responses.calls[0].request.url == TOKEN_URL
