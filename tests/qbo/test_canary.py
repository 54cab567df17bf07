"""Canary: the tokens of a whole connection's life never reach a log, a page, a task or a repr.

Every logger is at DEBUG (requests_oauthlib, oauthlib and urllib3 log token bodies there);
the flow is connect, refresh, a 401 with refresh-and-replay, invalid_grant, reconnect,
disconnect, and the admin. Then every sink is searched for every token, code and secret,
and for distinctive 16-character pieces of them.
"""

import io
import logging
import traceback
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from qbo_sandbox.testing import authorize
from quickbooks.objects.customer import Customer

from qbo import tokens, vault
from qbo.client import open_client
from qbo.errors import QuickBooksError
from qbo.models import QBOCall, QuickBooksConnection

pytestmark = pytest.mark.django_db
LIBRARIES = ("", "requests_oauthlib", "oauthlib", "urllib3", "intuitlib", "quickbooks", "django")


@pytest.fixture
def log_output(monkeypatch):
    buffer = io.StringIO()
    handlers = list(logging.root.handlers)
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            handlers.extend(logger.handlers)
    for handler in handlers:
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith(
            "_pytest"
        ):
            monkeypatch.setattr(handler, "stream", buffer)
    monkeypatch.setattr(logging.root.manager, "disable", 0)
    # setLevel, not a plain attribute: loggers cache isEnabledFor() until setLevel clears it,
    # so a level set behind its back is ignored by any logger an earlier test asked.
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield buffer
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _stored_tokens(company) -> list[str]:
    conn = QuickBooksConnection.objects.get(company=company)
    return [
        vault.decrypt(getattr(conn, f"{f}_encrypted"), company_id=company.pk, field=f)
        for f in ("access_token", "refresh_token")
        if getattr(conn, f"{f}_encrypted")
    ]


def _pieces(secret: str) -> list[str]:
    """The secret and distinctive pieces of it (access tokens share a JWE header)."""
    tail = secret.split("..", 1)[-1]
    return [secret] + [tail[i : i + 16] for i in range(0, max(1, len(tail) - 16), 97)]


def _connect(client, qbo, realm, seen_secrets):
    start = client.post("/settings/quickbooks/connect/")
    location = authorize(requests.Session(), start["Location"], realm_id=realm)
    seen_secrets.append(parse_qs(urlsplit(location).query)["code"][0])
    callback = urlsplit(location)
    return client.get(f"{callback.path}?{callback.query}")


def test_no_token_reaches_any_sink(
    client,
    admin_client,
    user,
    company,
    qbo,
    sandbox_realm,
    settings,
    log_output,
    published_tasks,
    django_capture_on_commit_callbacks,
):
    configured = [settings.QBO_CLIENT_SECRET, settings.QBO_WEBHOOK_VERIFIER_TOKEN]
    secrets: list[str] = []  # every code and token issued along the way
    pages, errors = [], []
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        pages.append(_connect(client, qbo, sandbox_realm, secrets).content)
        secrets += _stored_tokens(company)
        conn = QuickBooksConnection.objects.get(company=company)

        # Refresh because our record says it expired.
        QuickBooksConnection.objects.filter(pk=conn.pk).update(
            access_expires_at="2000-01-01T00:00:00Z"
        )
        tokens.current_access_token(conn.pk)
        secrets += _stored_tokens(company)

        # A 401 from the API: refresh once and replay.
        qbo.control.expire_access_tokens(sandbox_realm)
        with open_client(company) as qb:
            Customer.all(qb=qb, max_results=3)
        secrets += _stored_tokens(company)

        # The grant is revoked at Intuit: invalid_grant, needs_reauth.
        qbo.control.revoke_tokens(sandbox_realm)
        QuickBooksConnection.objects.filter(pk=conn.pk).update(
            access_expires_at="2000-01-01T00:00:00Z"
        )
        try:
            with open_client(company) as qb:
                Customer.all(qb=qb, max_results=3)
        except QuickBooksError as exc:
            errors.append(exc)

        # Reconnect, look at every page, disconnect.
        pages.append(_connect(client, qbo, sandbox_realm, secrets).content)
        secrets += _stored_tokens(company)
        for path in ("/", "/settings/quickbooks/", "/settings/quickbooks/disconnect/"):
            pages.append(client.get(path).content)
        pages.append(admin_client.get("/admin/qbo/quickbooksconnection/").content)
        pages.append(admin_client.get(f"/admin/qbo/quickbooksconnection/{conn.pk}/change/").content)
        pages.append(client.post("/settings/quickbooks/disconnect/", follow=True).content)

    assert len(errors) == 1
    sinks = {
        "logs": log_output.getvalue(),
        "pages": b"".join(pages).decode(),
        "tasks": repr(published_tasks),
        "exceptions": "".join(
            repr(e) + str(e) + "".join(traceback.format_exception(e)) for e in errors
        ),
        "call log": repr(list(QBOCall.objects.values())),
    }
    assert "Starting new HTTP connection" in sinks["logs"]  # urllib3's DEBUG lines are there
    assert len(set(secrets)) >= 8
    pieces = configured + [piece for secret in secrets for piece in _pieces(secret)]
    for name, text in sinks.items():
        for piece in pieces:
            assert piece not in text, f"a secret leaked into {name}"
