from django.contrib import admin, messages

from invoicing import services
from invoicing.models import Order, OrderLine, OrderWrite, Product
from qbo.admin_base import CompanyFilter, CompanyScopedAdminMixin, ReadOnlyCompanyAdmin, pretty_json

ORDER_FIELDS = [
    "company",
    "number",
    "customer",
    "new_customer_name",
    "new_customer_email",
    "new_customer_parent",
    "new_customer_bill_with_parent",
    "order_date",
    "due_date",
    "memo",
    "currency",
    "subtotal",
    "total",
    "qbo_form",
    "payment_method_name",
    "deposit_account_name",
    "created_by",
    "created_at",
    "updated_at",
]
PUSH_STATE_FIELDS = [
    "push_status",
    "push_attempts",
    "next_attempt_at",
    "claimed_at",
    "request_id",
    "push_generation",
    "last_error",
    "last_error_code",
    "last_error_tid",
    "qbo_invoice_id",
    "qbo_doc_number",
    "qbo_sync_token",
    "qbo_total",
    "qbo_balance",
    "payment_status",
    "synced_at",
]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    fields = ["position", "product", "description", "quantity", "unit_price", "amount", "taxable"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        # Lines are part of their order: whoever may see the order sees its lines.
        order_admin = self.admin_site.get_model_admin(self.parent_model)
        return order_admin.has_view_permission(request, obj)


class OrderWriteInline(admin.TabularInline):
    """The order's writes to QuickBooks, each linking to its own read-only page."""

    model = OrderWrite
    fields = ["kind", "revision", "amount", "status", "attempts", "qbo_id", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "company",
        "customer_name",
        "total",
        "push_status",
        "payment_status",
        "qbo_doc_number",
        "created_at",
    ]
    list_filter = [
        ("company", admin.RelatedOnlyFieldListFilter),
        "qbo_form",
        "push_status",
        "payment_status",
    ]
    search_fields = ["number", "customer__display_name", "new_customer_name", "qbo_doc_number"]
    list_select_related = ["company", "customer"]
    fieldsets = [
        (None, {"fields": ORDER_FIELDS}),
        ("QuickBooks push", {"fields": PUSH_STATE_FIELDS}),
    ]
    # Read-only: orders are created (numbered, queued) in the app and QuickBooks keeps its
    # copy; an edit here would silently differ from the invoice.
    readonly_fields = [*ORDER_FIELDS, *PUSH_STATE_FIELDS]
    inlines = [OrderLineInline, OrderWriteInline]
    actions = ["push_again"]

    def has_add_permission(self, request):
        # Orders are created in the app, where they are numbered and queued for pushing.
        return False

    @admin.display(description="customer", ordering="customer__display_name")
    def customer_name(self, order: Order) -> str:
        return order.customer_name

    @admin.action(description="Push again (failed or waiting orders)", permissions=["change"])
    def push_again(self, request, queryset):
        retried = sum(services.retry_push(order) for order in queryset)
        skipped = queryset.count() - retried
        self.message_user(request, f"{retried} order(s) queued to push again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} order(s) skipped: only failed or waiting orders can be pushed again.",
                messages.WARNING,
            )


@admin.register(Product)
class ProductAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "company", "sku", "unit_price", "taxable", "active", "qbo_item_name"]
    list_filter = [("company", admin.RelatedOnlyFieldListFilter), "active", "taxable"]
    search_fields = ["name", "sku"]
    list_select_related = ["company"]
    # QuickBooks ids are picked on the product page, from the company's QuickBooks lists.
    readonly_fields = [
        "qbo_item_id",
        "qbo_item_name",
        "qbo_tax_code_id",
        "qbo_tax_code_name",
        "qbo_class_id",
        "qbo_class_name",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        # A product's orders stay with its company: moving it would leak them.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "company"] if obj else fields


WRITE_FIELDS = [
    "company",
    "order",
    "kind",
    "revision",
    "amount",
    "status",
    "attempts",
    "request_id",
    "qbo_id",
    "intuit_tid",
    "last_error",
    "last_error_code",
    "last_error_tid",
    "next_attempt_at",
    "claimed_at",
    "created_by",
    "created_at",
    "updated_at",
    "finished_at",
]
WRITE_JSON = ["intent_json", "sent_json", "answer_json", "qbo_version_json"]


@admin.register(OrderWrite)
class OrderWriteAdmin(ReadOnlyCompanyAdmin):
    """The ledger of each write after an invoice exists: read-only, as the drain keeps it.

    The JSON is what the person asked for, what was sent and QuickBooks' answer: business
    data only (tokens live in the vault, never in a write's row)."""

    list_display = ["order_number", "company", "kind", "revision", "amount", "status", "created_at"]
    list_filter = [("company", CompanyFilter), "kind", "status"]
    search_fields = ["order__number"]
    list_select_related = ["company", "order"]
    raw_id_fields = ["order"]
    fields = [*WRITE_FIELDS, *WRITE_JSON]
    readonly_fields = fields

    @admin.display(description="order", ordering="order__number")
    def order_number(self, write: OrderWrite) -> str:
        return write.order.number

    @admin.display(description="intent")
    def intent_json(self, write: OrderWrite) -> str:
        return pretty_json(write.intent)

    @admin.display(description="what was sent")
    def sent_json(self, write: OrderWrite) -> str:
        return pretty_json(write.sent)

    @admin.display(description="QuickBooks' answer")
    def answer_json(self, write: OrderWrite) -> str:
        return pretty_json(write.answer)

    @admin.display(description="QuickBooks' version (after a conflict)")
    def qbo_version_json(self, write: OrderWrite) -> str:
        return pretty_json(write.qbo_version)
