"""{% api_history order as entries %}: what API keys did to an order (for the order page)."""

from django import template

from api.models import ApiAuditEntry

register = template.Library()


@register.simple_tag
def api_history(order) -> list[ApiAuditEntry]:
    return list(ApiAuditEntry.objects.filter(order=order, company_id=order.company_id))
