"""The QuickBooks core's settings, each with its default here (as dj-stripe and allauth do).

A project sets any of them in its Django settings as ``QBO_<NAME>``; code reads them as
``qbo_settings.NAME``, at the moment it needs them (never cached, so tests may override).
docs/quickbooks-app.md lists them all in one table.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

_DEFAULTS: dict[str, Any] = {
    # The tenant: the model whose rows connect one QuickBooks company each.
    "COMPANY_MODEL": lambda: settings.AUTH_USER_MODEL,
    # Hooks into the project's tenancy (dotted paths; see qbo.tenancy for their signatures).
    "REQUEST_COMPANY": "qbo.tenancy.request_company",
    "CAN_MANAGE": "qbo.tenancy.staff_can_manage",
    "USER_COMPANIES": "qbo.tenancy.no_companies",
    # Intuit: which QuickBooks, the app's keys, and how it is called.
    "ENVIRONMENT": "local",  # local (the qbo-sandbox emulator), sandbox or production
    "LOCAL_SANDBOX_URL": "http://127.0.0.1:8001",
    "LOCAL_SANDBOX_PUBLIC_URL": "",  # where browsers reach it; empty: LOCAL_SANDBOX_URL
    "CLIENT_ID": "",
    "CLIENT_SECRET": "",
    "REDIRECT_URI": "",
    "WEBHOOK_VERIFIER_TOKEN": "",
    "TOKEN_KEYS": "",  # id:base64key,... newest first (AES-256-GCM, separate from SECRET_KEY)
    # Webhook deliveries: the largest accepted, and the largest parsed in the request (a
    # larger one is kept as one row and read by a worker, so the answer stays fast).
    "WEBHOOK_MAX_BYTES": 20 * 1024 * 1024,
    "WEBHOOK_INLINE_BYTES": 64 * 1024,
    "MINOR_VERSION": 75,
    "CONNECT_TIMEOUT": 5.0,
    "READ_TIMEOUT": 30.0,
    # Our per-realm budget, under Intuit's 500/min, 10/s, 10 concurrent, 40 batches/min.
    "RATE_PER_MINUTE": 450,
    "RATE_PER_SECOND": 8,
    "MAX_CONCURRENT": 8,
    "BATCH_PER_MINUTE": 35,
    # Shared budget and locks: Redis when set (every process), else per process.
    "REDIS_URL": lambda: getattr(settings, "REDIS_URL", ""),
    # Pulls: catch-up interval, and how long a sync's lock may outlive a killed worker.
    "SYNC_INTERVAL_MINUTES": 15,
    "SYNC_LOCK_SECONDS": lambda: getattr(settings, "CELERY_TASK_TIME_LIMIT", 300) + 30,
    # A long first import saves its progress (the settings page's bar) at most this often.
    "IMPORT_PROGRESS_SECONDS": 5.0,
    # Writes: retry backoff (exponential with full jitter, capped) and, after a timeout or a
    # dropped connection, how long until Intuit can no longer commit the request (it ends
    # requests at 120 s) before a write is looked up and retried.
    "PUSH_BACKOFF_BASE": 2.0,
    "PUSH_BACKOFF_CAP": 300.0,
    "AMBIGUOUS_SETTLE": 120.0,
}
_HOOKS = ("REQUEST_COMPANY", "CAN_MANAGE", "USER_COMPANIES")


class QuickBooksSettings:
    """Attribute access reads ``settings.QBO_<NAME>``, else the default."""

    def __getattr__(self, name: str) -> Any:
        if name not in _DEFAULTS:
            raise AttributeError(f"no QuickBooks setting {name!r}")
        default = _DEFAULTS[name]
        value = getattr(settings, f"QBO_{name}", None)
        if value is None:
            value = default() if callable(default) else default
        if name == "LOCAL_SANDBOX_PUBLIC_URL" and not value:
            return self.LOCAL_SANDBOX_URL
        return value

    def hook(self, name: str) -> Callable:
        """One of the tenancy hooks, imported from its dotted path."""
        if name not in _HOOKS:
            raise AttributeError(f"no QuickBooks hook {name!r}")
        path = getattr(self, name)
        return path if callable(path) else import_string(path)

    @staticmethod
    def names() -> list[str]:
        return list(_DEFAULTS)


qbo_settings = QuickBooksSettings()
