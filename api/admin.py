from django.contrib import admin

from api.models import ApiAuditEntry, ApiKey
from qbo.admin_base import CompanyScopedAdminMixin


@admin.register(ApiKey)
class ApiKeyAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "company", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["company"]
    # The digest is never shown; keys are made and revoked on the settings page.
    fields = ["company", "name", "prefix", "created_by", "created_at", "last_used_at"]
    fields += ["revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ApiAuditEntry)
class ApiAuditEntryAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "company", "order", "key_name", "action"]
    list_select_related = ["company", "order"]
    raw_id_fields = ["order", "api_key"]
    readonly_fields = ["company", "order", "api_key", "key_name", "action", "idempotency_key"]

    def has_add_permission(self, request) -> bool:
        return False
