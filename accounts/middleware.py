"""Which company the signed-in user is working in (one of their memberships)."""

from accounts import throttle
from accounts.models import Membership

SESSION_KEY = "current_company_id"


class CurrentCompanyMiddleware:
    """Sets request.membership and request.company from the session, or the first membership."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = None
        request.company = None
        if request.user.is_authenticated:
            memberships = Membership.objects.filter(user=request.user).select_related(
                "company", "company__quickbooks_connection"
            )
            chosen = request.session.get(SESSION_KEY)
            membership = (chosen and memberships.filter(company_id=chosen).first()) or (
                memberships.order_by("created_at", "id").first()
            )
            if membership:
                request.membership = membership
                request.company = membership.company
        return self.get_response(request)


class TooManyAttemptsMiddleware:
    """Answers a login the throttle refused (accounts.backends) with the 429 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if wait := getattr(request, "throttle_wait", 0):
            return throttle.too_many_attempts(request, wait)
        return response
