"""No token, code or client secret reaches any log output, even at DEBUG in the OAuth libraries."""

import io
import logging

import pytest
import requests
import responses
from requests_oauthlib import OAuth2Session

from qbo.logredact import RedactSecretsFilter, redact

ACCESS = "eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..canary-access-7f3a9c1e5b"
REFRESH = "AB11canaryrefreshtoken7f3a9c1e5b2d4f6a8c0e"
CODE = "AB11canaryauthcode7f3a9c1e5b2d4f6a8c"
TOKEN_URL = "https://oauth.example.test/oauth2/v1/tokens/bearer"
CANARIES = (ACCESS, REFRESH, CODE, "canary-access", "canaryrefreshtoken", "canaryauthcode")


def _all_handlers() -> list[logging.Handler]:
    """Every handler the app configured (pytest's own capture handlers aside)."""
    handlers = list(logging.root.handlers)
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            handlers.extend(logger.handlers)
    return [
        h
        for h in handlers
        if not type(h).__module__.startswith("_pytest") and type(h) is not logging.NullHandler
    ]


@pytest.fixture
def captured_output(monkeypatch):
    """Point every configured stream handler at one buffer and turn every library to DEBUG."""
    buffer = io.StringIO()
    for handler in _all_handlers():
        if isinstance(handler, logging.StreamHandler):
            monkeypatch.setattr(handler, "stream", buffer)
    for name in ("", "requests_oauthlib", "oauthlib", "urllib3", "intuitlib", "quickbooks"):
        logger = logging.getLogger(name)
        monkeypatch.setattr(logger, "level", logging.DEBUG)
    monkeypatch.setattr(logging.root.manager, "disable", 0)
    return buffer


def test_every_configured_handler_redacts():
    handlers = _all_handlers()
    assert handlers, "logging is not configured"
    for handler in handlers:
        assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters), handler


@responses.activate
def test_requests_oauthlib_debug_output_never_shows_tokens(captured_output):
    responses.post(
        TOKEN_URL,
        json={
            "access_token": ACCESS,
            "refresh_token": REFRESH,
            "token_type": "bearer",
            "expires_in": 3600,
        },
    )
    responses.get("https://api.example.test/v3/company/1/companyinfo/1", json={"ok": True})
    session = OAuth2Session("client-id", redirect_uri="https://app.example.test/cb")
    session.fetch_token(TOKEN_URL, code=CODE, client_secret="client-secret-value")
    session.get("https://api.example.test/v3/company/1/companyinfo/1")
    session.refresh_token(TOKEN_URL, refresh_token=REFRESH, auth=("client-id", "secret-value"))

    output = captured_output.getvalue()
    assert "Obtained token" in output  # the library really logged at DEBUG
    assert "Adding token" in output
    for canary in CANARIES:
        assert canary not in output


def test_exception_tracebacks_are_redacted(captured_output):
    logger = logging.getLogger("qbsync.test")
    try:
        requests.Request(
            "GET", "https://x.test", headers={"Authorization": f"Bearer {ACCESS}"}
        ).prepare()
        raise RuntimeError(f"refresh failed for refresh_token={REFRESH}")
    except RuntimeError:
        logger.exception("token call failed with headers %s", {"Authorization": f"Bearer {ACCESS}"})
    output = captured_output.getvalue()
    assert "token call failed" in output and "RuntimeError" in output
    for canary in CANARIES:
        assert canary not in output


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {ACCESS}",
        f"grant_type=authorization_code&code={CODE}&redirect_uri=x",
        f'{{"access_token": "{ACCESS}", "refresh_token": "{REFRESH}"}}',
        f"{{'access_token': '{ACCESS}', 'expires_in': 3600}}",
        f"GET /settings/quickbooks/callback/?code={CODE}&state=abc&realmId=1",
        f'{{"token": "{REFRESH}"}}',
    ],
)
def test_redact_masks_each_token_shape(text):
    masked = redact(text)
    for canary in CANARIES:
        assert canary not in masked
    assert "[REDACTED]" in masked


def test_redact_keeps_quickbooks_fault_codes_readable():
    fault = '{"Fault": {"Error": [{"Message": "Duplicate Name Exists Error", "code": "6240"}]}}'
    assert redact(fault) == fault


def test_configured_client_secret_is_masked_anywhere():
    from django.conf import settings

    assert settings.QBO_CLIENT_SECRET not in redact(f"oops {settings.QBO_CLIENT_SECRET} leaked")


def test_error_emails_carry_the_masked_traceback(mailoutbox, settings):
    settings.ADMINS = [("Ops", "ops@example.com")]
    logger = logging.getLogger("django.request")
    try:
        raise ValueError(f"refresh failed for refresh_token={REFRESH}")
    except ValueError:
        logger.error("Internal Server Error: /settings/quickbooks/callback/", exc_info=True)
    [email] = mailoutbox
    assert (
        "ValueError" in email.body and "test_error_emails_carry_the_masked_traceback" in email.body
    )
    for canary in CANARIES:
        assert canary not in email.body and canary not in email.subject
