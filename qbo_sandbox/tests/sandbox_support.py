"""Helpers for the sandbox's tests: the OAuth dance, clients, raw HTTP to the API."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks

import qbo_sandbox
from qbo_sandbox.testing import authorize

# Where the package is imported from (a child process finds it there too).
SOURCE = Path(qbo_sandbox.__file__).resolve().parents[1]
MINOR_VERSION = 75


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


def ui_post(sandbox, path: str, data: dict) -> requests.Response:
    """A form POST to the demo UI, following its redirect; asserts the page answered 200."""
    response = requests.post(f"{sandbox.url}{path}", data=data, timeout=10)
    assert response.status_code == 200, response.text
    return response


def edit_customer_in_ui(sandbox, realm: str, ident: str, display_name: str) -> None:
    customer = sandbox.state.companies[realm].get("Customer", ident)
    form = {
        "sync_token": customer["SyncToken"],
        "display_name": display_name,
        "given_name": customer.get("GivenName", ""),
        "family_name": customer.get("FamilyName", ""),
        "company_name": customer.get("CompanyName", ""),
        "email": (customer.get("PrimaryEmailAddr") or {}).get("Address", ""),
        "active": "1",
    }
    ui_post(sandbox, f"/ui/companies/{realm}/customers/{ident}", form)


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


@dataclass
class Hooked:
    """A sandbox that sends webhooks, its connected realm, raw API access, and the receiver."""

    sandbox: object
    realm: str
    api: Api
    receiver: object

    @property
    def control(self):
        return self.sandbox.control


def unpaced(sandbox) -> None:
    """Lift the 10 requests/second limit, for a test that fires many quick calls on purpose
    (about something other than pacing)."""
    sandbox.control.set_limits(requests_per_second=1000)
