"""Sync orchestration: pull customers, invoices and payments from QBO into the mirrors.

Per (company, entity) a SyncCursor holds a high-water mark: QBO's own clock when the last
successful pull began. The first pull is a full import (pages of 1,000, with progress).
After that, Change Data Capture from the high-water mark minus an overlap; when CDC returns
its cap of 1,000 objects for an entity, that entity is paged by LastUpdatedTime instead;
a cursor older than CDC's 30-day window means a full re-import. Each app's sync module turns
QBO objects (and CDC tombstones) into rows, in bulk. One sync per company at a time.

Reference: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/change-data-capture
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from customers import sync as customer_sync
from customers.models import Customer
from invoicing import sync as invoice_sync
from payments import sync as payment_sync
from qbsync.client import QBOClient, open_client
from qbsync.errors import QuickBooksError, Rejected, Unavailable
from qbsync.models import SyncCursor, WebhookEvent
from qbsync.qbojson import escape, parse_time, select

logger = logging.getLogger(__name__)

PAGE = 1000
OVERLAP = timedelta(minutes=5)
# CDC looks back at most 30 days; re-import a little before that to be safe.
CDC_HORIZON = timedelta(days=29)

# Entity → (applies a page of QBO objects and tombstones, marks the rest deleted after a full
# import, the WHERE that includes inactive names).
Handler = Callable[[int, list[dict]], int]
MarkMissing = Callable[[int, set[str], datetime], int]
ENTITIES: dict[str, tuple[Handler, MarkMissing, str]] = {
    "Customer": (
        customer_sync.apply_changes,
        customer_sync.mark_missing_deleted,
        " WHERE Active IN (true,false)",
    ),
    "Invoice": (invoice_sync.apply_invoice_changes, invoice_sync.mark_missing_deleted, ""),
    "Payment": (payment_sync.apply_changes, payment_sync.mark_missing_deleted, ""),
}


class SyncBusy(Exception):
    """Another sync for this company is running."""


def _qbo_time(response: dict) -> datetime:
    return parse_time(response.get("time")) or timezone.now()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _count(qb: QBOClient, entity: str, where: str) -> tuple[int, datetime]:
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/data-queries
    response = qb.query(f"{select(entity, count=True)}{where}")
    return int(response.get("QueryResponse", {}).get("totalCount", 0)), _qbo_time(response)


def full_import(qb: QBOClient, cursor: SyncCursor) -> int:
    """Every object of the entity, 1,000 per page, with progress; then unseen rows are deleted."""
    apply, mark_missing, where = ENTITIES[cursor.entity]
    total, started = _count(qb, cursor.entity, where)
    begun = timezone.now()
    cursor.state, cursor.import_total, cursor.import_done = SyncCursor.State.IMPORTING, total, 0
    cursor.save(update_fields=["state", "import_total", "import_done", "updated_at"])
    seen: set[str] = set()
    start = 1
    while True:
        sql = f"{select(cursor.entity)}{where} ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE}"
        objects = qb.query(sql).get("QueryResponse", {}).get(cursor.entity, [])
        apply(cursor.company_id, objects)
        seen.update(str(obj["Id"]) for obj in objects)
        cursor.import_done = len(seen)
        cursor.import_total = max(total, cursor.import_done)
        cursor.save(update_fields=["import_done", "import_total", "updated_at"])
        if len(objects) < PAGE:
            break
        start += PAGE
    mark_missing(cursor.company_id, seen, begun)
    cursor.high_water = started
    return len(seen)


def _changed_since(qb: QBOClient, entity: str, since: datetime) -> list[dict]:
    """Everything updated since a moment, paged (when CDC hit its 1,000-object cap)."""
    _, _, where = ENTITIES[entity]
    condition = f"MetaData.LastUpdatedTime >= '{_iso(since)}'"
    where = f"{where} AND {condition}" if where else f" WHERE {condition}"
    objects, start = [], 1
    while True:
        sql = (
            f"{select(entity)}{where} ORDERBY MetaData.LastUpdatedTime "
            f"STARTPOSITION {start} MAXRESULTS {PAGE}"
        )
        page = qb.query(sql).get("QueryResponse", {}).get(entity, [])
        objects.extend(page)
        if len(page) < PAGE:
            return objects
        start += PAGE


def incremental(qb: QBOClient, cursors: list[SyncCursor]) -> int:
    """One CDC call for the entities, from the oldest high-water mark minus the overlap."""
    since = min(c.high_water for c in cursors) - OVERLAP
    names = [c.entity for c in cursors]
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/changedatacapture
    response = qb.get(
        f"{qb.api_url}/company/{qb.company_id}/cdc",
        params={"entities": ",".join(names), "changedSince": _iso(since)},
    )
    changes: dict[str, list[dict]] = {name: [] for name in names}
    for block in (response.get("CDCResponse") or [{}])[0].get("QueryResponse") or []:
        for name in names:
            changes[name].extend(block.get(name) or [])
    # CDC stops at 1,000 objects (per entity, or per response: Intuit's pages say both). If
    # it may have stopped, apply its tombstones and page everything changed by time instead.
    truncated = sum(len(v) for v in changes.values()) >= PAGE
    rows = 0
    for cursor in cursors:
        objects = changes[cursor.entity]
        if truncated:
            tombstones = [o for o in objects if o.get("status") == "Deleted"]
            objects = tombstones + _changed_since(qb, cursor.entity, since)
        rows += ENTITIES[cursor.entity][0](cursor.company_id, objects)
        cursor.high_water = _qbo_time(response)
        cursor.last_run_rows = len(objects)
    return rows


def _cursors(company_id: int) -> list[SyncCursor]:
    for entity in ENTITIES:
        SyncCursor.objects.get_or_create(company_id=company_id, entity=entity)
    return list(SyncCursor.objects.filter(company_id=company_id, entity__in=ENTITIES))


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
    if not cache.add(lock, 1, timeout=settings.CELERY_TASK_TIME_LIMIT + 30):
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


def on_connected(company_id: int) -> None:
    """A company (re)connected QuickBooks: resume its waiting orders and pull its data."""
    from invoicing.drains import resume_waiting
    from qbsync.tasks import sync_company_task

    resume_waiting(company_id)
    try:
        sync_company_task.delay(company_id)
    except Exception:  # the broker is down; the scheduled catch-up will run it
        logger.warning("could not queue the first sync for company %s", company_id)


def apply_merges(company_id: int, *, received_before: datetime) -> int:
    """Webhook Merge events name the surviving customer; CDC only shows the deletion.

    Applied only where QBO itself confirms it (the merged-away customer is now deleted in
    the mirror and the survivor exists), so a Merge event alone can't redirect invoices.
    """
    merges = WebhookEvent.objects.filter(
        company_id=company_id,
        status=WebhookEvent.Status.PENDING,
        operation="Merge",
        entity="Customer",
        received_at__lte=received_before,
    ).exclude(deleted_id="")
    count = 0
    for event in merges:
        survivor = Customer.objects.filter(
            company_id=company_id, qbo_id=event.entity_id, deleted_in_qbo=False
        )
        if survivor.exists():
            count += Customer.objects.filter(
                company_id=company_id, qbo_id=event.deleted_id, deleted_in_qbo=True
            ).update(merged_into_qbo_id=event.entity_id)
    return count


def _settle_webhook_events(company_id: int, *, received_before: datetime) -> None:
    """Events say what changed, not how: once a sync has re-read QBO, record their merges
    and mark them processed."""
    apply_merges(company_id, received_before=received_before)
    WebhookEvent.objects.filter(
        company_id=company_id, status=WebhookEvent.Status.PENDING, received_at__lte=received_before
    ).update(status=WebhookEvent.Status.PROCESSED, processed_at=timezone.now())


def resync_objects(company_id: int, entity: str, qbo_ids: list[str]) -> int:
    """Re-read chosen objects from QBO now (the admin's "Resync from QuickBooks")."""
    apply, _, where = ENTITIES[entity]
    rows = 0
    with open_client(company_id) as qb:
        for start in range(0, len(qbo_ids), 100):
            chunk = [str(i) for i in qbo_ids[start : start + 100]]
            quoted = ",".join(f"'{escape(i)}'" for i in chunk)
            condition = f"Id IN ({quoted})"
            clause = f"{where} AND {condition}" if where else f" WHERE {condition}"
            found = qb.query(f"{select(entity)}{clause} MAXRESULTS 1000")
            objects = found.get("QueryResponse", {}).get(entity, [])
            present = {str(o["Id"]) for o in objects}
            # What QBO no longer returns was deleted there.
            objects += [{"Id": i, "status": "Deleted"} for i in chunk if i not in present]
            rows += apply(company_id, objects)
    return rows
