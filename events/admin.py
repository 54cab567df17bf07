from django import forms
from django.contrib import admin

from events.forms import PublicUrlMixin
from events.models import EventDelivery, WebhookEndpoint
from qbo.admin_base import CompanyScopedAdminMixin


class WebhookEndpointAdminForm(PublicUrlMixin, forms.ModelForm):
    """The settings page's rule here too: staff can't aim an endpoint inward either."""

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "event_types", "active"]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    form = WebhookEndpointAdminForm
    list_display = ["url", "company", "active", "created_at"]
    list_select_related = ["company"]
    # The signing secret is never shown.
    fields = ["company", "url", "description", "event_types", "active"]
    readonly_fields = ["company"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(CompanyScopedAdminMixin, admin.ModelAdmin):
    company_lookup = "endpoint__company"
    list_display = ["event", "endpoint", "status", "attempts", "last_status_code"]
    list_filter = ["status"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [f.name for f in EventDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
