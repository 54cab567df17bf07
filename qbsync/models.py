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
