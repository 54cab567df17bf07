"""qbsync's answers to the QuickBooks core's tenancy hooks (QBO_* in settings): a company's
owners and admins manage its connection; staff see their own companies' rows."""

from accounts.models import Membership


def can_manage_quickbooks(user, company) -> bool:
    """Owners and admins may connect, disconnect and sync their company's QuickBooks."""
    return Membership.objects.filter(
        user=user, company=company, role__in=[Membership.Role.OWNER, Membership.Role.ADMIN]
    ).exists()
