"""Sync orchestration: pull each registered entity from QBO into the app that mirrors it.

Per (company, entity) a SyncCursor holds a high-water mark: QBO's own clock when the last
successful pull began. The first pull is a full import (pages of 1,000, with progress).
After that, Change Data Capture from the high-water mark minus an overlap; when CDC returns
its cap of 1,000 objects for an entity, that entity is paged by LastUpdatedTime instead;
a cursor older than CDC's 30-day window means a full re-import. The app that registered the
entity (qbo.registry) turns QBO objects (and CDC tombstones) into rows, in bulk. One sync
per company at a time.

Reference: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture
"""

import logging
import time
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.utils import timezone

from qbo.client import PAGE, QBOClient, open_client
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError, Rejected, Unavailable
from qbo.models import SyncCursor, WebhookEvent
from qbo.qbojson import one_of, since
from qbo.registry import SyncedEntity, synced_entities, synced_entity
from qbo.signals import entity_synced

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=5)
# CDC looks back at most 30 days; re-import a little before that to be safe.
CDC_HORIZON = timedelta(days=29)


class SyncBusy(Exception):
    """Another sync for this company is running."""


def _where(entity: SyncedEntity, *conditions: str) -> list[str]:
    return [entity.condition, *conditions]


def _apply(company_id: int, entity: SyncedEntity, objects: list[dict]) -> int:
    rows = entity.apply(company_id, objects)
    entity_synced.send(SyncCursor, company_id=company_id, entity=entity.name, rows=rows)
    return rows


def full_import(qb: QBOClient, cursor: SyncCursor) -> int:
    """Every object of the entity, 1,000 per page, with progress; then unseen rows are deleted."""
    entity = synced_entity(cursor.entity)
    begun = timezone.now()
    # The first page comes before any count: most companies' entities fit in one page, and
    # its answer carries QBO's clock (the high-water mark) as a count's would. Only a full
    # first page is counted, for the progress of a long import (the scale run's first round:
    # 8 calls a small company's first import became 4).
    first, started = qb.first_page(entity.name, _where(entity), order_by="Id")
    total = qb.count(entity.name, _where(entity))[0] if len(first) >= PAGE else len(first)
    cursor.state, cursor.import_total, cursor.import_done = SyncCursor.State.IMPORTING, total, 0
    cursor.save(update_fields=["state", "import_total", "import_done", "updated_at"])
    seen: set[str] = set()
    rows = 0
    # Two statements a page: the call log's row and the page's upsert; the progress is saved
    # at most every 5 s (IMPORT_PROGRESS_SECONDS; a page takes 0.1 to 1.5 s with QBO latency)
    # and after the last page.
    # Receivers of entity_synced hear once, after the last page (not once a page: each would
    # add its own statements to every page of a 100,000-row import).
    pages = qb.query_pages(entity.name, _where(entity), order_by="Id", first=first)
    progress = ["import_done", "import_total", "updated_at"]
    every, saved_at, unsaved = qbo_settings.IMPORT_PROGRESS_SECONDS, time.monotonic(), False
    for objects in pages:
        rows += entity.apply(cursor.company_id, objects)
        seen.update(str(obj["Id"]) for obj in objects)
        cursor.import_done = len(seen)
        cursor.import_total = max(total, cursor.import_done)
        unsaved = True
        if time.monotonic() - saved_at >= every:
            cursor.save(update_fields=progress)
            every, saved_at, unsaved = qbo_settings.IMPORT_PROGRESS_SECONDS, time.monotonic(), False
    if unsaved:
        cursor.save(update_fields=progress)
    entity_synced.send(SyncCursor, company_id=cursor.company_id, entity=entity.name, rows=rows)
    entity.mark_missing(cursor.company_id, seen, begun)
    cursor.high_water = started
    return len(seen)


def _changed_since(qb: QBOClient, entity: SyncedEntity, moment: datetime) -> list[dict]:
    """Everything updated since a moment, paged (when CDC hit its 1,000-object cap)."""
    where = _where(entity, since("MetaData.LastUpdatedTime", moment))
    return qb.query_all(entity.name, where, order_by="MetaData.LastUpdatedTime")


def incremental(qb: QBOClient, cursors: list[SyncCursor]) -> int:
    """One CDC call for the entities, from the oldest high-water mark minus the overlap."""
    moment = min(c.high_water for c in cursors) - OVERLAP
    changes, answered = qb.changes([c.entity for c in cursors], moment)
    # CDC stops at 1,000 objects (per entity, or per response: Intuit's pages say both). If
    # it may have stopped, apply its tombstones and page everything changed by time instead.
    truncated = sum(len(v) for v in changes.values()) >= PAGE
    rows = 0
    for cursor in cursors:
        entity = synced_entity(cursor.entity)
        objects = changes[cursor.entity]
        if truncated:
            tombstones = [o for o in objects if o.get("status") == "Deleted"]
            objects = tombstones + _changed_since(qb, entity, moment)
        rows += _apply(cursor.company_id, entity, objects)
        cursor.high_water = answered
        cursor.last_run_rows = len(objects)
    return rows


def _cursors(company_id: int) -> list[SyncCursor]:
    names = list(synced_entities())
    for name in names:
        SyncCursor.objects.get_or_create(company_id=company_id, entity=name)
    cursors = {c.entity: c for c in SyncCursor.objects.filter(company_id=company_id)}
    return [cursors[name] for name in names]  # in registration order


def _finish(cursor: SyncCursor, error: QuickBooksError | None = None) -> None:
    now = timezone.now()
    if error is None:
        cursor.state, cursor.last_success_at, cursor.last_error = SyncCursor.State.IDLE, now, ""
    else:
        cursor.state, cursor.last_error, cursor.last_error_at = (
            SyncCursor.State.ERROR,
            error.text[:2000],
            now,
        )
    cursor.save()


def sync_company(company_id: int, *, full: bool = False) -> int:
    """Pull what changed in QBO (everything, if full or first time). Returns rows applied.

    Webhook events received before it started are then settled: it has read what they
    announced, and it records their merges (whichever sync it is: webhook, catch-up or full).
    """
    lock = f"qbo:sync:lock:{company_id}"
    # No longer than the task may run: a killed sync must not block the company for long.
    if not cache.add(lock, 1, timeout=qbo_settings.SYNC_LOCK_SECONDS):
        raise SyncBusy(company_id)
    started = timezone.now()
    rows = 0
    cursors = _cursors(company_id)
    finished: list[SyncCursor] = []
    try:
        with open_client(company_id) as qb:
            horizon = timezone.now() - CDC_HORIZON
            stale = [c for c in cursors if full or not c.high_water or c.high_water < horizon]
            for cursor in stale:
                cursor.last_run_rows = full_import(qb, cursor)
                rows += cursor.last_run_rows
                _finish(cursor)
                finished.append(cursor)
            fresh = [c for c in cursors if c not in stale]
            if fresh:
                try:
                    rows += incremental(qb, fresh)
                except Rejected as exc:
                    # QBO refuses a changedSince beyond its window: start over with a full import.
                    logger.warning("CDC refused for company %s (%s): re-importing", company_id, exc)
                    for cursor in fresh:
                        cursor.last_run_rows = full_import(qb, cursor)
                        rows += cursor.last_run_rows
                for cursor in fresh:
                    _finish(cursor)
                    finished.append(cursor)
    except (QuickBooksError, SoftTimeLimitExceeded) as exc:
        error = (
            exc
            if isinstance(exc, QuickBooksError)
            else Unavailable(
                "The sync took longer than a task may run; it continues at the next one"
            )
        )
        for cursor in cursors:
            if cursor not in finished:
                _finish(cursor, error)
        raise
    finally:
        cache.delete(lock)
    logger.info("company %s synced: %s row(s)", company_id, rows)
    _settle_webhook_events(company_id, received_before=started)
    return rows


def apply_merges(company_id: int, *, received_before: datetime) -> int:
    """Webhook Merge events name the surviving object; CDC only shows the deletion. The app
    that syncs the entity records them (only where QBO itself confirms it, so a Merge event
    alone can't redirect anything)."""
    merges = WebhookEvent.objects.filter(
        company_id=company_id,
        status=WebhookEvent.Status.PENDING,
        operation="Merge",
        received_at__lte=received_before,
    ).exclude(deleted_id="")
    handlers = {name: e.record_merge for name, e in synced_entities().items() if e.record_merge}
    return sum(
        handlers[event.entity](company_id, event.deleted_id, event.entity_id)
        for event in merges
        if event.entity in handlers
    )


def _settle_webhook_events(company_id: int, *, received_before: datetime) -> None:
    """Events say what changed, not how: once a sync has re-read QBO, record their merges
    and mark them processed."""
    apply_merges(company_id, received_before=received_before)
    WebhookEvent.objects.filter(
        company_id=company_id, status=WebhookEvent.Status.PENDING, received_at__lte=received_before
    ).update(status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now())


def resync_objects(company_id: int, entity_name: str, qbo_ids: list[str]) -> int:
    """Re-read chosen objects from QBO now (the admin's "Resync from QuickBooks")."""
    entity = synced_entity(entity_name)
    rows = 0
    with open_client(company_id) as qb:
        for start in range(0, len(qbo_ids), 100):
            chunk = [str(i) for i in qbo_ids[start : start + 100]]
            objects = qb.query_page(entity.name, _where(entity, one_of("Id", chunk)))
            present = {str(o["Id"]) for o in objects}
            # What QBO no longer returns was deleted there.
            objects += [{"Id": i, "status": "Deleted"} for i in chunk if i not in present]
            rows += _apply(company_id, entity, objects)
    return rows
