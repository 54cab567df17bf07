"""The customers mirror in the admin: read-only (QuickBooks is the source of truth), searchable,
scoped to the staff member's companies, with a "Resync from QuickBooks" action."""

import json
from collections import defaultdict

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q
from django.utils.html import format_html

from accounts.admin_scope import CompanyScopedAdminMixin, user_company_ids
from accounts.models import Company
from customers.models import Customer
from customers.paginators import CappedPaginator
from qbsync import sync
from qbsync.errors import QuickBooksError

# One request re-reads at most this many rows: 10 QBO queries of 100 ids each.
RESYNC_LIMIT = 1000

QUICKBOOKS_APP = {
    "production": "https://qbo.intuit.com/app",
    "sandbox": "https://app.sandbox.qbo.intuit.com/app",
}


def quickbooks_url(company, app_path: str, local_path: str) -> str:
    """The row's page in QuickBooks, by the company's connection environment ("" if none)."""
    try:
        connection = company.quickbooks_connection
    except ObjectDoesNotExist:
        return ""
    if connection.environment in QUICKBOOKS_APP:
        return f"{QUICKBOOKS_APP[connection.environment]}/{app_path}"
    base = settings.QBO_LOCAL_SANDBOX_PUBLIC_URL.rstrip("/")
    return f"{base}/ui/companies/{connection.realm_id}/{local_path}"


def open_in_quickbooks(url: str) -> str:
    if not url:
        return "Not connected to QuickBooks"
    return format_html('<a href="{}" target="_blank" rel="noopener">Open in QuickBooks</a>', url)


def pretty_json(data) -> str:
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, sort_keys=True))


class CompanyFilter(admin.RelatedOnlyFieldListFilter):
    """The companies that have rows here, among those the user may see.

    RelatedOnlyFieldListFilter asks for SELECT DISTINCT company_id over the whole table, a
    scan of every row; EXISTS per company stops at its first row in the company_id index.
    The user's companies are checked on the company itself: inside the EXISTS, PostgreSQL
    turns them into a join over every row again.
    """

    def field_choices(self, field, request, model_admin):
        rows = model_admin.model._default_manager.filter(**{self.field_path: OuterRef("pk")})
        choices = Q(Exists(rows))
        if not request.user.is_superuser:
            choices &= Q(pk__in=user_company_ids(request.user))
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, limit_choices_to=choices, ordering=ordering)


class ReadOnlyCompanyAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    """Rows the sync writes, never people: no adding, editing or deleting; a capped count."""

    paginator = CappedPaginator
    # The admin would otherwise COUNT(*) the whole table on every page.
    show_full_result_count = False
    # Counting 10,001 matches of a broad search tests every row's text until it gets there
    # (90,000 rows for a name one customer in nine has): searches count less far. People
    # refine a search rather than page through it.
    search_count_cap = 1_000

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        cap = self.search_count_cap if request.GET.get(SEARCH_VAR) else None
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, cap=cap)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MirrorAdmin(ReadOnlyCompanyAdmin):
    """A QuickBooks mirror: its raw QBO JSON and a resync action. Subclasses set `qbo_entity`."""

    qbo_entity = ""
    actions = ["resync_from_quickbooks"]

    def has_resync_permission(self, request) -> bool:
        # Re-reading QuickBooks changes nothing there: whoever may see the rows may refresh them.
        return self.has_view_permission(request)

    @admin.display(description="QuickBooks JSON")
    def raw_json(self, obj) -> str:
        return pretty_json(obj.raw)

    @admin.action(description="Resync from QuickBooks", permissions=["resync"])
    def resync_from_quickbooks(self, request, queryset):
        rows = list(queryset.values_list("company_id", "qbo_id")[: RESYNC_LIMIT + 1])
        if len(rows) > RESYNC_LIMIT:
            self.message_user(
                request, f"Choose at most {RESYNC_LIMIT:,} rows to resync at once.", messages.ERROR
            )
            return
        by_company = defaultdict(list)
        for company_id, qbo_id in rows:
            by_company[company_id].append(qbo_id)
        companies = Company.objects.in_bulk(by_company)
        for company_id, qbo_ids in by_company.items():
            company = companies[company_id]
            try:
                refreshed = sync.resync_objects(company_id, self.qbo_entity, qbo_ids)
            except QuickBooksError as error:
                tid = f" (intuit_tid {error.intuit_tid})" if error.intuit_tid else ""
                self.message_user(
                    request, f"{company}: QuickBooks said: {error.text}{tid}", messages.ERROR
                )
            else:
                what = f"{refreshed} {model_ngettext(self.opts, refreshed)}"
                self.message_user(
                    request, f"{company}: {what} refreshed from QuickBooks.", messages.SUCCESS
                )


DETAILS = [
    "company",
    "qbo_id",
    "display_name",
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
SYNC_STATE = ["sync_token", "qbo_created_at", "qbo_updated_at", "synced_at"]


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
        ("Sync", {"fields": SYNC_STATE}),
        ("QuickBooks JSON", {"fields": ["raw_json"], "classes": ["collapse"]}),
    ]
    readonly_fields = [*DETAILS, *BILLING, *SYNC_STATE, "quickbooks_page", "raw_json"]

    @admin.display(description="QuickBooks")
    def quickbooks_page(self, customer: Customer) -> str:
        return open_in_quickbooks(
            quickbooks_url(
                customer.company,
                f"customerdetail?nameId={customer.qbo_id}",
                f"customers/{customer.qbo_id}",
            )
        )
