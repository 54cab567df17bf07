"""The one place that maps a QuickBooks environment to its addresses.

``local`` is the qbo-sandbox emulator (QBO_LOCAL_SANDBOX_URL for the server,
QBO_LOCAL_SANDBOX_PUBLIC_URL for people's browsers); ``sandbox`` and ``production`` are
Intuit's. A connection keeps the environment it was made in, so its tokens, API calls and
links keep going there even if QBO_ENVIRONMENT changes later.
"""

import requests
from django.core.cache import cache

from qbo.conf import qbo_settings
from qbo.errors import Unavailable

ENVIRONMENTS = ("local", "sandbox", "production")

# Reference: https://developer.intuit.com/app/developer/qbo/docs/develop/explore-the-quickbooks-online-api
API_BASE = {
    "sandbox": "https://sandbox-quickbooks.api.intuit.com/v3",
    "production": "https://quickbooks.api.intuit.com/v3",
}
APP_BASE = {
    "sandbox": "https://app.sandbox.qbo.intuit.com/app",
    "production": "https://qbo.intuit.com/app",
}
# Reference: https://developer.intuit.com/.well-known/openid_sandbox_configuration/ and
# .../openid_configuration/ (values as published; ../shared/reference/QBO-API.md §1.1).
_INTUIT = {
    "authorization_endpoint": "https://appcenter.intuit.com/connect/oauth2",
    "token_endpoint": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
    "revocation_endpoint": "https://developer.api.intuit.com/v2/oauth2/tokens/revoke",
    "issuer": "https://oauth.platform.intuit.com/op/v1",
    "jwks_uri": "https://oauth.platform.intuit.com/op/v1/jwks",
}
OAUTH_ENDPOINTS = {
    "sandbox": {
        **_INTUIT,
        "userinfo_endpoint": "https://sandbox-accounts.platform.intuit.com/v1/openid_connect/userinfo",
    },
    "production": {
        **_INTUIT,
        "userinfo_endpoint": "https://accounts.platform.intuit.com/v1/openid_connect/userinfo",
    },
}
DISCOVERY_TTL = 3600


def _local() -> str:
    return qbo_settings.LOCAL_SANDBOX_URL.rstrip("/")


def _local_public() -> str:
    return qbo_settings.LOCAL_SANDBOX_PUBLIC_URL.rstrip("/")


def api_base(environment: str) -> str:
    """The Accounting API's /v3 base."""
    return f"{_local()}/v3" if environment == "local" else API_BASE[environment]


def oauth_endpoints(environment: str) -> dict[str, str]:
    """Intuit's OAuth endpoints, or the local sandbox's discovery document (cached an hour,
    fetched with a timeout; its consent page rewritten to the address browsers use)."""
    if environment != "local":
        return OAUTH_ENDPOINTS[environment]
    base = _local()
    cache_key = f"qbo:discovery:{base}"
    doc = cache.get(cache_key)
    if doc is None:
        url = f"{base}/.well-known/openid_sandbox_configuration/"
        timeout = (qbo_settings.CONNECT_TIMEOUT, min(qbo_settings.READ_TIMEOUT, 15.0))
        try:
            response = requests.get(url, timeout=timeout)
            response.raise_for_status()
            doc = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise Unavailable(f"The local QuickBooks sandbox at {base} is not answering") from exc
        cache.set(cache_key, doc, DISCOVERY_TTL)
    doc = dict(doc)
    doc["authorization_endpoint"] = doc["authorization_endpoint"].replace(base, _local_public(), 1)
    return doc


def app_url(environment: str, realm_id: str, *, app_path: str, local_path: str) -> str:
    """Where a person opens something in QuickBooks ('' for the local sandbox without a realm).

    app_path is QuickBooks' own (``invoice?txnId=42``), local_path the sandbox UI's
    (``invoices/42``).
    """
    if environment in APP_BASE:
        return f"{APP_BASE[environment]}/{app_path}"
    if not realm_id:
        return ""
    return f"{_local_public()}/ui/companies/{realm_id}/{local_path}"
