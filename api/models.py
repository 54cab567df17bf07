"""API keys, the answers kept for Idempotency-Keys, orders' external ids and the API audit."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class ApiKey(models.Model):
    """A company's key for the JSON API: shown once, stored as a SHA-256 digest."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # The key's public part ("qbs_<prefix>_<secret>"): finds the row without the secret.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Made by a person (not manage.py create_api_key): with created_by gone, their user was
    # deleted, and the key must not outlive them with an operator's rights.
    by_person = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} (qbs_{self.prefix}_…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an Idempotency-Key, replayed for the same key."""

    class State(models.TextChoices):
        STARTED = "started", "Started"
        DONE = "done", "Done"

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and raw body: the same key with another request is a 409.
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.STARTED)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="unique_idempotency_key"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class ApiOrder(models.Model):
    """An order made through the API, with the caller's own id for it (unique per company)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(
        "invoicing.Order", on_delete=models.CASCADE, related_name="api_link"
    )
    external_id = models.CharField(max_length=100)
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "external_id"], name="unique_api_order_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} → order {self.order_id}"


class ApiAuditEntry(models.Model):
    """Who did what to an order through the API (shown in the order's history)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey("invoicing.Order", on_delete=models.CASCADE, related_name="api_audit")
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True)
    # Kept as it was, so the history still reads right after a key is renamed or deleted.
    key_name = models.CharField(max_length=100)
    action = models.CharField(max_length=50)
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "API audit entries"

    def __str__(self) -> str:
        return f"{self.action} by {self.key_name}"
