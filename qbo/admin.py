"""The connections (tokens never shown) and what the sync did, for support: webhook events,
sync cursors and the QuickBooks call log. All read-only and scoped to the staff member's
companies.
"""

from django.contrib import admin
from django.db.models import Q
from django.template.defaultfilters import truncatechars

from qbo.admin_base import CompanyFilter, CompanyScopedAdminMixin, ReadOnlyCompanyAdmin
from qbo.models import QBOCall, QuickBooksConnection, SyncCursor, WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyCompanyAdmin):
    list_display = [
        "received_at",
        "status",
        "entity",
        "operation",
        "entity_id",
        "realm_id",
        "company",
        "processed_at",
    ]
    list_filter = ["status", "entity", "operation", ("company", CompanyFilter)]
    search_fields = ["=entity_id", "=realm_id", "=event_id"]
    search_help_text = "The entity's QuickBooks id, the realm id or the event id."
    list_select_related = ["company"]
    ordering = ["-received_at", "-id"]
    fields = [
        "event_id",
        "status",
        "company",
        "realm_id",
        "entity",
        "entity_id",
        "operation",
        "deleted_id",
        "occurred_at",
        "payload_format",
        "received_at",
        "queued_at",
        "processed_at",
    ]
    readonly_fields = fields


@admin.register(SyncCursor)
class SyncCursorAdmin(ReadOnlyCompanyAdmin):
    list_display = [
        "company",
        "entity",
        "state",
        "high_water",
        "progress",
        "last_success_at",
        "short_error",
        "last_error_at",
    ]
    list_filter = ["state", "entity", ("company", CompanyFilter)]
    list_select_related = ["company"]
    fields = [
        "company",
        "entity",
        "state",
        "high_water",
        "progress",
        "last_success_at",
        "last_run_rows",
        "last_error",
        "last_error_at",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description="import progress")
    def progress(self, cursor: SyncCursor) -> str:
        return f"{cursor.import_percent}% ({cursor.import_done:,} of {cursor.import_total:,})"

    @admin.display(description="last error")
    def short_error(self, cursor: SyncCursor) -> str:
        return truncatechars(cursor.last_error, 80)


class OutcomeFilter(admin.SimpleListFilter):
    """Fixed choices: a filter on the raw status codes would scan the whole log for them."""

    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("ok", "Succeeded (2xx)"), ("failed", "Failed or no response")]

    def queryset(self, request, queryset):
        succeeded = Q(status_code__gte=200, status_code__lt=300)
        if self.value() == "ok":
            return queryset.filter(succeeded)
        if self.value() == "failed":
            return queryset.exclude(succeeded)
        return queryset


@admin.register(QBOCall)
class QBOCallAdmin(ReadOnlyCompanyAdmin):
    list_display = [
        "created_at",
        "company",
        "method",
        "operation",
        "status_code",
        "duration_ms",
        "request_id",
        "intuit_tid",
        "short_error",
    ]
    list_filter = [OutcomeFilter, ("company", CompanyFilter)]
    search_fields = ["=intuit_tid", "=request_id", "operation"]
    search_help_text = "An intuit_tid or requestid (whole), or part of the operation."
    list_select_related = ["company"]
    # Newest first; the model's (company, -created_at) index serves a company's recent calls.
    ordering = ["-created_at", "-id"]
    fields = [
        "created_at",
        "company",
        "method",
        "operation",
        "status_code",
        "duration_ms",
        "request_id",
        "intuit_tid",
        "error",
    ]
    readonly_fields = fields

    @admin.display(description="error")
    def short_error(self, call: QBOCall) -> str:
        return truncatechars(call.error, 80)


@admin.register(QuickBooksConnection)
class QuickBooksConnectionAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    """Read-only: connecting happens on the settings page. Tokens are never shown."""

    list_display = [
        "company",
        "qbo_company_name",
        "realm_id",
        "environment",
        "status",
        "access_expires_at",
        "last_refreshed_at",
    ]
    list_filter = ["status", "environment"]
    # The company model is the project's (QBO_COMPANY_MODEL): search what this app owns.
    search_fields = ["qbo_company_name", "=realm_id"]
    list_select_related = ["company"]
    exclude = ["access_token_encrypted", "refresh_token_encrypted"]
    readonly_fields = [
        "company",
        "realm_id",
        "environment",
        "qbo_company_name",
        "country",
        "status",
        "access_expires_at",
        "refresh_expires_at",
        "refresh_hard_expires_at",
        "token_version",
        "connected_by",
        "connected_at",
        "last_refreshed_at",
        "last_error",
        "last_error_tid",
        "hard_expiry_warned_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False
