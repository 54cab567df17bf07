"""Settings for one sandbox process: OAuth app registration, limits, webhooks."""

from __future__ import annotations

from dataclasses import dataclass, field

# The one registered app, until flags or SandboxServer arguments name the client's own.
DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"  # noqa: S105 - a well-known local default
DEFAULT_REDIRECT_URIS = ("http://localhost:8000/callback", "http://127.0.0.1:8000/callback")
DEFAULT_VERIFIER_TOKEN = "sandbox-verifier-token"  # noqa: S105
DEFAULT_CONTROL_KEY = "sandbox-control"
TOKEN_MODES = ("intuit", "strict")
WEBHOOK_FORMATS = ("cloudevents", "legacy")


@dataclass
class Limits:
    """Per-realm throttling limits (Intuit: 500 requests/min, 10 concurrent, 40 batches/min,
    and — on its current limits page — 10 requests/second)."""

    requests_per_minute: int = 500
    max_concurrent: int = 10
    batch_requests_per_minute: int = 40
    requests_per_second: int = 10


@dataclass
class SandboxConfig:
    """Everything the sandbox needs to know at start-up."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    redirect_uris: list[str] = field(default_factory=lambda: list(DEFAULT_REDIRECT_URIS))
    verifier_token: str = DEFAULT_VERIFIER_TOKEN
    control_key: str = DEFAULT_CONTROL_KEY
    token_mode: str = "intuit"  # noqa: S105 - a mode name, not a secret
    limits: Limits = field(default_factory=Limits)
    webhook_url: str | None = None
    webhook_window: float = 5.0  # seconds of events gathered into one delivery
    webhook_format: str = "cloudevents"
    webhook_retry_scale: float = 1.0  # multiplies Intuit's retry delays (0.001 in tests)
    data_path: str | None = None
    seed_customers: int = 0
    seed_items: int = 0
    default_company: bool = True
    fault_seed: int = 1234
    latency_scale: float = 0.0  # Intuit-like answer times (api/latency.py); 0: answer at once

    def __post_init__(self) -> None:
        if self.token_mode not in TOKEN_MODES:
            raise ValueError(f"token_mode must be one of {TOKEN_MODES}")
        if self.webhook_format not in WEBHOOK_FORMATS:
            raise ValueError(f"webhook_format must be one of {WEBHOOK_FORMATS}")
        if self.latency_scale < 0:
            raise ValueError("latency_scale must be >= 0")
        if self.webhook_window < 0 or self.webhook_retry_scale <= 0:
            raise ValueError("webhook_window must be >= 0 and webhook_retry_scale > 0")
