"""How the core meets the project's tenancy: three small hooks, chosen by settings.

- ``QBO_REQUEST_COMPANY(request) -> company | None``: the company a signed-in request works in;
- ``QBO_CAN_MANAGE(user, company) -> bool``: may this user connect and disconnect it;
- ``QBO_USER_COMPANIES(user) -> iterable of company pks`` (a queryset is best): which
  companies' rows a staff user who isn't a superuser sees in the admin.

The defaults suit a project whose company is the user (QBO_COMPANY_MODEL left at
AUTH_USER_MODEL) or that sets ``request.company`` in a middleware.
"""

from django.contrib.auth import get_user_model

from qbo.conf import qbo_settings


def request_company(request):
    """``request.company`` if a middleware set it; else the user, when the user is the tenant."""
    if hasattr(request, "company"):
        return request.company
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and company_model() is get_user_model():
        return user
    return None


def staff_can_manage(user, company) -> bool:
    """Staff may manage any company; a user may manage itself when it is the tenant."""
    return bool(user.is_staff or (company is not None and company.pk == user.pk))


def no_companies(user):
    """No company's rows for staff who aren't superusers (set QBO_USER_COMPANIES to share)."""
    return []


def company_model():
    from django.apps import apps

    return apps.get_model(qbo_settings.COMPANY_MODEL)


def company_of(request):
    return qbo_settings.hook("REQUEST_COMPANY")(request)


def can_manage(user, company) -> bool:
    return company is not None and bool(qbo_settings.hook("CAN_MANAGE")(user, company))


def user_company_ids(user):
    return qbo_settings.hook("USER_COMPANIES")(user)
