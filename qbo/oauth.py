"""Intuit OAuth 2.0: authorize URL, code exchange, refresh, revoke — with timeouts.

intuit-oauth's AuthClient fetches the discovery document over the network in its
constructor, with no timeout, and makes `state` with `random`. IntuitAuthClient takes its
endpoints from Intuit's published values (sandbox, production) or the local sandbox's
discovery document, cached; sets timeouts on every call; and asks for the refresh token's
hard expiry (the header intuit-oauth 1.2.7 would send; 0.9.12 of python-quickbooks pins 1.2.6).
"""

import json
import logging
import secrets
import time
from dataclasses import dataclass, field

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from qbo.calllog import record_call
from qbo.conf import qbo_settings
from qbo.environments import oauth_endpoints
from qbo.errors import QuickBooksError, ReconnectNeeded, Unavailable

logger = logging.getLogger(__name__)

SCOPES = [Scopes.ACCOUNTING]
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"


@dataclass(frozen=True)
class TokenSet:
    """A token response. repr() never shows the tokens."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    refresh_expires_in: int | None
    hard_expires_in: int | None
    intuit_tid: str = ""


def token_timeout() -> tuple[float, float]:
    """Connect and read timeouts for Intuit's OAuth endpoints (read capped at 15 s)."""
    return (qbo_settings.CONNECT_TIMEOUT, min(qbo_settings.READ_TIMEOUT, 15.0))


class IntuitAuthClient(AuthClient):
    """AuthClient without the constructor's network call, with timeouts on every request."""

    def __init__(self, environment: str | None = None):
        requests.Session.__init__(self)
        self.environment = environment or qbo_settings.ENVIRONMENT
        self.client_id = qbo_settings.CLIENT_ID
        self.client_secret = qbo_settings.CLIENT_SECRET
        self.redirect_uri = qbo_settings.REDIRECT_URI
        urls = oauth_endpoints(self.environment)
        self.auth_endpoint = urls["authorization_endpoint"]
        self.token_endpoint = urls["token_endpoint"]
        self.revoke_endpoint = urls["revocation_endpoint"]
        self.issuer_uri = urls["issuer"]
        self.jwks_uri = urls["jwks_uri"]
        self.user_info_url = urls["userinfo_endpoint"]
        self.state_token = None
        self.realm_id = None
        self.access_token = None
        self.refresh_token = None
        self.id_token = None
        self.expires_in = None
        self.x_refresh_token_expires_in = None
        self.x_refresh_token_hard_expires_in = None
        self._include_refresh_token_hard_expires_in = False  # read by intuit-oauth 1.2.7
        self.last_response: requests.Response | None = None

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", token_timeout())
        if url == self.token_endpoint:
            headers = dict(kwargs.get("headers") or {})
            headers[HARD_EXPIRY_HEADER] = "true"
            kwargs["headers"] = headers
        self.last_response = None
        response = super().request(method, url, **kwargs)
        self.last_response = response
        return response

    def token_set(self) -> TokenSet:
        return TokenSet(
            access_token=self.access_token,
            refresh_token=self.refresh_token,
            expires_in=int(self.expires_in or 3600),
            refresh_expires_in=_int_or_none(self.x_refresh_token_expires_in),
            hard_expires_in=_int_or_none(self.x_refresh_token_hard_expires_in),
            intuit_tid=_tid(self.last_response),
        )


def _int_or_none(value) -> int | None:
    return int(value) if value not in (None, "") else None


def _tid(response: requests.Response | None) -> str:
    return response.headers.get("intuit_tid", "") if response is not None else ""


def new_state() -> str:
    """The CSRF state for one Connect attempt (intuitlib's default uses `random`)."""
    return secrets.token_urlsafe(32)


def authorization_url(state: str) -> str:
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#step-4
    return IntuitAuthClient().get_authorization_url(SCOPES, state_token=state)


def _token_call(
    operation: str, company_id: int | None, call, environment: str = ""
) -> IntuitAuthClient:
    """Run one token-endpoint call, log it, and map failures to our exceptions.

    The mapped exception is raised outside the except block, so it carries no reference to
    intuitlib's error, whose request body holds the refresh token or code.
    """
    client = IntuitAuthClient(environment or None)
    started = time.monotonic()
    status, tid, error, failure = None, "", "", None
    try:
        call(client)
        status, tid = 200, _tid(client.last_response)
    except AuthClientError as exc:
        status, tid = exc.status_code, exc.intuit_tid or ""
        error = _oauth_error(exc)
        failure = _map_auth_error(exc, error)
    except requests.RequestException as exc:
        error = type(exc).__name__
        failure = Unavailable(
            f"Intuit's token service did not answer ({error})",
            maybe_committed=not isinstance(exc, requests.ConnectTimeout),
        )
    record_call(
        company_id=company_id,
        operation=operation,
        method="POST",
        status_code=status,
        duration=time.monotonic() - started,
        intuit_tid=tid,
        error=error,
    )
    if failure is not None:
        raise failure
    return client


def _oauth_error(exc: AuthClientError) -> str:
    try:
        body = json.loads(exc.content or b"{}")
    except ValueError:
        return f"HTTP {exc.status_code}"
    if not isinstance(body, dict):
        return f"HTTP {exc.status_code}"
    return str(body.get("error") or f"HTTP {exc.status_code}")


def _map_auth_error(exc: AuthClientError, error: str) -> QuickBooksError:
    tid = exc.intuit_tid or ""
    if error == "invalid_grant":
        return ReconnectNeeded(
            "QuickBooks no longer accepts this connection (invalid_grant)",
            code=error,
            intuit_tid=tid,
            status=exc.status_code,
        )
    if exc.status_code >= 500:
        return Unavailable(
            f"Intuit's token service failed (HTTP {exc.status_code})",
            intuit_tid=tid,
            status=exc.status_code,
        )
    return QuickBooksError(
        f"Intuit refused the token request ({error}); check QBO_CLIENT_ID and QBO_CLIENT_SECRET",
        code=error,
        intuit_tid=tid,
        status=exc.status_code,
    )


def exchange_code(code: str, realm_id: str, *, company_id: int) -> TokenSet:
    """Trade an authorization code for tokens (once: codes are single-use)."""
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#step-5
    client = _token_call(
        "oauth.exchange_code", company_id, lambda c: c.get_bearer_token(code, realm_id=realm_id)
    )
    return client.token_set()


def refresh(refresh_token: str, *, company_id: int | None, environment: str = "") -> TokenSet:
    """New access token (and possibly a rotated refresh token) from a refresh token, at the
    environment the grant was made in (default: the configured one)."""
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#refresh-the-token
    client = _token_call(
        "oauth.refresh", company_id, lambda c: c.refresh(refresh_token), environment
    )
    return client.token_set()


def revoke(token: str, *, company_id: int | None, environment: str = "") -> None:
    """Revoke the grant at Intuit (disconnects the app from the QuickBooks company)."""
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/authentication-and-authorization/oauth-2.0#revoke-token-disconnect
    _token_call("oauth.revoke", company_id, lambda c: c.revoke(token=token), environment)
