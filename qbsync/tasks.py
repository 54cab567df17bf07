"""Celery shims for the pull side: sync a company, process its webhooks, the schedules."""

import logging

from celery import shared_task
from django.core.cache import cache

from accounts.models import QuickBooksConnection
from qbsync import sync
from qbsync.errors import QuickBooksError

logger = logging.getLogger(__name__)

WEBHOOK_DEBOUNCE = 2.0
BUSY_RETRY = 10.0


@shared_task(name="qbsync.tasks.sync_company")
def sync_company_task(company_id: int, full: bool = False) -> None:
    """Pull a company's changes from QBO (a full import the first time)."""
    try:
        sync.sync_company(company_id, full=full)
    except sync.SyncBusy:
        logger.info("sync for company %s already running", company_id)
    except QuickBooksError as exc:
        logger.warning("sync for company %s failed: %s", company_id, exc.text)


def _debounce_key(company_id: int) -> str:
    return f"qbo:webhook:soon:{company_id}"


def schedule_webhook_sync(company_id: int, countdown: float = WEBHOOK_DEBOUNCE) -> None:
    """Coalesce a burst of webhook deliveries into one sync a moment later."""
    if not cache.add(_debounce_key(company_id), 1, timeout=60):
        return
    try:
        process_webhook_events.apply_async((company_id,), countdown=countdown)
    except Exception:  # broker down: the scheduled catch-up repairs it
        cache.delete(_debounce_key(company_id))
        logger.warning("could not queue webhook processing for company %s", company_id)


@shared_task(name="qbsync.tasks.process_webhook_events")
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


def _connected_companies():
    return QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED
    ).values_list("company_id", flat=True)


@shared_task(name="qbsync.tasks.catch_up_all_companies")
def catch_up_all_companies() -> None:
    """Every N minutes: an incremental sync per connected company (skipping reconnects)."""
    for company_id in _connected_companies():
        sync_company_task.delay(company_id)


@shared_task(name="qbsync.tasks.reconcile_all_companies")
def reconcile_all_companies() -> None:
    """Daily: a full import per connected company, which also finds deletions CDC missed."""
    for company_id in _connected_companies():
        sync_company_task.delay(company_id, full=True)
