"""The payments mirror in the admin: read-only, scoped, with what each payment paid."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from payments.models import CreditMemo, Payment, PaymentApplication, RefundReceipt
from qbo.admin_base import CompanyFilter, MirrorAdmin, open_in_quickbooks, quickbooks_url

DETAILS = [
    "company",
    "qbo_id",
    "customer",
    "customer_qbo_id",
    "customer_name",
    "txn_date",
    "total_amount",
    "unapplied_amount",
    "currency",
    "reference_number",
    "deleted_in_qbo",
]
SYNC_STATE = ["sync_token", "qbo_created_at", "qbo_updated_at", "synced_at"]


class PaymentApplicationInline(admin.TabularInline):
    model = PaymentApplication
    fields = ["invoice_qbo_id", "amount", "our_order"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Applications are part of their payment: whoever may see the payment sees them.
        payment_admin = self.admin_site.get_model_admin(self.parent_model)
        return payment_admin.has_view_permission(request, obj)

    @admin.display(description="order")
    def our_order(self, application: PaymentApplication) -> str:
        if application.order is None:
            return "Not one of our orders"
        url = reverse("admin:invoicing_order_change", args=[application.order_id])
        return format_html('<a href="{}">Order {}</a>', url, application.order.number)


@admin.register(Payment)
class PaymentAdmin(MirrorAdmin):
    qbo_entity = "Payment"
    list_display = [
        "qbo_id",
        "txn_date",
        "customer_name",
        "company",
        "total_amount",
        "unapplied_amount",
        "currency",
        "reference_number",
    ]
    list_filter = [("company", CompanyFilter), "deleted_in_qbo", "currency"]
    search_fields = ["=qbo_id", "reference_number", "customer_name"]
    search_help_text = "The QuickBooks id, the reference number or the customer's name."
    list_select_related = ["company"]
    fieldsets = [
        (None, {"fields": [*DETAILS, "quickbooks_page"]}),
        ("Sync", {"fields": SYNC_STATE}),
        ("QuickBooks JSON", {"fields": ["raw_json"], "classes": ["collapse"]}),
    ]
    readonly_fields = [*DETAILS, *SYNC_STATE, "quickbooks_page", "raw_json"]
    inlines = [PaymentApplicationInline]

    @admin.display(description="QuickBooks")
    def quickbooks_page(self, payment: Payment) -> str:
        # The local sandbox has no page per payment, only the company's list.
        url = quickbooks_url(payment.company, f"recvpayment?txnId={payment.qbo_id}", "payments")
        return open_in_quickbooks(url)


MONEY_BACK_DETAILS = [
    "company",
    "qbo_id",
    "doc_number",
    "customer",
    "customer_qbo_id",
    "customer_name",
    "order",
    "txn_date",
    "total_amount",
    "currency",
    "private_note",
    "deleted_in_qbo",
]


class MoneyBackAdmin(MirrorAdmin):
    """Credit memos and refund receipts: an order only for ours (the marker), else the
    customer's (QBO links neither to an invoice)."""

    list_display = ["qbo_id", "doc_number", "txn_date", "customer_name", "company", "total_amount"]
    list_filter = [("company", CompanyFilter), "deleted_in_qbo", "currency"]
    search_fields = ["=qbo_id", "doc_number", "customer_name"]
    search_help_text = "The QuickBooks id, the number or the customer's name."
    list_select_related = ["company"]
    raw_id_fields = ["customer", "order"]
    readonly_fields = [*MONEY_BACK_DETAILS, *SYNC_STATE, "raw_json"]

    def get_fieldsets(self, request, obj=None):
        extra = ["remaining_credit"] if self.model is CreditMemo else []
        return [
            (None, {"fields": [*MONEY_BACK_DETAILS, *extra]}),
            ("Sync", {"fields": SYNC_STATE}),
            ("QuickBooks JSON", {"fields": ["raw_json"], "classes": ["collapse"]}),
        ]


@admin.register(CreditMemo)
class CreditMemoAdmin(MoneyBackAdmin):
    qbo_entity = "CreditMemo"
    readonly_fields = [*MoneyBackAdmin.readonly_fields, "remaining_credit"]


@admin.register(RefundReceipt)
class RefundReceiptAdmin(MoneyBackAdmin):
    qbo_entity = "RefundReceipt"
