"""Telling a company's owners and admins about their QuickBooks connection (the core's
connection signals, received here)."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse

from accounts.models import Membership
from qbo.models import QuickBooksConnection
from qbo.signals import connection_expiring, connection_needs_reconnect

logger = logging.getLogger(__name__)


def site_link(path: str) -> str:
    """An absolute link for an email: on SITE_URL, never on the request's Host header."""
    return settings.SITE_URL.rstrip("/") + path


def _managers_emails(company_id: int) -> list[str]:
    return list(
        Membership.objects.filter(
            company_id=company_id,
            role__in=[Membership.Role.OWNER, Membership.Role.ADMIN],
            user__is_active=True,
        ).values_list("user__email", flat=True)
    )


def _send(company_id: int, subject: str, body: str) -> None:
    recipients = _managers_emails(company_id)
    if not recipients:
        return
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # the state change is what matters; the banner still shows
        logger.exception("could not email company %s about QuickBooks", company_id)


def notify_needs_reauth(company_id: int) -> None:
    """Email owners and admins: QuickBooks must be reconnected; syncing is paused."""
    conn = QuickBooksConnection.objects.select_related("company").get(company_id=company_id)
    path = site_link(reverse("qbo:settings"))
    _send(
        company_id,
        f"Reconnect QuickBooks for {conn.company.name}",
        f"QuickBooks stopped accepting qbsync's connection to {conn.qbo_company_name or 'your'} "
        f"company ({conn.last_error}).\n\nUntil someone reconnects, new orders wait and nothing "
        f"is synced. An owner or admin can reconnect on the QuickBooks settings page: {path}\n",
    )


def notify_hard_expiry(company_id: int) -> None:
    """Email owners and admins ahead of the refresh token's five-year hard expiry."""
    conn = QuickBooksConnection.objects.select_related("company").get(company_id=company_id)
    when = conn.refresh_hard_expires_at.date().isoformat()
    _send(
        company_id,
        f"QuickBooks connection for {conn.company.name} expires on {when}",
        f"Intuit ends every QuickBooks connection after five years. Yours ends on {when}. "
        "Reconnect QuickBooks on the settings page before then to keep syncing.\n",
    )


def _on_needs_reconnect(sender, *, company_id: int, **kwargs) -> None:
    notify_needs_reauth(company_id)


def _on_expiring(sender, *, company_id: int, **kwargs) -> None:
    notify_hard_expiry(company_id)


def connect_signals() -> None:
    connection_needs_reconnect.connect(_on_needs_reconnect, dispatch_uid="accounts.needs_reauth")
    connection_expiring.connect(_on_expiring, dispatch_uid="accounts.hard_expiry")
