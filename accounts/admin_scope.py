"""Tenancy for the admin: which companies a staff member sees (the QBO_USER_COMPANIES hook),
and rows that span companies, for superusers only."""

from django.db.models import QuerySet

from accounts.models import Membership


def user_company_ids(user) -> QuerySet:
    """The ids of the companies a user is a member of, as a subquery."""
    return Membership.objects.filter(user=user).values("company_id")


class SuperuserOnlyAdminMixin:
    """Put before ModelAdmin for rows that span companies (users, companies, memberships):
    only superusers see them, whatever model permissions a staff user has been given."""

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
