"""The push service: pending orders become QBO invoices, exactly once, whatever fails.

The order row is the ledger (DESIGN.md invariants 1 and 2):
- A drain claims due orders atomically (pending → in_flight, with claimed_at as a lease and
  fencing token), so two workers never push the same order.
- Every order's requestid is derived from it and stored before the first attempt, and is
  reused on every retry; QBO replays the first response for a repeated requestid.
- An order that was attempted before (an ambiguous failure: timeout, dropped connection,
  killed worker) is first looked up in QBO by the marker in its PrivateNote.
- Transient failures go back to pending with a jittered backoff (or Retry-After); QBO's
  validation faults fail the order with QBO's words; a lost grant parks the company's orders
  as waiting until it reconnects.
- One drain per company at a time (a cache lock), in time slices, so one company's backlog
  can't starve another's; many orders go through the batch endpoint, 30 per request.
"""

import logging
import random
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import QuickBooksConnection
from accounts.vault import TokenDecryptError
from invoicing import references
from invoicing.models import Order
from invoicing.sync import TaxRule, has_marker, order_fields_from_invoice, order_to_invoice
from qbsync.client import open_client
from qbsync.errors import QuickBooksError, RateLimited, ReconnectNeeded, Rejected, Unavailable
from qbsync.qbojson import dumps, select

logger = logging.getLogger(__name__)

Status = Order.PushStatus
BATCH_SIZE = 30
BATCH_MIN = 3
DRAIN_SLICE = 30.0
LOCKED_RETRY = 5.0


class LostClaim(Exception):
    """Our lease on the order expired and someone else may be pushing it: stop."""


def claim_lease() -> timedelta:
    """How long a claim lasts without renewal: two bounded calls and a margin."""
    return timedelta(seconds=2 * (settings.QBO_CONNECT_TIMEOUT + settings.QBO_READ_TIMEOUT) + 20)


def request_id_for(order: Order) -> str:
    return references.derived_request_id(
        "invoice", order.company_id, order.pk, order.push_generation, order.created_at.isoformat()
    )


def backoff(attempts: int) -> float:
    """Exponential backoff with full jitter (the cap stays far below the visibility timeout)."""
    base, cap = settings.QBO_PUSH_BACKOFF_BASE, settings.QBO_PUSH_BACKOFF_CAP
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return max(min(1.0, base), random.uniform(0, ceiling))  # noqa: S311 - jitter, not security


# --- claiming and settling ------------------------------------------------------------------


def _due(company_id: int):
    now = timezone.now()
    return Order.objects.filter(company_id=company_id, push_status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def claim_due(company_id: int, limit: int) -> list[Order]:
    """Move up to `limit` due orders to in_flight and return them (skipping locked rows)."""
    with transaction.atomic():
        ids = list(
            _due(company_id)
            .select_for_update(skip_locked=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        now = timezone.now()
        for order in Order.objects.filter(pk__in=ids, push_status=Status.PENDING):
            order.push_status = Status.IN_FLIGHT
            order.claimed_at = now
            order.push_attempts += 1
            order.request_id = order.request_id or request_id_for(order)
            order.save(
                update_fields=[
                    "push_status",
                    "claimed_at",
                    "push_attempts",
                    "request_id",
                    "updated_at",
                ]
            )
    return list(
        Order.objects.filter(pk__in=ids, push_status=Status.IN_FLIGHT, claimed_at=now)
        .select_related("customer")
        .order_by("created_at", "pk")
    )


def _settle(order: Order, **fields) -> bool:
    """Write the outcome if our claim still holds (claimed_at is the fencing token)."""
    fields.setdefault("claimed_at", None)
    fields["updated_at"] = timezone.now()
    return bool(
        Order.objects.filter(
            pk=order.pk, push_status=Status.IN_FLIGHT, claimed_at=order.claimed_at
        ).update(**fields)
    )


def renew_claim(order: Order) -> None:
    """Extend our lease just before a write to QBO; raise LostClaim if it was taken."""
    now = timezone.now()
    if not Order.objects.filter(
        pk=order.pk, push_status=Status.IN_FLIGHT, claimed_at=order.claimed_at
    ).update(claimed_at=now):
        raise LostClaim(order.pk)
    order.claimed_at = now


def record_synced(order: Order, invoice: dict) -> None:
    fields = order_fields_from_invoice(invoice)
    updated = Order.objects.filter(
        pk=order.pk, push_status__in=[Status.IN_FLIGHT, Status.PENDING]
    ).update(
        push_status=Status.SYNCED,
        needs_lookup=False,
        claimed_at=None,
        next_attempt_at=None,
        last_error="",
        last_error_code="",
        last_error_tid="",
        synced_at=timezone.now(),
        updated_at=timezone.now(),
        **fields,
    )
    if updated:
        logger.info("order %s synced as invoice %s", order.pk, fields["qbo_invoice_id"])


def release(order: Order, exc: QuickBooksError, delay: float) -> None:
    """Back to pending, to be tried again after `delay` seconds.

    After a timeout, a dropped connection or a 5xx the invoice may exist in QBO: the next
    attempt looks for it first. A 429 (ours or Intuit's) means nothing was done.
    """
    _settle(
        order,
        push_status=Status.PENDING,
        needs_lookup=order.needs_lookup or isinstance(exc, Unavailable),
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=f"Will retry: {exc.text}"[:2000],
        last_error_code=exc.code[:20],
        last_error_tid=exc.intuit_tid[:100],
    )


def fail(order: Order, exc: QuickBooksError) -> None:
    """QuickBooks refused the invoice: stop and show the user QBO's words."""
    logger.info("order %s failed: %s (code %s)", order.pk, exc.text, exc.code)
    _settle(
        order,
        push_status=Status.FAILED,
        next_attempt_at=None,
        last_error=exc.text[:2000],
        last_error_code=exc.code[:20],
        last_error_tid=exc.intuit_tid[:100],
    )


def park_waiting(company_id: int, reason: str) -> int:
    """The company must reconnect: its in-flight and pending orders wait for that."""
    return Order.objects.filter(
        company_id=company_id, push_status__in=[Status.PENDING, Status.IN_FLIGHT]
    ).update(
        push_status=Status.WAITING,
        claimed_at=None,
        last_error=reason[:2000],
        updated_at=timezone.now(),
    )


def resume_waiting(company_id: int) -> int:
    """After a reconnect: waiting orders go back to pending (their requestids unchanged)."""
    count = Order.objects.filter(company_id=company_id, push_status=Status.WAITING).update(
        push_status=Status.PENDING, next_attempt_at=None, last_error="", updated_at=timezone.now()
    )
    if count:
        ring(company_id)
    return count


# --- pushing ----------------------------------------------------------------------------------


def _needs_lookup(order: Order) -> bool:
    return order.needs_lookup


def find_invoice(ctx: references.PushContext, order: Order) -> dict | None:
    """The invoice an earlier, ambiguous attempt may have created, found by our marker."""
    if ctx.custom_doc_number:
        sql = select("Invoice", {"DocNumber": order.number})
    elif order.customer_id and order.customer.qbo_id:
        where = {"CustomerRef": order.customer.qbo_id, "TxnDate": order.order_date.isoformat()}
        sql = select("Invoice", where, max_results=1000)
    else:
        return None  # the customer doesn't exist in QBO yet, so neither can the invoice
    return next((inv for inv in ctx.query(sql, "Invoice") if has_marker(inv, order)), None)


def preflight(ctx: references.PushContext, order: Order) -> None:
    """Problems we can name before asking QBO (a clearer message than QBO's Fault)."""
    if not ctx.us and not ctx.settings.tax_code_id:
        raise Rejected("Choose a tax code for invoice lines in Invoicing settings, then retry.")
    if not order.lines.exists():
        raise Rejected("The order has no lines.")


def build_invoice(ctx: references.PushContext, order: Order) -> dict:
    preflight(ctx, order)
    customer_id = references.ensure_customer(ctx, order)
    item_ids = references.ensure_items(ctx, order)
    return order_to_invoice(
        order,
        customer_id=customer_id,
        item_ids=item_ids,
        tax=TaxRule(us=ctx.us, tax_code_id=ctx.settings.tax_code_id),
        custom_doc_number=ctx.custom_doc_number,
        term_id=ctx.settings.term_id,
    )


class FailureStreak:
    """Transient failures in a row. One order's timeout shouldn't stop the others; a few in a
    row mean QBO is struggling, so the slice ends and everything waits for its backoff."""

    def __init__(self, limit: int = 3):
        self.limit = limit
        self.count = 0

    def succeeded(self) -> None:
        self.count = 0

    def failed(self, order: Order, exc: Unavailable) -> None:
        release(order, exc, backoff(order.push_attempts))
        self.count += 1
        if self.count >= self.limit:
            raise exc


def push_one(ctx: references.PushContext, order: Order, streak: FailureStreak) -> None:
    """Create one order's invoice. RateLimited/ReconnectNeeded go up to the drain."""
    try:
        if _needs_lookup(order) and (existing := find_invoice(ctx, order)):
            record_synced(order, existing)
            return
        payload = build_invoice(ctx, order)
        renew_claim(order)
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
        result = ctx.qb.create_object("Invoice", dumps(payload), request_id=order.request_id)
    except Rejected as exc:
        fail(order, exc)
        return
    except Unavailable as exc:
        streak.failed(order, exc)
        return
    record_synced(order, result["Invoice"])
    streak.succeeded()


def _batch_item_fault(item: dict) -> Rejected:
    errors = (item.get("Fault") or {}).get("Error") or [{}]
    first = errors[0]
    return Rejected(
        str(first.get("Message") or "QuickBooks rejected the invoice"),
        code=str(first.get("code") or ""),
        detail=str(first.get("Detail") or ""),
        element=str(first.get("element") or ""),
    )


def push_batch(ctx: references.PushContext, orders: list[Order], streak: FailureStreak) -> None:
    """Create up to 30 invoices in one batch request; each item succeeds or fails alone."""
    ready: dict[str, tuple[Order, dict]] = {}
    for order in orders:
        try:
            if _needs_lookup(order) and (existing := find_invoice(ctx, order)):
                record_synced(order, existing)
                continue
            # A bId per order (≤ 10 characters with a requestid): QBO keys its replay of a
            # batch item on requestid + bId.
            ready[f"o{order.pk}"[:10]] = (order, build_invoice(ctx, order))
            streak.succeeded()
        except Rejected as exc:
            fail(order, exc)
        except Unavailable as exc:
            streak.failed(order, exc)
    if not ready:
        return
    for order, _ in ready.values():
        renew_claim(order)
    body = {
        "BatchItemRequest": [
            {"bId": bid, "operation": "create", "Invoice": payload}
            for bid, (_, payload) in ready.items()
        ]
    }
    batch_id = references.derived_request_id(*(o.request_id for o, _ in ready.values()))[:36]
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/batch
    url = f"{ctx.qb.api_url}/company/{ctx.qb.company_id}/batch"
    result = ctx.qb.post(url, dumps(body), request_id=batch_id)
    for item in result.get("BatchItemResponse", []):
        order, _ = ready.pop(str(item.get("bId")), (None, None))
        if order is None:
            continue
        if "Invoice" in item:
            record_synced(order, item["Invoice"])
        else:
            fail(order, _batch_item_fault(item))
    for order, _ in ready.values():  # no answer for these: treat as ambiguous
        release(order, Unavailable("QuickBooks did not answer for this invoice"), backoff(1))


def _push_claimed(ctx: references.PushContext, orders: list[Order]) -> None:
    streak = FailureStreak()
    if len(orders) >= BATCH_MIN:
        try:
            push_batch(ctx, orders, streak)
            return
        except Rejected as exc:
            logger.warning("batch rejected as a whole (%s); pushing one by one", exc.text)
    for order in orders:
        push_one(ctx, order, streak)


def _release_unsettled(orders: list[Order], exc: QuickBooksError) -> None:
    for order in orders:
        delay = exc.retry_after if isinstance(exc, RateLimited) else backoff(order.push_attempts)
        if isinstance(exc, RateLimited):
            delay += random.uniform(0, 2)  # noqa: S311 - jitter
        release(order, exc, delay)


def drain(company_id: int, busy_retries: int = 0) -> None:
    """Push the company's due orders for one time slice (one drain per company at a time)."""
    lock = _lock_key(company_id)
    # The lock's TTL is short (a killed drain mustn't block its company for long); the drain
    # renews it as it goes. Should two drains ever overlap, the claims keep them apart.
    if not cache.add(lock, uuid.uuid4().hex, timeout=_lease_seconds()):
        # Another drain is running. This doorbell stays rung (the bell key says one is
        # queued, so later rings are skipped): come back shortly rather than vanish, soon
        # at first (the running drain may be about to finish), then every few seconds.
        delay = min(LOCKED_RETRY, 0.25 * 2**busy_retries)
        ring(company_id, countdown=delay, busy_retries=busy_retries + 1)
        return
    try:
        cache.delete(_bell_key(company_id))
        _drain_locked(company_id)
    finally:
        cache.delete(lock)
    _schedule_next(company_id)


def _drain_locked(company_id: int) -> None:
    deadline = time.monotonic() + DRAIN_SLICE
    try:
        with open_client(company_id) as qb:
            ctx = references.load_context(qb, company_id)
            while time.monotonic() < deadline:
                cache.touch(_lock_key(company_id), _lease_seconds())
                orders = claim_due(company_id, BATCH_SIZE)
                if not orders:
                    return
                try:
                    _push_claimed(ctx, orders)
                except (RateLimited, Unavailable) as exc:
                    logger.info("company %s push paused: %s", company_id, exc.text)
                    _release_unsettled(orders, exc)
                    return
                except LostClaim:
                    # Another worker holds some of these now; hand back the ones still ours.
                    _release_unsettled(orders, Unavailable("Another worker took over"))
                    return
    except ReconnectNeeded as exc:
        parked = park_waiting(company_id, f"Waiting for QuickBooks to be reconnected: {exc.text}")
        logger.info("company %s needs reconnecting; %s order(s) wait", company_id, parked)
    except TokenDecryptError:
        logger.exception("company %s: stored QuickBooks tokens can't be decrypted", company_id)
        from accounts.tokens import mark_needs_reauth

        conn = QuickBooksConnection.objects.get(company_id=company_id)
        mark_needs_reauth(conn.pk, "The stored QuickBooks tokens could not be decrypted.")
        park_waiting(company_id, "Waiting for QuickBooks to be reconnected.")
    except (RateLimited, Unavailable) as exc:
        logger.info("company %s push deferred: %s", company_id, exc.text)


# --- doorbells ---------------------------------------------------------------------------------


def _bell_key(company_id: int) -> str:
    return f"qbo:push:bell:{company_id}"


def _lock_key(company_id: int) -> str:
    return f"qbo:push:lock:{company_id}"


def _lease_seconds() -> int:
    return int(claim_lease().total_seconds())


def ring(
    company_id: int, countdown: float = 0, *, force: bool = False, busy_retries: int = 0
) -> None:
    """Ask a worker to drain the company (normally at most one doorbell queued per company)."""
    from invoicing.tasks import push_company

    added = cache.add(_bell_key(company_id), 1, timeout=_lease_seconds())
    if not (added or force or countdown):
        return  # a doorbell for this company is already queued
    try:
        push_company.apply_async((company_id, busy_retries), countdown=countdown or None)
    except Exception:  # the broker is down: the row is the ledger and the sweeper re-rings
        cache.delete(_bell_key(company_id))
        logger.warning(
            "could not queue a push for company %s; the sweeper will", company_id, exc_info=True
        )


def _schedule_next(company_id: int) -> None:
    """Ring again for what is due now, or at the next retry time if it is soon."""
    if _due(company_id).exists():
        # Orders that arrived while we held the lock: their own rings found the bell set.
        ring(company_id, force=True)
        return
    upcoming = (
        Order.objects.filter(company_id=company_id, push_status=Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if upcoming:
        delay = (upcoming - timezone.now()).total_seconds()
        if delay <= settings.QBO_PUSH_BACKOFF_CAP:
            ring(company_id, countdown=max(1.0, delay))


def sweep() -> None:
    """The beat sweeper: reclaim lost leases, resume reconnected companies, ring for due work."""
    now = timezone.now()
    expired = Order.objects.filter(
        push_status=Status.IN_FLIGHT, claimed_at__lt=now - claim_lease()
    ).update(
        push_status=Status.PENDING,
        needs_lookup=True,  # the lost worker may have sent it
        claimed_at=None,
        next_attempt_at=None,
        updated_at=now,
    )
    if expired:
        logger.warning("sweeper reclaimed %s order(s) from lost workers", expired)
    connected = QuickBooksConnection.objects.filter(
        status=QuickBooksConnection.Status.CONNECTED
    ).values_list("company_id", flat=True)
    for company_id in (
        Order.objects.filter(push_status=Status.WAITING, company_id__in=connected)
        .values_list("company_id", flat=True)
        .distinct()
    ):
        resume_waiting(company_id)
    due = Order.objects.filter(push_status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    for company_id in due.values_list("company_id", flat=True).distinct():
        ring(company_id)
