"""When pushes run: doorbells, one drain per company at a time, and the sweeper.

A Celery message only says "drain company N" (the order rows are the ledger). At most one
doorbell per company is normally queued (a bell key in the cache), so a backlog of thousands
of orders is a handful of messages, and another company's doorbell is never stuck behind
them. A drain holds the company's lock (short-lived, renewed as it goes) for a 30-second slice
of claims, then rings again if work remains. The sweeper re-rings for anything due and takes
back claims whose worker died, so lost messages and killed workers lose nothing.
"""

import logging
import time

from celery import current_app
from django.core.cache import cache
from django.utils import timezone

from invoicing import invoice_writes, push, references, settlement_writes, writes
from invoicing.models import Order
from qbo.client import open_client
from qbo.errors import RateLimited, ReconnectNeeded, Unavailable
from qbo.models import QuickBooksConnection

logger = logging.getLogger(__name__)

Status = Order.PushStatus
# The doorbell, by name: invoicing.tasks (which calls drain) is the one that imports this.
PUSH_TASK = "invoicing.tasks.push_company"
DRAIN_SLICE = 30.0
LOCKED_RETRY = 5.0
# Who applies each kind of OrderWrite (invoicing/writes.py runs them).
APPLIERS = {**invoice_writes.APPLY, **settlement_writes.APPLY}


def _bell_key(company_id: int) -> str:
    return f"qbo:push:bell:{company_id}"


def _lock_key(company_id: int) -> str:
    return f"qbo:push:lock:{company_id}"


def _lease_seconds() -> int:
    return int(push.claim_lease().total_seconds())


def ring(
    company_id: int, countdown: float = 0, *, force: bool = False, busy_retries: int = 0
) -> None:
    """Ask a worker to drain the company (normally at most one doorbell queued per company)."""
    added = cache.add(_bell_key(company_id), 1, timeout=_lease_seconds())
    if not (added or force or countdown):
        return  # a doorbell for this company is already queued
    try:
        current_app.send_task(PUSH_TASK, (company_id, busy_retries), countdown=countdown or None)
    except Exception:  # the broker is down: the row is the ledger and the sweeper re-rings
        cache.delete(_bell_key(company_id))
        logger.warning(
            "could not queue a push for company %s; the sweeper will", company_id, exc_info=True
        )


def drain(company_id: int, busy_retries: int = 0) -> None:
    """Push the company's due orders for one time slice (one drain per company at a time)."""
    lock = _lock_key(company_id)
    # The lock's TTL is short (a killed drain mustn't block its company for long); the drain
    # renews it as it goes. Should two drains ever overlap, the claims keep them apart.
    if not cache.add(lock, 1, timeout=_lease_seconds()):
        # Another drain is running. This doorbell stays rung (the bell key says one is
        # queued, so later rings are skipped): come back shortly rather than vanish, soon
        # at first (the running drain may be about to finish), then every few seconds.
        delay = min(LOCKED_RETRY, 0.25 * 2 ** min(busy_retries, 5))
        ring(company_id, countdown=delay, busy_retries=busy_retries + 1)
        return
    try:
        cache.delete(_bell_key(company_id))
        drain_slice(company_id)
    finally:
        cache.delete(lock)
    _schedule_next(company_id)


def drain_slice(company_id: int) -> None:
    """Claim and push due orders, then due writes to existing invoices, for up to
    DRAIN_SLICE seconds (the caller holds the lock)."""
    deadline = time.monotonic() + DRAIN_SLICE
    try:
        with open_client(company_id) as qb:
            ctx = references.load_context(qb, company_id)
            while time.monotonic() < deadline:
                cache.touch(_lock_key(company_id), _lease_seconds())
                if not (_push_orders(ctx) or _apply_writes(ctx)):
                    return
    except ReconnectNeeded as exc:  # a lost grant, or tokens that can't be decrypted
        parked = push.park_waiting(
            company_id, f"Waiting for QuickBooks to be reconnected: {exc.text}"
        )
        logger.info("company %s needs reconnecting; %s order(s) wait", company_id, parked)
    except (RateLimited, Unavailable) as exc:
        logger.info("company %s push deferred: %s", company_id, exc.text)


def _push_orders(ctx) -> bool:
    """One round of creates; False when none was due."""
    orders = push.claim_due(ctx.company_id, push.BATCH_SIZE)
    if not orders:
        return False
    try:
        push.push_claimed(ctx, orders)
    except (RateLimited, Unavailable) as exc:
        push.release_all(orders, exc)
        raise
    except push.LostClaim:
        # Another worker holds some of these now; hand back the ones still ours.
        push.release_all(orders, Unavailable("Another worker took over"))
        raise Unavailable("Another worker took over") from None
    writes.queue_auto_sends(ctx.company_id, [o.pk for o in orders])
    return True


def _apply_writes(ctx) -> bool:
    """One round of edits, voids, deletes and sends; False when none was due."""
    claimed = writes.claim_due(ctx.company_id)
    if not claimed:
        return False
    try:
        writes.apply_claimed(ctx, claimed, APPLIERS)
    except (RateLimited, Unavailable, ReconnectNeeded) as exc:
        writes.release_all(claimed, exc)
        raise
    except push.LostClaim:
        writes.release_all(claimed, Unavailable("Another worker took over"))
        raise Unavailable("Another worker took over") from None
    return True


def _schedule_next(company_id: int) -> None:
    """Ring again for what is due now, or at the next retry time if it is soon."""
    if push.due(company_id).exists() or writes.due(company_id).exists():
        # Work that arrived while we held the lock: its own rings found the bell set.
        ring(company_id, force=True)
        return
    upcoming = min(
        filter(
            None,
            [
                Order.objects.filter(company_id=company_id, push_status=Status.PENDING)
                .order_by("next_attempt_at")
                .values_list("next_attempt_at", flat=True)
                .first(),
                writes.next_due_at(company_id),
            ],
        ),
        default=None,
    )
    if upcoming:
        delay = (upcoming - timezone.now()).total_seconds()
        if delay <= 300:  # later ones are the sweeper's: a short countdown is safe on Redis
            ring(company_id, countdown=max(1.0, delay))


def on_connected(sender, *, company_id: int, **kwargs) -> None:
    """A company (re)connected QuickBooks (the core's signal): its waiting orders resume."""
    resume_waiting(company_id)


def resume_waiting(company_id: int) -> int:
    """After a reconnect: waiting orders go back to pending (their requestids unchanged)."""
    count = Order.objects.filter(company_id=company_id, push_status=Status.WAITING).update(
        push_status=Status.PENDING, next_attempt_at=None, last_error="", updated_at=timezone.now()
    )
    if count:
        ring(company_id)
    return count


def sweep() -> None:
    """The beat sweeper: reclaim lost leases, resume reconnected companies, ring for due work."""
    now = timezone.now()
    expired = Order.objects.filter(
        push_status=Status.IN_FLIGHT, claimed_at__lt=now - push.claim_lease()
    ).update(
        push_status=Status.PENDING,
        needs_lookup=True,  # the lost worker may have sent it
        claimed_at=None,
        next_attempt_at=None,
        updated_at=now,
    )
    if expired:
        logger.warning("sweeper reclaimed %s order(s) from lost workers", expired)
    if reclaimed := writes.reclaim_expired():
        logger.warning("sweeper reclaimed %s invoice write(s) from lost workers", reclaimed)
    connected = QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED
    ).values_list("company_id", flat=True)
    for company_id in (
        Order.objects.filter(push_status=Status.WAITING, company_id__in=connected)
        .values_list("company_id", flat=True)
        .distinct()
    ):
        resume_waiting(company_id)
    due = {*push.due().values_list("company_id", flat=True).distinct()}
    due |= {*writes.due().values_list("company_id", flat=True).distinct()}
    for company_id in sorted(due):
        ring(company_id)
