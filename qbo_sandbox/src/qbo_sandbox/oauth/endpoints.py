"""Intuit's OAuth2 endpoints: discovery, consent page, token, revoke, userinfo, JWKS."""

from __future__ import annotations

import json
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from werkzeug.routing import Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from qbo_sandbox.books import seed
from qbo_sandbox.oauth.tokens import (
    ACCOUNTING,
    KNOWN_SCOPES,
    PAYMENT,
    AuthFailure,
    Grant,
    TokenError,
)
from qbo_sandbox.ui import pages

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

CONSENT_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"  # noqa: S105 - a path
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"
JWKS_PATH = "/op/v1/jwks"
SANDBOX_DISCOVERY = "/.well-known/openid_sandbox_configuration/"
PRODUCTION_DISCOVERY = "/.well-known/openid_configuration/"
BAD_REDIRECT = (
    "The redirect_uri query parameter value is invalid. Make sure it is listed in the Redirect "
    "URIs section on your app's keys tab and matches it exactly."
)
NO_CACHE = {"Cache-Control": "no-cache, no-store", "Pragma": "no-cache"}

RULES = [
    Rule(SANDBOX_DISCOVERY, endpoint="oauth.discovery"),
    Rule("/.well-known/openid-sandbox-configuration/", endpoint="oauth.discovery"),
    Rule(PRODUCTION_DISCOVERY, endpoint="oauth.discovery"),
    Rule("/.well-known/openid-configuration/", endpoint="oauth.discovery"),
    Rule(CONSENT_PATH, endpoint="oauth.consent", methods=["GET", "POST"]),
    Rule(TOKEN_PATH, endpoint="oauth.token", methods=["POST"]),
    Rule(REVOKE_PATH, endpoint="oauth.revoke", methods=["POST"]),
    Rule(USERINFO_PATH, endpoint="oauth.userinfo", methods=["GET"]),
    Rule(JWKS_PATH, endpoint="oauth.jwks", methods=["GET"]),
]


def json_response(body: object, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers, mimetype="application/json")


def base_url(request: Request) -> str:
    return request.host_url.rstrip("/")


def discovery(app: SandboxApp, request: Request) -> Response:
    """Intuit's document with every endpoint pointing at this sandbox."""
    base = base_url(request)
    return json_response(
        {
            "issuer": f"{base}/op/v1",
            "authorization_endpoint": f"{base}{CONSENT_PATH}",
            "token_endpoint": f"{base}{TOKEN_PATH}",
            "userinfo_endpoint": f"{base}{USERINFO_PATH}",
            "revocation_endpoint": f"{base}{REVOKE_PATH}",
            "jwks_uri": f"{base}{JWKS_PATH}",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
        }
    )


# --- consent page --------------------------------------------------------------------------
def _authorization_error(app: SandboxApp, params: dict) -> Response | None:
    """Bad client_id / redirect_uri / response_type / scope: an error page, never a redirect."""
    if params.get("client_id") != app.config.client_id:
        return pages.error_page(
            "Invalid client", "The client_id is not a registered app.", "invalid_client"
        )
    if params.get("redirect_uri") not in app.config.redirect_uris:
        return pages.error_page("Invalid redirect_uri", BAD_REDIRECT, "invalid_request")
    if params.get("response_type") != "code":
        return pages.error_page(
            "Unsupported response_type",
            "response_type must be 'code'.",
            "unsupported_response_type",
        )
    scopes = params.get("scope", "").split()
    if not scopes or any(scope not in KNOWN_SCOPES for scope in scopes):
        return pages.error_page(
            "Invalid scope", "The scope parameter is missing or invalid.", "invalid_scope"
        )
    return None


def consent(app: SandboxApp, request: Request) -> Response:
    params = request.args if request.method == "GET" else request.form
    problem = _authorization_error(app, params)
    if problem is not None:
        return problem
    if request.method == "GET":
        return _consent_page(app, params)
    return _decide(app, params)


def _needs_company(scopes: list[str]) -> bool:
    return ACCOUNTING in scopes or PAYMENT in scopes


def _consent_page(app: SandboxApp, params: dict) -> Response:
    scopes = params["scope"].split()
    keep = ("client_id", "redirect_uri", "response_type", "scope", "state")
    hidden = "".join(pages.hidden(key, params[key]) for key in keep if key in params)
    picker = ""
    if _needs_company(scopes):
        companies = sorted(app.state.all_companies(), key=lambda c: int(c.realm_id))
        options = "".join(
            f'  <option value="{escape(c.realm_id)}">'
            f"{escape(c.name)} ({escape(c.realm_id)})</option>\n"
            for c in companies
        )
        picker = pages.fill("company_picker.html", options=options)
    content = pages.fill(
        "consent.html",
        app_name=escape(app.config.client_id),
        scopes="".join(f"<li>{escape(scope)}</li>" for scope in scopes),
        hidden=hidden,
        company_picker=picker,
    )
    return pages.page("Connect", content, nav="")


def _decide(app: SandboxApp, form: dict) -> Response:
    target = form["redirect_uri"]
    answer: dict[str, str] = {}
    realm_id = None
    if form.get("action") == "cancel":
        answer["error"] = "access_denied"
    else:
        scopes = form["scope"].split()
        realm_id = _chosen_realm(app, form) if _needs_company(scopes) else None
        if _needs_company(scopes) and realm_id is None:
            return pages.error_page("Unknown company", "Pick a sandbox company.", "invalid_request")
        answer["code"] = app.state.oauth.issue_code(app.config.client_id, target, realm_id, scopes)
    if form.get("state"):
        answer["state"] = form["state"]
    if "code" in answer and realm_id is not None:
        answer["realmId"] = realm_id
    separator = "&" if "?" in target else "?"
    return redirect(f"{target}{separator}{urlencode(answer)}", code=302)


def _chosen_realm(app: SandboxApp, form: dict) -> str | None:
    choice = form.get("realm_id", "")
    if choice == "new" or (not choice and form.get("new_company_name")):
        name = (form.get("new_company_name") or "").strip() or None
        return seed.create_company(app.state, name).realm_id
    return choice if choice in app.state.companies else None


# --- token endpoint ------------------------------------------------------------------------
def _client(app: SandboxApp, request: Request) -> str | None:
    """client_secret_basic (what intuit-oauth sends) or client_secret_post."""
    auth = request.authorization
    if auth is not None and auth.type == "basic":
        client_id, secret = auth.username, auth.password
    else:
        client_id, secret = request.form.get("client_id"), request.form.get("client_secret")
    if client_id == app.config.client_id and secret == app.config.client_secret:
        return client_id
    return None


def _token_error(error: TokenError) -> Response:
    body = {"error_description": error.description, "error": error.error}
    return json_response(body, error.status, NO_CACHE)


def _invalid_client() -> Response:
    headers = {**NO_CACHE, "WWW-Authenticate": 'Basic realm="Intuit"'}
    return json_response({"error": "invalid_client"}, 401, headers)


def token(app: SandboxApp, request: Request) -> Response:
    client_id = _client(app, request)
    if client_id is None:
        return _invalid_client()
    form = request.form
    oauth = app.state.oauth
    try:
        if form.get("grant_type") == "authorization_code":
            grant, access = oauth.exchange_code(
                client_id, form.get("code", ""), form.get("redirect_uri", "")
            )
        elif form.get("grant_type") == "refresh_token":
            if not form.get("refresh_token"):
                raise TokenError("invalid_request", "refresh_token is required")
            grant, access = oauth.refresh(client_id, form["refresh_token"])
        else:
            raise TokenError("unsupported_grant_type", "grant_type is not supported")
    except TokenError as error:
        return _token_error(error)
    app.state.touch()
    wants_hard = (
        request.headers.get("x-include-refresh-token-hard-expires-in", "").lower() == "true"
    )
    return json_response(_token_body(app, request, grant, access.token, wants_hard), 200, NO_CACHE)


def _token_body(app: SandboxApp, request: Request, grant: Grant, access: str, hard: bool) -> dict:
    now = app.state.clock.timestamp()
    body: dict = {
        "access_token": access,
        "refresh_token": grant.refresh_token,
        "token_type": "bearer",
        "expires_in": 3600,
        "x_refresh_token_expires_in": max(0, int(grant.refresh_expires_at - now)),
    }
    if hard:
        body["x_refresh_token_hard_expires_in"] = max(0, int(grant.hard_expires_at - now))
    if "openid" in grant.scopes:
        body["id_token"] = app.signing_key.id_token(
            issuer=f"{base_url(request)}/op/v1",
            client_id=grant.client_id,
            sub=grant.sub,
            realm_id=grant.realm_id,
        )
    return body


def revoke(app: SandboxApp, request: Request) -> Response:
    client_id = _client(app, request)
    if client_id is None:
        return _invalid_client()
    try:
        body = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        body = {}
    value = body.get("token") if isinstance(body, dict) else None
    value = value or request.form.get("token")
    if not value:
        return json_response({"error": "invalid_request"}, 400)
    # RFC 7009: an unknown token is not an error; a known one takes its whole grant with it.
    app.state.oauth.revoke(client_id, value)
    app.state.touch()
    return json_response({}, 200)  # a JSON answer, `{}` (its content is unverified)


# --- OpenID ----------------------------------------------------------------------------------
def userinfo(app: SandboxApp, request: Request) -> Response:
    header = request.headers.get("Authorization", "")
    try:
        grant = app.state.oauth.authenticate(
            header[7:] if header.lower().startswith("bearer ") else ""
        )
    except AuthFailure as failure:
        headers = {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
        return json_response(
            {"error": "invalid_token", "error_description": str(failure)}, 401, headers
        )
    if "openid" not in grant.scopes:
        return json_response({"error": "insufficient_scope"}, 403)
    return json_response(_claims(grant))


def _claims(grant: Grant) -> dict:
    claims: dict = {"sub": grant.sub}
    if "email" in grant.scopes:
        claims.update(email="sandbox.user@example.com", emailVerified=True)
    if "profile" in grant.scopes:
        claims.update(givenName="Sandbox", familyName="User")
    if "phone" in grant.scopes:
        claims.update(phoneNumber="+1 6505555555", phoneNumberVerified=False)
    if "address" in grant.scopes:
        claims["address"] = {
            "streetAddress": "2700 Coast Ave",
            "locality": "Mountain View",
            "region": "CA",
            "postalCode": "94043",
            "country": "US",
        }
    return claims


def jwks(app: SandboxApp, request: Request) -> Response:
    return json_response(app.signing_key.jwks())


HANDLERS = {
    "oauth.discovery": discovery,
    "oauth.consent": consent,
    "oauth.token": token,
    "oauth.revoke": revoke,
    "oauth.userinfo": userinfo,
    "oauth.jwks": jwks,
}
