"""The items mirror in the admin: read-only (QuickBooks is the source of truth), searchable,
scoped to the staff member's companies, with a "Resync from QuickBooks" action."""

from django.contrib import admin

from catalog.models import Item
from qbo.admin_base import CompanyFilter, MirrorAdmin, open_in_quickbooks, quickbooks_url

DETAILS = [
    "company",
    "qbo_id",
    "name",
    "fully_qualified_name",
    "sku",
    "type",
    "parent_qbo_id",
    "unit_price",
    "description",
    "taxable",
    "track_qty_on_hand",
    "qty_on_hand",
    "income_account_id",
    "income_account_name",
    "active",
    "deleted_in_qbo",
]
SYNC_STATE = ["sync_token", "qbo_created_at", "qbo_updated_at", "synced_at"]


@admin.register(Item)
class ItemAdmin(MirrorAdmin):
    qbo_entity = "Item"
    list_display = [
        "fully_qualified_name",
        "company",
        "sku",
        "type",
        "unit_price",
        "qty_on_hand",
        "active",
        "qbo_updated_at",
    ]
    list_filter = [("company", CompanyFilter), "type", "active", "deleted_in_qbo"]
    # icontains on PostgreSQL is UPPER(col::text) LIKE UPPER(...): catalog/migrations/0002
    # indexes exactly those expressions with trigrams. An id is looked up whole.
    search_fields = ["fully_qualified_name", "sku", "=qbo_id"]
    search_help_text = "Name (with its category), SKU, or the QuickBooks id."
    list_select_related = ["company"]
    # "id" makes the order total, so the admin doesn't append "-pk" (which no index has).
    ordering = ["fully_qualified_name", "id"]
    fieldsets = [
        (None, {"fields": [*DETAILS, "quickbooks_page"]}),
        ("Sync", {"fields": SYNC_STATE}),
        ("QuickBooks JSON", {"fields": ["raw_json"], "classes": ["collapse"]}),
    ]
    readonly_fields = [*DETAILS, *SYNC_STATE, "quickbooks_page", "raw_json"]

    @admin.display(description="QuickBooks")
    def quickbooks_page(self, item: Item) -> str:
        return open_in_quickbooks(
            quickbooks_url(item.company, f"items?itemId={item.qbo_id}", f"items/{item.qbo_id}")
        )
