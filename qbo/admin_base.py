"""Admin bases for the apps that use the core: tenant scoping, read-only mirrors with their
raw QBO JSON and a "Resync from QuickBooks" action, a company filter and a capped count that
stay fast at 100,000 rows.

Staff who aren't superusers see the rows of the companies QBO_USER_COMPANIES gives them.
"""

import json
from collections import defaultdict

from django.contrib import admin, messages
from django.contrib.admin.utils import model_ngettext
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef, Q
from django.utils.html import format_html

from qbo import sync
from qbo.environments import app_url
from qbo.errors import QuickBooksError
from qbo.paginators import CappedPaginator
from qbo.tenancy import company_model, user_company_ids


class CompanyScopedAdminMixin:
    """Put before ModelAdmin: rows, foreign-key choices and object permissions by company.

    `company_lookup` is the path from the model to its company ("company" by default,
    e.g. "order__company" for a model without its own company column). Use
    `("company", admin.RelatedOnlyFieldListFilter)` in list_filter, so the sidebar doesn't
    list other tenants' names either.
    """

    company_lookup = "company"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.company_lookup}__in": user_company_ids(request.user)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            related = db_field.related_model
            if related is company_model():
                kwargs["queryset"] = related._default_manager.filter(
                    pk__in=user_company_ids(request.user)
                )
            elif any(field.name == "company" for field in related._meta.fields):
                # Customers, products...: another tenant's rows are never a valid choice.
                kwargs["queryset"] = related._default_manager.filter(
                    company__in=user_company_ids(request.user)
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def is_in_scope(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.is_in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.is_in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.is_in_scope(request, obj)


# One request re-reads at most this many rows: 10 QBO queries of 100 ids each.
RESYNC_LIMIT = 1000


def quickbooks_url(company, app_path: str, local_path: str) -> str:
    """The row's page in QuickBooks, by the company's connection environment ("" if none)."""
    try:
        connection = company.quickbooks_connection
    except ObjectDoesNotExist:
        return ""
    return app_url(
        connection.environment, connection.realm_id, app_path=app_path, local_path=local_path
    )


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
        companies = company_model()._default_manager.in_bulk(by_company)
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
