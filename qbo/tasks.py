"""Celery shims: sync a company, process its webhooks, keep connections alive, the schedules.

Arguments are ids, never tokens; every task is safe to run twice."""

import logging
from datetime import timedelta

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from qbo import sync, tokens, webhooks
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError
from qbo.models import QuickBooksConnection, WebhookDelivery
from qbo.signals import connection_expiring

logger = logging.getLogger(__name__)

WEBHOOK_DEBOUNCE = 2.0
BUSY_RETRY = 10.0
# Refresh tokens roll over 100 days; refresh idle connections well inside that window.
KEEP_ALIVE_AFTER = timedelta(days=30)
HARD_EXPIRY_WARNING = timedelta(days=30)
WARN_AGAIN_AFTER = timedelta(days=7)
# A kept delivery nobody has read after this long lost its doorbell: the sweeper reads it.
DELIVERY_LOST_AFTER = timedelta(seconds=60)
DELIVERY_KEPT_FOR = timedelta(days=7)


def _queued_key(company_id: int) -> str:
    return f"qbo:sync:queued:{company_id}"


def _mark_lapse() -> int:
    """How long a "sync already queued" mark holds if its message never runs (lost): a few
    catch-up intervals, so a lost message delays a company but never drops it."""
    return int(qbo_settings.SYNC_INTERVAL_MINUTES * 60 * 3)


@shared_task(name="qbo.tasks.sync_company")
def sync_company_task(company_id: int, full: bool = False) -> None:
    """Pull a company's changes from QBO (a full import the first time)."""
    cache.delete(_queued_key(company_id))
    try:
        sync.sync_company(company_id, full=full)
    except sync.SyncBusy:
        logger.info("sync for company %s already running", company_id)
    except QuickBooksError as exc:
        logger.warning("sync for company %s failed: %s", company_id, exc.text)


def _debounce_key(company_id: int) -> str:
    return f"qbo:webhook:soon:{company_id}"


def schedule_webhook_sync(company_id: int, countdown: float = WEBHOOK_DEBOUNCE) -> None:
    """Coalesce a burst of webhook deliveries into one sync a moment later.

    One waits per company until it starts (the mark is held until then, not a fixed minute:
    behind a backlog a minute's mark let duplicates pile up), and none is queued while the
    company's catch-up is still queued: that sync starts later and settles these events."""
    if cache.get(_queued_key(company_id)):
        return
    if not cache.add(_debounce_key(company_id), 1, timeout=_mark_lapse()):
        return
    try:
        process_webhook_events.apply_async((company_id,), countdown=countdown)
    except Exception:  # broker down: the scheduled catch-up repairs it
        cache.delete(_debounce_key(company_id))
        logger.warning("could not queue webhook processing for company %s", company_id)


@shared_task(name="qbo.tasks.process_webhook_events")
def process_webhook_events(company_id: int) -> None:
    """Process a company's stored webhook events (one debounced run for a burst)."""
    cache.delete(_debounce_key(company_id))
    try:
        sync.sync_company(company_id)  # settles the events it has read
    except sync.SyncBusy:
        # A sync is running; its CDC may predate these events, so come back after it.
        schedule_webhook_sync(company_id, countdown=BUSY_RETRY)
    except QuickBooksError as exc:
        logger.warning("webhook sync for company %s failed: %s", company_id, exc.text)


def queue_delivery(delivery_id: int) -> None:
    """Ring for a kept webhook delivery; if the broker is down the sweeper reads it."""
    try:
        process_webhook_delivery.delay(delivery_id)
    except Exception:
        logger.warning("could not queue webhook delivery %s; the sweeper will", delivery_id)


@shared_task(name="qbo.tasks.process_webhook_delivery")
def process_webhook_delivery(delivery_id: int) -> None:
    """Store a large delivery's events (kept by the receiver), then sync who they concern."""
    for company_id in webhooks.process_delivery(delivery_id):
        schedule_webhook_sync(company_id)


@shared_task(name="qbo.tasks.sweep_webhook_deliveries")
def sweep_webhook_deliveries() -> None:
    """Every minute: read kept deliveries whose doorbell was lost; forget old ones."""
    now = timezone.now()
    lost = WebhookDelivery.objects.filter(
        processed_at__isnull=True, received_at__lt=now - DELIVERY_LOST_AFTER
    ).values_list("pk", flat=True)
    for delivery_id in list(lost[:100]):
        # One message each: a delivery that fails can't stop the others (or this sweep).
        process_webhook_delivery.delay(delivery_id)
    WebhookDelivery.objects.filter(processed_at__lt=now - DELIVERY_KEPT_FOR).delete()


def _connected_companies():
    return QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED
    ).values_list("company_id", flat=True)


@shared_task(name="qbo.tasks.catch_up_all_companies")
def catch_up_all_companies() -> None:
    """Every N minutes: an incremental sync per connected company (skipping reconnects).

    A company whose sync from an earlier round is still waiting in the queue gets no second
    one: however far behind the workers fall, the pulls queue holds at most one catch-up per
    company (the scale run's first break: rounds slower than the interval piled up)."""
    for company_id in _connected_companies():
        if not cache.add(_queued_key(company_id), 1, timeout=_mark_lapse()):
            continue
        try:
            sync_company_task.delay(company_id)
        except Exception:
            cache.delete(_queued_key(company_id))
            raise


@shared_task(name="qbo.tasks.reconcile_all_companies")
def reconcile_all_companies() -> None:
    """Daily: a full import per connected company, which also finds deletions CDC missed."""
    for company_id in _connected_companies():
        sync_company_task.delay(company_id, full=True)


@shared_task(name="qbo.tasks.verify_connection")
def verify_connection(connection_id: int) -> None:
    """Check a connection still works (Intuit's Disconnect URL was called for its realm)."""
    try:
        tokens.refresh_tokens(connection_id, force=True)
    except QuickBooksError as exc:
        logger.info("connection %s failed verification: %s", connection_id, exc)


@shared_task(name="qbo.tasks.keep_connections_alive")
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
        conn.hard_expiry_warned_at = now
        conn.save(update_fields=["hard_expiry_warned_at", "updated_at"])
        connection_expiring.send_robust(
            QuickBooksConnection,
            company_id=conn.company_id,
            connection=conn,
            expires_at=conn.refresh_hard_expires_at,
        )
