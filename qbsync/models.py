"""The QuickBooks call log: one row per call to Intuit, for support and the dashboard."""

from django.db import models


class QBOCall(models.Model):
    """What was called and how it went — never a token, never a body."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
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
        indexes = [models.Index(fields=["company", "-created_at"], name="qbocall_company_recent")]

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
        "accounts.Company", on_delete=models.CASCADE, related_name="sync_cursors"
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
            models.UniqueConstraint(fields=["company", "entity"], name="unique_sync_cursor"),
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
        "accounts.Company", on_delete=models.CASCADE, related_name="webhook_events"
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
            models.Index(fields=["company", "status", "received_at"], name="webhook_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} {self.operation}"
