"""The company switcher's list: the signed-in user's memberships, one query per request."""

from django import template

from accounts.models import Membership

register = template.Library()


@register.simple_tag(takes_context=True)
def user_memberships(context) -> list[Membership]:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    if not hasattr(request, "_user_memberships"):
        request._user_memberships = list(
            Membership.objects.filter(user=request.user)
            .select_related("company")
            .order_by("company__name", "company_id")
        )
    return request._user_memberships
