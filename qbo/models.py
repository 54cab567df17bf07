"""What the QuickBooks core keeps: each company's connection (encrypted tokens), Connect
attempts, the call log, where each entity's pull stands, and the webhook events received.

Every row belongs to a company of QBO_COMPANY_MODEL (the project's tenant model)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from qbo.conf import qbo_settings


class QuickBooksConnection(models.Model):
    """A company's link to one QuickBooks Online company (realm), with its encrypted tokens.

    Tokens are read and written only through qbo.tokens (never directly): they are
    encrypted with qbo.vault, bound to this company.
    """

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_REAUTH = "needs_reauth", "Needs reconnecting"
        DISCONNECTED = "disconnected", "Disconnected"

    class Environment(models.TextChoices):
        LOCAL = "local", "Local sandbox"
        SANDBOX = "sandbox", "Intuit sandbox"
        PRODUCTION = "production", "Production"

    company = models.OneToOneField(
        qbo_settings.COMPANY_MODEL, on_delete=models.CASCADE, related_name="quickbooks_connection"
    )
    realm_id = models.CharField("realm id", max_length=32, db_index=True)
    environment = models.CharField(max_length=10, choices=Environment.choices)
    qbo_company_name = models.CharField("QuickBooks company", max_length=255, blank=True)
    country = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CONNECTED)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_hard_expires_at = models.DateTimeField(null=True, blank=True)
    token_version = models.PositiveIntegerField(default=0)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_tid = models.CharField("last error intuit_tid", max_length=100, blank=True)
    hard_expiry_warned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # One live link per QuickBooks company: a realm can't serve two of our companies.
            models.UniqueConstraint(
                fields=["environment", "realm_id"],
                condition=~models.Q(status="disconnected"),
                name="qbo_unique_live_realm",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} ↔ {self.qbo_company_name or self.realm_id}"

    @property
    def is_connected(self) -> bool:
        return self.status == self.Status.CONNECTED


class OAuthState(models.Model):
    """One Connect attempt: the OAuth `state`, bound to a session, a user and a company.

    Only a hash is stored. It is consumed with a conditional UPDATE, so a callback that
    arrives twice exchanges its code once.
    """

    state_hash = models.CharField(max_length=64, unique=True)
    session_key_hash = models.CharField(max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(
        qbo_settings.COMPANY_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="qbo_oauthstate_created")]

    def __str__(self) -> str:
        return f"OAuth state for {self.company} by {self.user}"


class QBOCall(models.Model):
    """What was called and how it went — never a token, never a body."""

    company = models.ForeignKey(
        qbo_settings.COMPANY_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    operation = models.CharField(max_length=100)
    method = models.CharField(max_length=8)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    request_id = models.CharField(max_length=50, blank=True)
    intuit_tid = models.CharField(max_length=100, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "QuickBooks call"
        indexes = [models.Index(fields=["company", "-created_at"], name="qbo_call_company_recent")]

    def __str__(self) -> str:
        return f"{self.method} {self.operation} → {self.status_code or 'no response'}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class SyncCursor(models.Model):
    """Where the pull side stands for one company and entity (Customer, Invoice, Payment)."""

    class State(models.TextChoices):
        NEVER = "never", "Not synced yet"
        IMPORTING = "importing", "Importing"
        IDLE = "idle", "Up to date"
        ERROR = "error", "Failing"

    company = models.ForeignKey(
        qbo_settings.COMPANY_MODEL, on_delete=models.CASCADE, related_name="sync_cursors"
    )
    entity = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEVER)
    high_water = models.DateTimeField(
        null=True, blank=True, help_text="QBO's clock when the last successful pull began."
    )
    import_done = models.PositiveIntegerField(default=0)
    import_total = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_run_rows = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["company", "entity"]
        constraints = [
            models.UniqueConstraint(fields=["company", "entity"], name="qbo_unique_sync_cursor"),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.entity}: {self.get_state_display()}"

    @property
    def import_percent(self) -> int:
        if not self.import_total:
            return 100 if self.state == self.State.IDLE else 0
        return min(100, round(100 * self.import_done / self.import_total))


class WebhookEvent(models.Model):
    """One change Intuit told us about, stored once (duplicates collapse on event_id)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"

    event_id = models.CharField(max_length=200, unique=True)
    realm_id = models.CharField(max_length=32)
    company = models.ForeignKey(
        qbo_settings.COMPANY_MODEL, on_delete=models.CASCADE, related_name="webhook_events"
    )
    entity = models.CharField(max_length=40)
    entity_id = models.CharField(max_length=32)
    operation = models.CharField(max_length=20)
    deleted_id = models.CharField("merged-away id", max_length=32, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    payload_format = models.CharField(max_length=12)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    received_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["company", "status", "received_at"], name="qbo_webhook_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} {self.operation}"


class WebhookDelivery(models.Model):
    """A large delivery's verified body, kept before it is answered and read off the request
    (qbo.tasks.process_webhook_delivery; the sweeper picks up any whose doorbell was lost)."""

    body = models.BinaryField(editable=False)
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    events = models.PositiveIntegerField(default=0, help_text="Events stored from it.")
    invalid_events = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["processed_at", "received_at"], name="qbo_delivery_due")]

    def __str__(self) -> str:
        return f"webhook delivery {self.pk} ({self.size:,} bytes)"
