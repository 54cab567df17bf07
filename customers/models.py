"""The mirror of each company's QuickBooks customers (QBO is the source of truth)."""

from django.conf import settings
from django.db import models


class Customer(models.Model):
    # No index of its own: the unique (company, qbo_id) index serves lookups by company, and
    # each index is upkeep on every imported row (customers/migrations/0004).
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="customers", db_index=False
    )
    qbo_id = models.CharField("QuickBooks id", max_length=32)
    display_name = models.CharField(max_length=500)
    # "Parent:Job" for a sub-customer (job); the display name otherwise.
    fully_qualified_name = models.CharField(max_length=1000, blank=True)
    parent_qbo_id = models.CharField("parent customer id", max_length=32, blank=True)
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
    ship_line1 = models.CharField("shipping address", max_length=500, blank=True)
    ship_city = models.CharField(max_length=255, blank=True)
    ship_region = models.CharField(max_length=255, blank=True)
    ship_postal_code = models.CharField(max_length=30, blank=True)
    ship_country = models.CharField(max_length=255, blank=True)
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
    # qbsync's own default for this customer's orders (QBO's Customer has no class): set on
    # the customer page, never touched by the sync.
    default_class_id = models.CharField("default QuickBooks class id", max_length=32, blank=True)
    default_class_name = models.CharField("default class", max_length=500, blank=True)

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

    @property
    def full_name(self) -> str:
        """What pickers and lists show: "Parent:Job" for a sub-customer."""
        return self.fully_qualified_name or self.display_name

    @property
    def bill_with_parent(self) -> bool:
        """QuickBooks' BillWithParent for a sub-customer (kept in its JSON)."""
        return bool(self.parent_qbo_id and (self.raw or {}).get("BillWithParent"))


class CustomerWrite(models.Model):
    """A customer created in QuickBooks from a qbsync page, kept from before the first attempt:
    its requestid derives from the form's token, so a double click, a retry after a timeout or
    a second browser tab can't make a second customer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not confirmed by QuickBooks yet"
        DONE = "done", "Created in QuickBooks"

    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="customer_writes"
    )
    form_token = models.UUIDField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "form_token"], name="unique_customer_write_token"
            ),
        ]

    def __str__(self) -> str:
        return f"customer write {self.form_token} ({self.status})"
