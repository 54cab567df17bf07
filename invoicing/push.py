"""The push service: pending orders become QBO invoices, exactly once, whatever fails.

The order row is the ledger (DESIGN.md invariants 1 and 2); invoicing/drains.py decides when
to run this, this module how:
- Due orders are claimed atomically (pending → in_flight, with claimed_at as a lease and
  fencing token), so two workers never push the same order.
- A single push sends the order's requestid, derived from it and stored before the first
  attempt and reused on every retry: QBO replays the first answer to a repeated requestid.
- After an attempt that may have reached QBO (timeout, dropped connection, 5xx, a worker
  that died holding the claim) the order is first looked up in QBO by the marker in its
  PrivateNote. That lookup is what protects batched orders, whose batch requestid depends on
  which orders share the batch.
- Transient failures go back to pending with a jittered backoff (or Retry-After); QBO's
  validation faults fail the order with QBO's words; a lost grant parks the company's orders
  as waiting until it reconnects.
"""

import logging
import random
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Prefetch, Q
from django.utils import timezone

from invoicing import references
from invoicing.models import Order, OrderLine
from invoicing.signals import announce, order_failed, order_synced
from invoicing.sync import (
    SHIPPING_ITEM_ID,
    Charges,
    TaxRule,
    has_marker,
    invoice_content,
    order_fields_from_invoice,
    order_to_invoice,
    order_to_sales_receipt,
)
from qbo.client import error_for, first_error
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError, RateLimited, Rejected, Unavailable
from qbo.idempotency import derived_request_id

logger = logging.getLogger(__name__)

Status = Order.PushStatus
BATCH_SIZE = 30
BATCH_MIN = 3
# An order that keeps hitting an unexpected error (a bug, not QBO) stops after this many.
MAX_UNEXPECTED_ATTEMPTS = 25


class LostClaim(Exception):
    """Our lease on the order expired and someone else may be pushing it: stop."""


def claim_lease() -> timedelta:
    """How long a claim lasts without renewal: two bounded calls and a margin."""
    return timedelta(seconds=2 * (qbo_settings.CONNECT_TIMEOUT + qbo_settings.READ_TIMEOUT) + 20)


def request_id_for(order: Order) -> str:
    kind = "salesreceipt" if order.is_sales_receipt else "invoice"
    return derived_request_id(
        kind, order.company_id, order.pk, order.push_generation, order.created_at.isoformat()
    )


def backoff(attempts: int) -> float:
    """Exponential backoff with full jitter (the cap stays far below the visibility timeout)."""
    base, cap = qbo_settings.PUSH_BACKOFF_BASE, qbo_settings.PUSH_BACKOFF_CAP
    ceiling = min(cap, base * 2 ** max(0, attempts - 1))
    return max(min(1.0, base), random.uniform(0, ceiling))  # noqa: S311 - jitter, not security


# --- claiming and settling ------------------------------------------------------------------


def due(company_id: int | None = None):
    """Pending orders whose retry time has come (of one company, or of all)."""
    now = timezone.now()
    orders = Order.objects.filter(push_status=Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    return orders if company_id is None else orders.filter(company_id=company_id)


def claim_due(company_id: int, limit: int) -> list[Order]:
    """Move up to `limit` due orders to in_flight and return them (skipping locked rows)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            due(company_id)
            .select_for_update(skip_locked=True)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        Order.objects.filter(pk__in=ids, push_status=Status.PENDING).update(
            push_status=Status.IN_FLIGHT,
            claimed_at=now,
            push_attempts=F("push_attempts") + 1,
            updated_at=now,
        )
        # The requestid is stored before the first attempt (and kept for every retry).
        for order in Order.objects.filter(pk__in=ids, request_id=""):
            order.request_id = request_id_for(order)
            order.save(update_fields=["request_id"])
    lines = Prefetch("lines", OrderLine.objects.select_related("product"))
    return list(
        Order.objects.filter(pk__in=ids, push_status=Status.IN_FLIGHT, claimed_at=now)
        .select_related("customer")
        .prefetch_related(lines)
        .order_by("created_at", "pk")
    )


def _ours(order: Order):
    """The order's row while our claim holds (claimed_at is the fencing token)."""
    return Order.objects.filter(
        pk=order.pk, push_status=Status.IN_FLIGHT, claimed_at=order.claimed_at
    )


def _settle(order: Order, **fields) -> bool:
    """Write the outcome if our claim still holds."""
    fields.setdefault("claimed_at", None)
    fields["updated_at"] = timezone.now()
    return bool(_ours(order).update(**fields))


def renew_claim(order: Order) -> None:
    """Extend our lease just before a write to QBO; raise LostClaim if it was taken."""
    now = timezone.now()
    if not _ours(order).update(claimed_at=now):
        raise LostClaim(order.pk)
    order.claimed_at = now


def record_synced(order: Order, invoice: dict) -> None:
    fields = order_fields_from_invoice(invoice)
    now = timezone.now()
    with transaction.atomic():  # the order's state and what is told of it commit together
        _record_synced(order, fields, now, invoice)


def _record_synced(order: Order, fields: dict, now, invoice: dict) -> None:
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
        synced_at=now,
        updated_at=now,
        # The invoice as we made it: later edits are based on it (invoicing/writes.py).
        qbo_base_token=fields["qbo_sync_token"],
        qbo_base=invoice_content(invoice),
        **fields,
    )
    if updated:
        logger.info("order %s synced as %s %s", order.pk, order.form_name, fields["qbo_invoice_id"])
        _announce(order_synced, order, invoice_id=fields["qbo_invoice_id"])


def _may_have_reached_qbo(exc: QuickBooksError) -> bool:
    # A 429 (ours or Intuit's) or a refused connection means nothing was done.
    return isinstance(exc, Unavailable) and (exc.maybe_committed or exc.status is not None)


def release(order: Order, exc: QuickBooksError, delay: float) -> None:
    """Back to pending, to be tried again after `delay` seconds (looking it up first if the
    attempt may have created the invoice).

    After a timeout or a dropped connection the request may still be running at Intuit and
    create the invoice later: a lookup before then would find nothing and the retry would
    make a second one (a batch's requestid, unlike an order's, changes with its contents).
    So such an order waits until the request can no longer commit.
    """
    if isinstance(exc, Unavailable) and exc.maybe_committed:
        delay = max(delay, qbo_settings.AMBIGUOUS_SETTLE)
    _settle(
        order,
        push_status=Status.PENDING,
        needs_lookup=order.needs_lookup or _may_have_reached_qbo(exc),
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=f"Will retry: {exc.text}"[:2000],
        last_error_code=exc.code[:20],
        last_error_tid=exc.intuit_tid[:100],
    )


def release_all(orders: list[Order], exc: QuickBooksError) -> None:
    """Hand back every order still ours after a failure that stops the slice."""
    for order in orders:
        delay = exc.retry_after if isinstance(exc, RateLimited) else backoff(order.push_attempts)
        if isinstance(exc, RateLimited):
            delay += random.uniform(0, 2)  # noqa: S311 - jitter
        release(order, exc, delay)


def fail(order: Order, exc: QuickBooksError) -> None:
    """QuickBooks refused the invoice: stop and show the user QBO's words."""
    logger.info("order %s failed: %s (code %s)", order.pk, exc.text, exc.code)
    with transaction.atomic():
        failed = _settle(
            order,
            push_status=Status.FAILED,
            next_attempt_at=None,
            last_error=exc.text[:2000],
            last_error_code=exc.code[:20],
            last_error_tid=exc.intuit_tid[:100],
        )
        if failed:
            details = {"error": exc.text, "code": exc.code, "intuit_tid": exc.intuit_tid}
            _announce(order_failed, order, **details)


def _announce(signal, order: Order, **details) -> None:
    announce(signal, Order, company_id=order.company_id, order_id=order.pk, **details)


def park_waiting(company_id: int, reason: str) -> int:
    """The company must reconnect: its in-flight and pending orders wait for that."""
    now = timezone.now()
    orders = Order.objects.filter(company_id=company_id)
    # An in-flight one may have been sent by a worker that died: look it up on resuming.
    in_flight = orders.filter(push_status=Status.IN_FLIGHT).update(
        push_status=Status.WAITING,
        needs_lookup=True,
        claimed_at=None,
        last_error=reason[:2000],
        updated_at=now,
    )
    pending = orders.filter(push_status=Status.PENDING).update(
        push_status=Status.WAITING, last_error=reason[:2000], updated_at=now
    )
    return in_flight + pending


# --- pushing ----------------------------------------------------------------------------------


def _invoices_where(ctx: references.PushContext, entity: str, where: dict) -> list[dict]:
    """Every invoice (or sales receipt) matching `where`, page by page (asked once per round
    of claims)."""
    key = repr((entity, sorted(where.items())))
    if key not in ctx.invoice_searches:
        ctx.invoice_searches[key] = ctx.qb.query_all(entity, where)
    return ctx.invoice_searches[key]


def find_invoice(ctx: references.PushContext, order: Order) -> dict | None:
    """The invoice (or sales receipt) an earlier, ambiguous attempt may have created, found
    by our marker.

    Looked for by customer and date — under the customer's mirrored id and, if QBO merged it
    away, the id it was merged into — and by DocNumber when the company numbers its own
    invoices (we sent the order number then; otherwise QBO numbered it).
    """
    searches = []
    customer = order.customer if order.customer_id else None
    for customer_id in filter(
        None, [customer and customer.qbo_id, customer and customer.merged_into_qbo_id]
    ):
        searches.append({"CustomerRef": customer_id, "TxnDate": order.order_date.isoformat()})
    if ctx.custom_doc_number or not searches:
        searches.append({"DocNumber": order.number})
    for where in searches:
        for invoice in _invoices_where(ctx, order.qbo_entity, where):
            if has_marker(invoice, order):
                return invoice
    return None


def _uncoded(order: Order) -> bool:
    """A line (or the shipping charge) that would go without a tax code of its own."""
    return bool(order.shipping) or any(not line.qbo_tax_code_id for line in order.lines.all())


def preflight(ctx: references.PushContext, order: Order) -> None:
    """Problems we can name before asking QBO (a clearer message than QBO's Fault)."""
    if not order.lines.all():
        raise Rejected("The order has no lines.")
    if order.is_sales_receipt and not order.deposit_account_id:
        raise Rejected("Choose the account the payment was deposited to, then retry.")
    # Outside the US every line needs a code (QBO refuses one without): its own or the settings'.
    if not ctx.us and not ctx.settings.tax_code_id and _uncoded(order):
        raise Rejected(
            "A line has no tax code: choose one on the line or its product, or a tax code "
            "for invoice lines in Invoicing settings, then retry."
        )
    customer = order.customer if order.customer_id else None
    if customer and customer.currency and order.currency != customer.currency:
        raise Rejected(
            f'QuickBooks invoices "{customer.display_name}" in {customer.currency} only, '
            f"and the order is in {order.currency}."
        )
    parent = None if order.customer_id else order.new_customer_parent
    parent_currency = (parent.currency or ctx.home_currency) if parent else ""
    if parent_currency and order.currency != parent_currency:
        raise Rejected(
            f'A sub-customer of "{parent.display_name}" is invoiced in its parent\'s currency, '
            f"{parent_currency}, and the order is in {order.currency}."
        )
    home = ctx.home_currency
    if home and order.currency != home and not ctx.multicurrency:
        raise Rejected(
            f"This QuickBooks company invoices only in {home} (multicurrency is off), "
            f"and the order is in {order.currency}."
        )
    if order.shipping and not ctx.allow_shipping and not ctx.settings.shipping_item_id:
        raise Rejected(NO_SHIPPING_FIELD)


NO_SHIPPING_FIELD = (
    "QuickBooks' sales forms have no shipping field: choose a shipping item in "
    "Invoicing settings (or turn shipping on in QuickBooks), then retry."
)


def charges_for(ctx: references.PushContext) -> Charges:
    settings = ctx.settings
    return Charges(
        shipping_item_id=SHIPPING_ITEM_ID if ctx.allow_shipping else settings.shipping_item_id,
        shipping_taxable=settings.shipping_taxable,
        apply_tax_after_discount=settings.apply_tax_after_discount,
    )


def build_invoice(ctx: references.PushContext, order: Order) -> dict:
    """The create payload of the order's form: the same lines, charges and tax either way."""
    preflight(ctx, order)
    customer_id = references.ensure_customer(ctx, order)
    item_ids = references.ensure_items(ctx, order)
    to_payload = order_to_sales_receipt if order.is_sales_receipt else order_to_invoice
    return to_payload(
        order,
        customer_id=customer_id,
        item_ids=item_ids,
        tax=TaxRule(us=ctx.us, tax_code_id=ctx.settings.tax_code_id),
        custom_doc_number=ctx.custom_doc_number,
        home_currency=ctx.home_currency,
        term_id=ctx.settings.term_id,
        charges=charges_for(ctx),
    )


class Attempts:
    """Per-order outcomes within a slice. One order's timeout or bug shouldn't stop the others;
    a few transient failures in a row mean QBO is struggling, so the slice ends."""

    def __init__(self, limit: int = 3):
        self.limit = limit
        self.transient_in_a_row = 0

    def succeeded(self) -> None:
        self.transient_in_a_row = 0

    def failed(self, order: Order, exc: Exception) -> None:
        """Sort one order's failure (call it from an except block): QuickBooks' refusal fails
        the order; a transient error or our own bug hands it back for later; what concerns
        the whole company (RateLimited, ReconnectNeeded, LostClaim) goes up to the drain."""
        if isinstance(exc, Rejected):
            fail(order, exc)
        elif isinstance(exc, Unavailable):
            self.unavailable(order, exc)
        elif isinstance(exc, QuickBooksError | LostClaim):
            raise exc
        else:
            self.crashed(order, exc)

    def unavailable(self, order: Order, exc: Unavailable) -> None:
        release(order, exc, backoff(order.push_attempts))
        self.transient_in_a_row += 1
        if self.transient_in_a_row >= self.limit:
            raise exc

    def crashed(self, order: Order, exc: Exception) -> None:
        """An error that isn't QuickBooks': log it, retry later, give up after many."""
        logger.exception("pushing order %s failed unexpectedly", order.pk)
        error = Unavailable(f"qbsync hit an internal error ({type(exc).__name__})")
        if order.push_attempts >= MAX_UNEXPECTED_ATTEMPTS:
            fail(order, Rejected(f"{error.message}; support has the details in the logs."))
        else:
            release(order, error, backoff(order.push_attempts))


def push_one(ctx: references.PushContext, order: Order, attempts: Attempts) -> None:
    """Create one order's invoice. RateLimited/ReconnectNeeded go up to the drain."""
    try:
        if order.needs_lookup and (existing := find_invoice(ctx, order)):
            record_synced(order, existing)
            return
        payload = build_invoice(ctx, order)
        renew_claim(order)
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
        # (and salesreceipt#create-a-salesreceipt for an order paid at checkout)
        invoice = ctx.qb.create(order.qbo_entity, payload, request_id=order.request_id)
    except Exception as exc:
        attempts.failed(order, exc)
        return
    record_synced(order, invoice)
    attempts.succeeded()


def _prepare_batch(ctx, orders: list[Order], attempts: Attempts) -> dict[str, tuple]:
    """Look up what may exist already and build the rest; {bId: (order, payload)}."""
    ready: dict[str, tuple[Order, dict]] = {}
    for order in orders:
        try:
            if order.needs_lookup and (existing := find_invoice(ctx, order)):
                record_synced(order, existing)
                continue
            # A bId per order (≤ 10 characters with a requestid).
            ready[f"o{order.pk}"[:10]] = (order, build_invoice(ctx, order))
            attempts.succeeded()
        except Exception as exc:
            attempts.failed(order, exc)
    return ready


def push_batch(ctx: references.PushContext, orders: list[Order], attempts: Attempts) -> None:
    """Create up to 30 invoices in one batch request; each item succeeds or fails alone."""
    ready = _prepare_batch(ctx, orders, attempts)
    if not ready:
        return
    for order, _ in ready.values():
        renew_claim(order)
    items = [
        {"bId": bid, "operation": "create", order.qbo_entity: payload}
        for bid, (order, payload) in ready.items()
    ]
    batch_id = derived_request_id(*(o.request_id for o, _ in ready.values()))
    for item in ctx.qb.batch(items, request_id=batch_id):
        order, _ = ready.pop(str(item.get("bId")), (None, None))
        if order is None:
            continue
        if order.qbo_entity in item:
            record_synced(order, item[order.qbo_entity])
            continue
        error = error_for(first_error(item.get("Fault") or {}), status=200)
        if isinstance(error, Rejected):
            fail(order, error)
        else:  # throttled or a system fault for this item only: try it again later
            release_all([order], error)
    for order, _ in ready.values():  # no answer for these: treat as ambiguous
        # The batch was answered (HTTP 200), so nothing can still commit: look up, no wait.
        unanswered = Unavailable("QuickBooks did not answer for this invoice", status=200)
        release(order, unanswered, backoff(1))


def push_claimed(ctx: references.PushContext, orders: list[Order]) -> None:
    """Push a claimed batch: through the batch endpoint when there are a few, else singly."""
    attempts = Attempts()
    ctx.invoice_searches.clear()
    if len(orders) >= BATCH_MIN:
        try:
            push_batch(ctx, orders, attempts)
            return
        except Rejected as exc:
            logger.warning("batch rejected as a whole (%s); pushing one by one", exc.text)
            orders = [o for o in orders if still_ours(o)]
    for order in orders:
        push_one(ctx, order, attempts)


def still_ours(order: Order) -> bool:
    return _ours(order).exists()
