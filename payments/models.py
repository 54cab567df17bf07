"""The mirror of each company's QuickBooks payments and what they paid."""

from django.db import models

from invoicing.models import MONEY


class Payment(models.Model):
    company = models.ForeignKey(
        "accounts.Company", on_delete=models.CASCADE, related_name="payments"
    )
    qbo_id = models.CharField("QuickBooks id", max_length=32)
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
    )
    customer_qbo_id = models.CharField(max_length=32, blank=True)
    customer_name = models.CharField(max_length=500, blank=True)
    txn_date = models.DateField(null=True, blank=True)
    total_amount = models.DecimalField(**MONEY, default=0)
    unapplied_amount = models.DecimalField(**MONEY, default=0)
    currency = models.CharField(max_length=3, blank=True)
    reference_number = models.CharField(max_length=100, blank=True)
    deleted_in_qbo = models.BooleanField("deleted in QuickBooks", default=False)
    sync_token = models.CharField(max_length=20, blank=True)
    qbo_created_at = models.DateTimeField(null=True, blank=True)
    qbo_updated_at = models.DateTimeField("updated in QuickBooks", null=True, blank=True)
    raw = models.JSONField("QuickBooks JSON", default=dict, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-txn_date", "-qbo_updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["company", "qbo_id"], name="unique_payment_qbo_id"),
        ]
        indexes = [
            models.Index(fields=["company", "-txn_date"], name="payment_company_date"),
            models.Index(fields=["company", "customer_qbo_id"], name="payment_company_customer"),
        ]

    def __str__(self) -> str:
        return f"Payment {self.qbo_id} ({self.total_amount} {self.currency})"


class PaymentApplication(models.Model):
    """Part of a payment applied to one invoice (a Payment Line with a LinkedTxn)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="applications")
    invoice_qbo_id = models.CharField(max_length=32)
    amount = models.DecimalField(**MONEY)
    # Of `amount`, what the payment's CreditMemo lines paid (payments/sync.py: applications).
    credit = models.DecimalField(**MONEY, default=0)
    order = models.ForeignKey(
        "invoicing.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payment_applications",
    )

    class Meta:
        ordering = ["payment", "id"]
        indexes = [models.Index(fields=["invoice_qbo_id"], name="application_invoice")]

    def __str__(self) -> str:
        return f"{self.amount} to invoice {self.invoice_qbo_id}"


class MoneyBack(models.Model):
    """A sales form that gives money back, mirrored from QuickBooks (CreditMemo, RefundReceipt).

    `order` is set only for ours, from the write marker in its PrivateNote: QBO has no field
    linking either to an invoice (QBO-TRANSACTIONS.md §5), so one made in QuickBooks belongs
    to its customer only."""

    company = models.ForeignKey("accounts.Company", on_delete=models.CASCADE, related_name="+")
    qbo_id = models.CharField("QuickBooks id", max_length=32)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer_qbo_id = models.CharField(max_length=32, blank=True)
    customer_name = models.CharField(max_length=500, blank=True)
    order = models.ForeignKey(
        "invoicing.Order", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    doc_number = models.CharField("number", max_length=21, blank=True)
    txn_date = models.DateField(null=True, blank=True)
    total_amount = models.DecimalField(**MONEY, default=0)
    currency = models.CharField(max_length=3, blank=True)
    private_note = models.TextField(blank=True)
    deleted_in_qbo = models.BooleanField("deleted in QuickBooks", default=False)
    sync_token = models.CharField(max_length=20, blank=True)
    qbo_created_at = models.DateTimeField(null=True, blank=True)
    qbo_updated_at = models.DateTimeField("updated in QuickBooks", null=True, blank=True)
    raw = models.JSONField("QuickBooks JSON", default=dict, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-txn_date", "-qbo_updated_at"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.qbo_id} ({self.total_amount} {self.currency})"


class CreditMemo(MoneyBack):
    """Credit owed to a customer; a Payment's CreditMemo line applies it to an invoice."""

    remaining_credit = models.DecimalField(**MONEY, default=0)

    class Meta(MoneyBack.Meta):
        verbose_name = "credit memo"
        constraints = [
            models.UniqueConstraint(fields=["company", "qbo_id"], name="unique_creditmemo_qbo_id"),
        ]
        indexes = [
            models.Index(fields=["company", "customer_qbo_id"], name="creditmemo_company_customer"),
        ]


class RefundReceipt(MoneyBack):
    """Money paid back to a customer."""

    class Meta(MoneyBack.Meta):
        verbose_name = "refund receipt"
        constraints = [
            models.UniqueConstraint(fields=["company", "qbo_id"], name="unique_refund_qbo_id"),
        ]
        indexes = [
            models.Index(fields=["company", "customer_qbo_id"], name="refund_company_customer"),
            models.Index(fields=["order"], name="refund_order"),
        ]
