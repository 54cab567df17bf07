"""Intuit OAuth2 as intuit-oauth sees it: discovery, consent page, tokens, revoke, userinfo."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from qbo_sandbox.testing import authorize
from sandbox_support import connect, new_auth_client


def _callback(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlparse(location).query).items()}


def _authorize_url(sandbox, **overrides) -> str:
    params = {
        "client_id": sandbox.config.client_id,
        "response_type": "code",
        "scope": "com.intuit.quickbooks.accounting",
        "redirect_uri": sandbox.config.redirect_uris[0],
        "state": "s1",
        **overrides,
    }
    return f"{sandbox.url}/connect/oauth2?{urlencode(params)}"


@pytest.mark.parametrize(
    "path", ["/.well-known/openid_sandbox_configuration/", "/.well-known/openid_configuration/"]
)
def test_discovery_documents_point_every_endpoint_at_the_sandbox(sandbox, path):
    response = requests.get(f"{sandbox.url}{path}", timeout=10)
    doc = response.json()
    assert response.status_code == 200
    assert response.headers["intuit_tid"]
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "revocation_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "issuer",
    ):
        assert doc[key].startswith(sandbox.url), key
    assert doc["authorization_endpoint"].endswith("/connect/oauth2")


def test_auth_client_reads_the_discovery_document_unchanged(sandbox):
    client = new_auth_client(sandbox)
    assert client.auth_endpoint == f"{sandbox.url}/connect/oauth2"
    assert client.token_endpoint == f"{sandbox.url}/oauth2/v1/tokens/bearer"


def test_consent_page_is_a_form_with_company_picker_and_connect_and_cancel(sandbox):
    page = requests.get(_authorize_url(sandbox), timeout=10)
    assert page.status_code == 200
    html = page.text
    assert re.search(r'<label for="realm_id">Company</label>', html)
    assert '<select name="realm_id"' in html
    assert "Create a new sandbox company" in html
    assert re.search(r"<button[^>]*>Connect</button>", html)
    assert re.search(r"<button[^>]*>Cancel</button>", html)
    for realm_id in sandbox.state.companies:
        assert f'value="{realm_id}"' in html


def test_connect_redirects_with_code_state_and_realm(sandbox, realm):
    location = authorize(requests.Session(), _authorize_url(sandbox), realm_id=realm)
    assert location.startswith(sandbox.config.redirect_uris[0] + "?")
    callback = _callback(location)
    assert callback["state"] == "s1"
    assert callback["realmId"] == realm
    assert callback["code"].startswith("AB11")


def test_cancel_redirects_with_access_denied_and_state(sandbox):
    location = authorize(requests.Session(), _authorize_url(sandbox), approve=False)
    assert _callback(location) == {"error": "access_denied", "state": "s1"}


def test_consent_page_can_create_a_new_company(sandbox):
    before = set(sandbox.state.companies)
    location = authorize(
        requests.Session(), _authorize_url(sandbox), realm_id="new", new_company_name="Fresh Co"
    )
    realm_id = _callback(location)["realmId"]
    assert realm_id not in before
    assert sandbox.state.companies[realm_id].name == "Fresh Co"
    assert sandbox.state.companies[realm_id].tables["Customer"]  # seeded like Intuit's


def test_openid_only_grant_has_no_realm(sandbox):
    location = authorize(requests.Session(), _authorize_url(sandbox, scope="openid email"))
    assert "realmId" not in _callback(location)


@pytest.mark.parametrize(
    "override",
    [
        {"client_id": "someone-else"},
        {"redirect_uri": "http://evil.example/callback"},
        {"redirect_uri": "http://localhost:8000/settings/quickbooks/callback"},  # no slash
        {"response_type": "token"},
        {"scope": "com.intuit.quickbooks.everything"},
        {"scope": ""},
    ],
)
def test_bad_authorization_requests_get_an_error_page_not_a_redirect(sandbox, override):
    response = requests.get(_authorize_url(sandbox, **override), allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "text/html" in response.headers["Content-Type"]


def test_token_exchange_returns_intuits_fields(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    assert len(client.access_token) > 500  # Intuit's are ~900-character JWEs
    assert client.refresh_token.startswith("RT1-")
    assert client.expires_in == 3600
    assert 8_726_000 < client.x_refresh_token_expires_in <= 8_726_400
    assert not hasattr(client, "x_refresh_token_hard_expires_in")
    assert client.id_token is None


def _token_request(sandbox, data: dict, headers: dict | None = None, secret: str | None = None):
    config = sandbox.config
    return requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        data=data,
        timeout=10,
        auth=(config.client_id, secret or config.client_secret),
        headers=headers or {},
    )


def _code(sandbox, realm) -> str:
    return _callback(authorize(requests.Session(), _authorize_url(sandbox), realm_id=realm))["code"]


def test_authorization_code_is_single_use(sandbox, realm):
    code = _code(sandbox, realm)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sandbox.config.redirect_uris[0],
    }
    assert _token_request(sandbox, data).status_code == 200
    again = _token_request(sandbox, data)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert again.headers["intuit_tid"]


def test_authorization_code_expires_on_the_sandbox_clock(sandbox, realm):
    code = _code(sandbox, realm)
    sandbox.control.advance_clock(301)
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": sandbox.config.redirect_uris[0],
    }
    assert _token_request(sandbox, data).json()["error"] == "invalid_grant"


def test_code_exchange_needs_the_same_redirect_uri(sandbox, realm):
    data = {
        "grant_type": "authorization_code",
        "code": _code(sandbox, realm),
        "redirect_uri": sandbox.config.redirect_uris[1],
    }
    assert _token_request(sandbox, data).json()["error"] == "invalid_grant"


def test_bad_client_secret_is_invalid_client(sandbox, realm):
    data = {
        "grant_type": "authorization_code",
        "code": _code(sandbox, realm),
        "redirect_uri": sandbox.config.redirect_uris[0],
    }
    response = _token_request(sandbox, data, secret="wrong")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_client"}


def test_token_response_headers_forbid_caching(sandbox, realm):
    data = {
        "grant_type": "authorization_code",
        "code": _code(sandbox, realm),
        "redirect_uri": sandbox.config.redirect_uris[0],
    }
    response = _token_request(sandbox, data)
    assert response.headers["Cache-Control"] == "no-cache, no-store"
    assert response.headers["Pragma"] == "no-cache"


def test_hard_expiry_only_when_the_header_asks(sandbox, realm):
    data = {
        "grant_type": "authorization_code",
        "code": _code(sandbox, realm),
        "redirect_uri": sandbox.config.redirect_uris[0],
    }
    headers = {"x-include-refresh-token-hard-expires-in": "true"}
    body = _token_request(sandbox, data, headers).json()
    assert 155_000_000 < body["x_refresh_token_hard_expires_in"] <= 5 * 365 * 86400
    refreshed = _token_request(
        sandbox, {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    ).json()
    assert "x_refresh_token_hard_expires_in" not in refreshed


def test_intuit_oauth_raises_auth_client_error_with_intuit_tid_on_invalid_grant(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    with pytest.raises(AuthClientError) as caught:
        client.refresh(refresh_token="RT1-00-H0-0000000000nonsense000000000")
    assert caught.value.status_code == 400
    assert json.loads(caught.value.content)["error"] == "invalid_grant"
    assert caught.value.intuit_tid


def test_revoke_kills_both_tokens(sandbox, realm, monkeypatch):
    client = connect(sandbox, realm_id=realm)
    refresh_token, access_token = client.refresh_token, client.access_token
    assert client.revoke(token=refresh_token) is True
    with pytest.raises(AuthClientError):
        client.refresh(refresh_token=refresh_token)
    response = requests.get(
        f"{sandbox.api_base}/company/{realm}/customer/1",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["fault"]["error"][0]["detail"] == "Token revoked"


def test_revoking_with_the_access_token_disconnects_too(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    client.revoke(token=client.access_token)
    with pytest.raises(AuthClientError):
        client.refresh()


def test_openid_scope_gets_an_id_token_intuit_oauth_verifies(sandbox, realm):
    client = connect(sandbox, (Scopes.ACCOUNTING, Scopes.OPENID, Scopes.EMAIL), realm_id=realm)
    assert client.id_token is not None  # set only when validate_id_token passed (JWKS, iss, aud)
    info = client.get_user_info().json()
    assert info["email"] and info["emailVerified"] is True and info["sub"]


def test_userinfo_needs_the_openid_scope(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    with pytest.raises(AuthClientError) as caught:
        client.get_user_info()
    assert caught.value.status_code == 403
