"""The customers mirror in the admin: read-only (QuickBooks is the source of truth), searchable,
scoped to the staff member's companies, with a "Resync from QuickBooks" action."""

from django.contrib import admin
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal

from customers import search
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
    # What these name is searched as one text (customers.search, its one trigram index); an
    # id is looked up whole (UPPER(qbo_id) has its own index: customers/migrations/0002).
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

    def get_search_results(self, request, queryset, search_term):
        """Django's rules (every word must match, any field; quotes keep words together),
        with the four text fields matched as one (customers.search)."""
        queryset = queryset.alias(search_text=search.search_text())
        for bit in smart_split(search_term):
            if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
                bit = unescape_string_literal(bit)
            queryset = queryset.filter(Q(search_text__icontains=bit) | Q(qbo_id__iexact=bit))
        return queryset, False

    @admin.display(description="QuickBooks")
    def quickbooks_page(self, customer: Customer) -> str:
        return open_in_quickbooks(
            quickbooks_url(
                customer.company,
                f"customerdetail?nameId={customer.qbo_id}",
                f"customers/{customer.qbo_id}",
            )
        )
