"""Celery shims for the connection: keep-alive refreshes and verification."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from accounts import tokens
from accounts.models import QuickBooksConnection
from accounts.notifications import notify_hard_expiry
from qbsync.errors import QuickBooksError

logger = logging.getLogger(__name__)

# Refresh tokens roll over 100 days; refresh idle connections well inside that window.
KEEP_ALIVE_AFTER = timedelta(days=30)
HARD_EXPIRY_WARNING = timedelta(days=30)
WARN_AGAIN_AFTER = timedelta(days=7)


@shared_task(name="accounts.tasks.verify_connection")
def verify_connection(connection_id: int) -> None:
    """Check a connection still works (Intuit's Disconnect URL was called for its realm)."""
    try:
        tokens.refresh_tokens(connection_id, force=True)
    except QuickBooksError as exc:
        logger.info("connection %s failed verification: %s", connection_id, exc)


@shared_task(name="accounts.tasks.keep_connections_alive")
def keep_connections_alive() -> None:
    """Refresh idle connections before the 100-day window lapses; warn before the hard expiry."""
    now = timezone.now()
    live = QuickBooksConnection.objects.filter(status=QuickBooksConnection.Status.CONNECTED)
    for conn in live.filter(last_refreshed_at__lt=now - KEEP_ALIVE_AFTER).only("pk"):
        try:
            tokens.refresh_tokens(conn.pk, force=True)
        except QuickBooksError as exc:
            logger.warning("keep-alive refresh failed for connection %s: %s", conn.pk, exc)
    expiring = live.filter(refresh_hard_expires_at__lt=now + HARD_EXPIRY_WARNING).exclude(
        hard_expiry_warned_at__gt=now - WARN_AGAIN_AFTER
    )
    for conn in expiring:
        notify_hard_expiry(conn.company_id)
        conn.hard_expiry_warned_at = now
        conn.save(update_fields=["hard_expiry_warned_at", "updated_at"])
