"""The mirror of each company's QuickBooks customers (QBO is the source of truth)."""

from django.db import models


class Customer(models.Model):
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="customers"
    )
    qbo_id = models.CharField("QuickBooks id", max_length=32)
    display_name = models.CharField(max_length=500)
    company_name = models.CharField(max_length=500, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    bill_line1 = models.CharField("billing address", max_length=500, blank=True)
    bill_city = models.CharField(max_length=255, blank=True)
    bill_region = models.CharField(max_length=255, blank=True)
    bill_postal_code = models.CharField(max_length=30, blank=True)
    bill_country = models.CharField(max_length=255, blank=True)
    balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    active = models.BooleanField(default=True)
    deleted_in_qbo = models.BooleanField(
        "deleted in QuickBooks", default=False, help_text="Deleted or merged away in QuickBooks."
    )
    merged_into_qbo_id = models.CharField(max_length=32, blank=True)
    sync_token = models.CharField(max_length=20, blank=True)
    qbo_created_at = models.DateTimeField(null=True, blank=True)
    qbo_updated_at = models.DateTimeField("updated in QuickBooks", null=True, blank=True)
    raw = models.JSONField("QuickBooks JSON", default=dict, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "qbo_id"], name="unique_customer_qbo_id"),
        ]
        indexes = [
            models.Index(fields=["company", "display_name"], name="customer_company_name"),
            models.Index(fields=["company", "email"], name="customer_company_email"),
        ]

    def __str__(self) -> str:
        return self.display_name
