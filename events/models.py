"""Webhook endpoints, the events sent to them, and each delivery (the ledger of retries)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

EVENT_TYPES = [
    ("order.synced", "The order's invoice exists in QuickBooks"),
    ("order.failed", "QuickBooks refused the order's invoice"),
    ("order.paid", "The invoice is paid in full"),
    ("order.partially_paid", "Part of the invoice is paid"),
    ("invoice.voided", "The invoice was voided in QuickBooks"),
    ("connection.needs_reconnect", "QuickBooks needs reconnecting"),
]
TEST_EVENT = "endpoint.test"


class WebhookEndpoint(models.Model):
    """Where a company wants its events POSTed, signed with a secret of its own."""

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField("URL", max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # The event types it wants (EVENT_TYPES' names).
    event_types = models.JSONField(default=list)
    # Encrypted with the token vault's keys (qbo.vault): signing needs the secret itself.
    secret_encrypted = models.TextField(editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.active and event_type in self.event_types


class OutgoingEvent(models.Model):
    """Something that happened, as sent to endpoints (the same id on every delivery)."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=50)
    data = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class EventDelivery(models.Model):
    """One event to one endpoint: the row is the ledger, a Celery message only a doorbell."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Gave up"

    event = models.ForeignKey(OutgoingEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "event deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="unique_event_delivery"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="event_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
