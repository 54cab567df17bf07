"""Fixtures for the sandbox's own tests: a real server on 127.0.0.1, the real Intuit libraries."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests

# The editable install may predate qbo_sandbox/; make the repository root importable.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from intuitlib.client import AuthClient  # noqa: E402
from intuitlib.enums import Scopes  # noqa: E402
from quickbooks import QuickBooks  # noqa: E402

from qbo_sandbox.testing import SandboxServer, authorize  # noqa: E402

SAMPLES = ROOT.parent / "shared" / "qbo-samples"
MINOR_VERSION = 75


@pytest.fixture
def sandbox():
    with SandboxServer() as server:
        yield server


@pytest.fixture
def realm(sandbox) -> str:
    return next(iter(sandbox.state.companies))


def new_auth_client(sandbox, **tokens) -> AuthClient:
    config = sandbox.config
    return AuthClient(
        config.client_id,
        config.client_secret,
        config.redirect_uris[0],
        sandbox.discovery_url,
        **tokens,
    )


def connect(sandbox, scopes=(Scopes.ACCOUNTING,), realm_id=None) -> AuthClient:
    """The whole OAuth dance, through the consent page, with intuit-oauth unchanged."""
    client = new_auth_client(sandbox)
    url = client.get_authorization_url(list(scopes), state_token="state-123")
    callback = parse_qs(urlparse(authorize(requests.Session(), url, realm_id=realm_id)).query)
    client.get_bearer_token(callback["code"][0], realm_id=callback["realmId"][0])
    return client


@pytest.fixture
def auth_client(sandbox, realm) -> AuthClient:
    return connect(sandbox, realm_id=realm)


def quickbooks_for(sandbox, client: AuthClient, *, use_decimal: bool = True) -> QuickBooks:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qb = QuickBooks(
            auth_client=client,
            refresh_token=client.refresh_token,
            company_id=client.realm_id,
            minorversion=MINOR_VERSION,
            use_decimal=use_decimal,
        )
    qb.api_url_v3 = qb.sandbox_api_url_v3 = sandbox.api_base
    return qb


@pytest.fixture
def qb(sandbox, auth_client, monkeypatch) -> QuickBooks:
    # python-quickbooks' OAuth2Session refuses http:// unless this is set (LIBRARIES.md §2).
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    return quickbooks_for(sandbox, auth_client)


class Api:
    """Raw HTTP against the Accounting API, for what the libraries hide (status, headers)."""

    def __init__(self, sandbox, realm: str, token: str) -> None:
        self.base = f"{sandbox.api_base}/company/{realm}"
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        )

    def get(self, path: str, **params) -> requests.Response:
        return self.session.get(
            f"{self.base}/{path}", params={"minorversion": 75, **params}, timeout=30
        )

    def post(self, path: str, json=None, **params) -> requests.Response:
        return self.session.post(
            f"{self.base}/{path}", json=json, params={"minorversion": 75, **params}, timeout=30
        )

    def query(self, text: str) -> requests.Response:
        return self.session.post(
            f"{self.base}/query",
            data=text,
            params={"minorversion": 75},
            headers={"Content-Type": "application/text"},
            timeout=30,
        )

    def rows(self, text: str) -> dict:
        response = self.query(text)
        assert response.status_code == 200, response.text
        return response.json()["QueryResponse"]


@pytest.fixture
def api(sandbox, realm, auth_client) -> Api:
    return Api(sandbox, realm, auth_client.access_token)
