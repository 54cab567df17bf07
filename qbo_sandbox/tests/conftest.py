"""Fixtures for the sandbox's own tests: a real server on 127.0.0.1, the real Intuit libraries,
and a local webhook endpoint."""

from __future__ import annotations

import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks

from qbo_sandbox.testing import SandboxServer
from sandbox_support import Api, Hooked, connect, quickbooks_for
from webhook_receiver import WebhookReceiver


@pytest.fixture
def sandbox():
    with SandboxServer() as server:
        yield server


@pytest.fixture
def realm(sandbox) -> str:
    return next(iter(sandbox.state.companies))


@pytest.fixture
def auth_client(sandbox, realm) -> AuthClient:
    return connect(sandbox, realm_id=realm)


@pytest.fixture
def qb(sandbox, auth_client, monkeypatch) -> QuickBooks:
    # python-quickbooks' OAuth2Session refuses http:// unless this is set (LIBRARIES.md §2).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    return quickbooks_for(sandbox, auth_client)


@pytest.fixture
def api(sandbox, realm, auth_client) -> Api:
    return Api(sandbox, realm, auth_client.access_token)


@pytest.fixture
def receiver():
    with WebhookReceiver() as endpoint:
        yield endpoint


@pytest.fixture
def hooked(receiver):
    """A sandbox delivering webhooks to `receiver` after a 50 ms window (retries x 0.001), its
    first company connected through OAuth (Intuit notifies connected realms only)."""
    with SandboxServer(
        webhook_url=receiver.url, webhook_window=0.05, webhook_retry_scale=0.001
    ) as server:
        realm = next(iter(server.state.companies))
        client = connect(server, realm_id=realm)
        yield Hooked(server, realm, Api(server, realm, client.access_token), receiver)
