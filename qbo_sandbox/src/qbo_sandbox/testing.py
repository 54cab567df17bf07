"""Running the sandbox in-process for tests: `SandboxServer` and the consent-page helper."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from qbo_sandbox.app import SandboxApp
from qbo_sandbox.books.store import SandboxState
from qbo_sandbox.config import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_CONTROL_KEY,
    DEFAULT_REDIRECT_URIS,
    DEFAULT_VERIFIER_TOKEN,
    Limits,
    SandboxConfig,
)
from qbo_sandbox.control.client import ControlClient
from qbo_sandbox.oauth.endpoints import SANDBOX_DISCOVERY
from qbo_sandbox.server import BackgroundServer


class SandboxServer:
    """The sandbox on a free 127.0.0.1 port in a daemon thread, with state in memory.

    Extra keyword arguments are limits: requests_per_minute, max_concurrent,
    batch_requests_per_minute, requests_per_second. Webhooks go to `webhook_url` (None: off),
    gathered for `webhook_window` seconds, in `webhook_format` ("cloudevents" or "legacy"),
    retried on Intuit's schedule times `webhook_retry_scale` (e.g. 0.001 in tests).
    """

    def __init__(
        self,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        redirect_uris: list[str] | None = None,
        verifier_token: str = DEFAULT_VERIFIER_TOKEN,
        webhook_url: str | None = None,
        control_key: str = DEFAULT_CONTROL_KEY,
        token_mode: str = "intuit",  # noqa: S107 - a mode name, not a secret
        *,
        default_company: bool = True,
        seed_customers: int = 0,
        seed_items: int = 0,
        webhook_window: float = 5.0,
        webhook_format: str = "cloudevents",
        webhook_retry_scale: float = 1.0,
        latency: float = 0.0,
        **limits: int,
    ) -> None:
        self.config = SandboxConfig(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uris=list(redirect_uris or DEFAULT_REDIRECT_URIS),
            verifier_token=verifier_token,
            webhook_url=webhook_url,
            webhook_window=webhook_window,
            webhook_format=webhook_format,
            webhook_retry_scale=webhook_retry_scale,
            control_key=control_key,
            token_mode=token_mode,
            limits=Limits(**limits),
            default_company=default_company,
            seed_customers=seed_customers,
            seed_items=seed_items,
            latency_scale=latency,
        )
        self.app = SandboxApp(self.config)
        self._server: BackgroundServer | None = None

    @property
    def state(self) -> SandboxState:
        return self.app.state

    def start(self) -> SandboxServer:
        self._server = BackgroundServer(self.app)
        self._server.start()
        self.url = self._server.url
        self.discovery_url = f"{self.url}{SANDBOX_DISCOVERY}"
        self.api_base = f"{self.url}/v3"
        self.control = ControlClient(self.url, self.config.control_key)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _ConsentForm(HTMLParser):
    """Reads the consent page's form: its action, hidden fields and company options."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.companies: list[str] = []
        self._in_select = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.action = attributes.get("action", "")
        elif tag == "input" and attributes.get("type") == "hidden":
            self.fields[attributes["name"]] = attributes.get("value", "")
        elif tag == "select" and attributes.get("name") == "realm_id":
            self._in_select = True
        elif tag == "option" and self._in_select and attributes.get("value") != "new":
            self.companies.append(attributes.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._in_select = False


class AuthorizeError(RuntimeError):
    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"consent page answered {response.status_code}: {response.text[:300]}")
        self.response = response


def authorize(
    session: requests.Session,
    authorize_url: str,
    realm_id: str | None = None,
    approve: bool = True,
    new_company_name: str | None = None,
) -> str:
    """Do what a user does on the consent page (over HTTP) and return the final redirect's
    Location (the app's callback with code/state/realmId, or error=access_denied), unfollowed.

    realm_id None picks the first company; "new" creates one (named new_company_name).
    """
    page = session.get(authorize_url, allow_redirects=False, timeout=30)
    if page.status_code != 200:
        raise AuthorizeError(page)
    form = _ConsentForm()
    form.feed(page.text)
    data = dict(form.fields)
    if form.companies or realm_id:
        data["realm_id"] = realm_id or form.companies[0]
    if new_company_name:
        data["new_company_name"] = new_company_name
    data["action"] = "connect" if approve else "cancel"
    answer = session.post(
        urljoin(authorize_url, form.action), data=data, allow_redirects=False, timeout=30
    )
    if answer.status_code not in (301, 302, 303, 307, 308):
        raise AuthorizeError(answer)
    return answer.headers["Location"]
