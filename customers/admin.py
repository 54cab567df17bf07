"""The customers mirror in the admin: read-only (QuickBooks is the source of truth), searchable,
scoped to the staff member's companies, with a "Resync from QuickBooks" action."""

from django.contrib import admin

from customers.models import Customer
from qbo.admin_base import CompanyFilter, MirrorAdmin, open_in_quickbooks, quickbooks_url

DETAILS = [
    "company",
    "qbo_id",
    "display_name",
    "fully_qualified_name",
    "parent_qbo_id",
    "company_name",
    "given_name",
    "family_name",
    "email",
    "phone",
    "balance",
    "currency",
    "active",
    "deleted_in_qbo",
    "merged_into_qbo_id",
]
BILLING = ["bill_line1", "bill_city", "bill_region", "bill_postal_code", "bill_country"]
SHIPPING = ["ship_line1", "ship_city", "ship_region", "ship_postal_code", "ship_country"]
SYNC_STATE = ["sync_token", "qbo_created_at", "qbo_updated_at", "synced_at"]


DEFAULTS = ["default_class_name", "default_class_id"]


@admin.register(Customer)
class CustomerAdmin(MirrorAdmin):
    qbo_entity = "Customer"
    list_display = [
        "display_name",
        "company",
        "email",
        "phone",
        "balance",
        "active",
        "qbo_updated_at",
    ]
    list_filter = [("company", CompanyFilter), "active", "deleted_in_qbo"]
    # icontains on PostgreSQL is UPPER(col::text) LIKE UPPER(...): customers/migrations/0002
    # indexes exactly those expressions with trigrams. An id is looked up whole.
    search_fields = ["display_name", "company_name", "email", "phone", "=qbo_id"]
    search_help_text = "Display name, company name, email, phone, or the QuickBooks id."
    list_select_related = ["company"]
    # "id" makes the order total, so the admin doesn't append "-pk" (which no index has).
    ordering = ["display_name", "id"]
    fieldsets = [
        (None, {"fields": [*DETAILS, "quickbooks_page"]}),
        ("Billing address", {"fields": BILLING}),
        ("Shipping address", {"fields": SHIPPING}),
        ("Sync", {"fields": SYNC_STATE}),
        # qbsync's own, set on the customer page (from QuickBooks' active classes).
        ("Defaults for new orders", {"fields": DEFAULTS}),
        ("QuickBooks JSON", {"fields": ["raw_json"], "classes": ["collapse"]}),
    ]
    readonly_fields = [
        *DETAILS,
        *BILLING,
        *SHIPPING,
        *SYNC_STATE,
        *DEFAULTS,
        "quickbooks_page",
        "raw_json",
    ]

    @admin.display(description="QuickBooks")
    def quickbooks_page(self, customer: Customer) -> str:
        return open_in_quickbooks(
            quickbooks_url(
                customer.company,
                f"customerdetail?nameId={customer.qbo_id}",
                f"customers/{customer.qbo_id}",
            )
        )
