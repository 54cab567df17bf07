"""Token lifetimes on the sandbox clock, both rotation modes, and the API gateway's checks."""

from __future__ import annotations

import json

import pytest
import requests
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from qbo_sandbox.samples import SAMPLES
from sandbox_support import connect

DAY = 86_400


def _invalid_grant(client, refresh_token: str) -> bool:
    try:
        client.refresh(refresh_token=refresh_token)
    except AuthClientError as error:
        return error.status_code == 400 and json.loads(error.content)["error"] == "invalid_grant"
    return False


def _api_get(sandbox, realm: str, token: str) -> requests.Response:
    return requests.get(
        f"{sandbox.api_base}/company/{realm}/customer/1",
        params={"minorversion": 75},
        timeout=10,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )


def test_intuit_mode_keeps_the_refresh_token_within_24_hours(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    first_refresh, first_access = client.refresh_token, client.access_token
    sandbox.control.advance_clock(3 * 3600)
    client.refresh()
    assert client.refresh_token == first_refresh
    assert client.access_token != first_access


def test_intuit_mode_rotates_after_24_hours_and_honours_the_old_token_for_24_more(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    old = client.refresh_token
    sandbox.control.advance_clock(DAY + 60)
    client.refresh()
    new = client.refresh_token
    assert new != old
    sandbox.control.advance_clock(DAY - 120)
    client.refresh(refresh_token=old)  # still inside the grace period
    assert client.refresh_token == new  # and it answers with the newest token
    sandbox.control.advance_clock(180)
    assert _invalid_grant(client, old)
    client.refresh(refresh_token=new)


def test_strict_mode_rotates_on_every_refresh_and_kills_the_old_token(sandbox, realm):
    sandbox.control.set_token_mode("strict")
    client = connect(sandbox, realm_id=realm)
    old = client.refresh_token
    client.refresh()
    assert client.refresh_token != old
    assert _invalid_grant(client, old)


def test_strict_mode_reuse_of_an_old_token_revokes_the_whole_grant(sandbox, realm):
    sandbox.control.set_token_mode("strict")
    client = connect(sandbox, realm_id=realm)
    old = client.refresh_token
    client.refresh()
    newest, access = client.refresh_token, client.access_token
    assert _invalid_grant(client, old)
    assert _invalid_grant(client, newest)
    assert _api_get(sandbox, realm, access).status_code == 401


def test_strict_mode_reused_code_revokes_what_it_issued(sandbox, realm):
    sandbox.control.set_token_mode("strict")
    client = connect(sandbox, realm_id=realm)
    # intuit-oauth keeps the code nowhere, so replay the exchange by hand.
    grant = next(iter(sandbox.state.oauth.grants.values()))
    code = next(c.code for c in sandbox.state.oauth.codes.values() if c.grant_id == grant.id)
    response = requests.post(
        f"{sandbox.url}/oauth2/v1/tokens/bearer",
        timeout=10,
        auth=(sandbox.config.client_id, sandbox.config.client_secret),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": sandbox.config.redirect_uris[0],
        },
    )
    assert response.json()["error"] == "invalid_grant"
    assert _invalid_grant(client, client.refresh_token)


def test_refresh_extends_the_rolling_refresh_expiry(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    sandbox.control.advance_clock(50 * DAY)
    client.refresh()
    assert client.x_refresh_token_expires_in > 8_726_400 - 120


def test_unused_refresh_token_expires_after_101_days(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    sandbox.control.advance_clock(8_726_400 + 1)
    assert _invalid_grant(client, client.refresh_token)


def test_access_token_expires_after_an_hour_with_the_gateway_401_body(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    assert _api_get(sandbox, realm, client.access_token).status_code == 200
    sandbox.control.advance_clock(3601)
    response = _api_get(sandbox, realm, client.access_token)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'
    error = response.json()["fault"]["error"][0]
    assert error["code"] == "3200"
    assert error["detail"].startswith("Token expired: ")
    assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"


def test_refreshed_access_token_works_again(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    sandbox.control.advance_clock(3601)
    client.refresh()
    assert _api_get(sandbox, realm, client.access_token).status_code == 200


def test_control_api_expires_and_revokes_a_realms_tokens(sandbox, realm):
    client = connect(sandbox, realm_id=realm)
    assert sandbox.control.expire_access_tokens(realm) == 1
    assert _api_get(sandbox, realm, client.access_token).status_code == 401
    client.refresh()
    assert _api_get(sandbox, realm, client.access_token).status_code == 200
    sandbox.control.expire_refresh_tokens(realm)
    assert _invalid_grant(client, client.refresh_token)
    other = connect(sandbox, realm_id=realm)
    sandbox.control.revoke_tokens(realm)
    assert _api_get(sandbox, realm, other.access_token).json()["fault"]["error"][0]["detail"] == (
        "Token revoked"
    )


@pytest.mark.parametrize("token", ["", "short", "x" * 5000])
def test_malformed_bearer_tokens_get_401(sandbox, realm, token):
    response = _api_get(sandbox, realm, token)
    assert response.status_code == 401
    assert response.json()["fault"]["error"][0]["detail"] == (
        "Malformed bearer token: too short or too long"
    )


def test_token_for_another_realm_gets_403_with_the_3100_body(sandbox, realm):
    other_realm = sandbox.control.create_company("Other Co")
    client = connect(sandbox, realm_id=realm)
    response = _api_get(sandbox, other_realm, client.access_token)
    assert response.status_code == 403
    sample = json.loads((SAMPLES / "fault_403_authorization.json").read_text())
    body = response.json()
    assert body.keys() == sample.keys()
    assert body["fault"]["error"][0]["code"] == "3100"
    assert body["fault"]["type"] == "SERVICE"


def test_token_without_the_accounting_scope_gets_403(sandbox, realm):
    client = connect(sandbox, (Scopes.PAYMENT,), realm_id=realm)
    response = _api_get(sandbox, realm, client.access_token)
    assert response.status_code == 403
    assert "sufficient scope" in response.json()["fault"]["error"][0]["detail"]
