"""An order's later writes to QuickBooks, each exactly once: the ledger mechanics.

An OrderWrite row is the ledger of one write (DESIGN.md invariants 1 and 2), as the order
row is of the create: its requestid is stored with it, before the first attempt, and reused
on every retry; a claim (in_flight + claimed_at as lease and fencing token) keeps two
workers apart. The company's drain runs due writes after its creates, through the same
client and throttle, and an order's writes go one at a time, in the order they were made.
What each kind sends is in invoicing/invoice_writes.py (edit, void, delete, send) and
invoicing/settlement_writes.py (payment, credit, refund).
"""

import json
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from invoicing import push, references
from invoicing.models import InvoicingSettings, Order, OrderWrite
from invoicing.sync import announce_payment_status, order_fields_from_invoice
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError, Rejected, StaleObject, Unavailable
from qbo.idempotency import derived_request_id
from qbo.models import QBOCall
from qbo.qbojson import dumps

logger = logging.getLogger(__name__)

Status = OrderWrite.Status
Kind = OrderWrite.Kind
BATCH = 20
# Writes still to settle hold back the order's later ones (a failed one doesn't).
BLOCKING = (Status.PENDING, Status.IN_FLIGHT, Status.CONFLICT)
MAX_UNEXPECTED_ATTEMPTS = 25
NOT_FOUND = "610"


def new_request_id(order: Order, kind: str) -> str:
    """The requestid of the order's next write (call it holding the order's row lock)."""
    made = OrderWrite.objects.filter(order=order).count()
    return derived_request_id("order-write", order.company_id, order.pk, kind, made)


# --- claiming and settling ------------------------------------------------------------------


def due(company_id: int | None = None):
    """Pending writes whose time has come and whose order has nothing earlier unsettled."""
    earlier = OrderWrite.objects.filter(
        order=OuterRef("order"), pk__lt=OuterRef("pk"), status__in=BLOCKING
    )
    writes = (
        OrderWrite.objects.filter(status=Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
        .filter(~Exists(earlier), order__push_status=Order.PushStatus.SYNCED)
    )
    return writes if company_id is None else writes.filter(company_id=company_id)


def claim_due(company_id: int, limit: int = BATCH) -> list[OrderWrite]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            due(company_id)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        OrderWrite.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.IN_FLIGHT, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    claimed = OrderWrite.objects.filter(pk__in=ids, status=Status.IN_FLIGHT, claimed_at=now)
    return list(claimed.select_related("order").order_by("pk"))


def _ours(write: OrderWrite):
    return OrderWrite.objects.filter(
        pk=write.pk, status=Status.IN_FLIGHT, claimed_at=write.claimed_at
    )


def settle(write: OrderWrite, **fields) -> bool:
    fields.setdefault("claimed_at", None)
    fields["updated_at"] = timezone.now()
    return bool(_ours(write).update(**fields))


def renew_claim(write: OrderWrite) -> None:
    now = timezone.now()
    if not _ours(write).update(claimed_at=now):
        raise push.LostClaim(write.pk)
    write.claimed_at = now


def release(write: OrderWrite, exc: QuickBooksError, delay: float) -> None:
    """Back to pending; after a timeout only once Intuit can no longer commit the request."""
    if isinstance(exc, Unavailable) and exc.maybe_committed:
        delay = max(delay, qbo_settings.AMBIGUOUS_SETTLE)
    settle(
        write,
        status=Status.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=f"Will retry: {exc.text}"[:2000],
        last_error_code=exc.code[:20],
        last_error_tid=exc.intuit_tid[:100],
    )


def release_all(writes: list[OrderWrite], exc: QuickBooksError) -> None:
    for write in writes:
        release(write, exc, getattr(exc, "retry_after", 0) or push.backoff(write.attempts))


def fail(write: OrderWrite, exc: QuickBooksError) -> None:
    logger.info("order write %s failed: %s (code %s)", write.pk, exc.text, exc.code)
    settle(
        write,
        status=Status.FAILED,
        next_attempt_at=None,
        last_error=exc.text[:2000],
        last_error_code=exc.code[:20],
        last_error_tid=exc.intuit_tid[:100],
        finished_at=timezone.now(),
    )


def done(
    write: OrderWrite,
    invoice: dict | None,
    *,
    answer: dict | None = None,
    qbo_id: str = "",
    **order_fields,
) -> None:
    """The write reached QuickBooks: settle it and bring the order up to the invoice."""
    with transaction.atomic():
        if answer is None:
            answer = summary(invoice) if invoice else {}
        if not settle(
            write,
            status=Status.DONE,
            answer=answer,
            qbo_id=qbo_id[:32],
            last_error="",
            intuit_tid=_answer_tid(write),
            finished_at=timezone.now(),
        ):
            return
        if invoice and invoice.get("Id"):
            fields = order_fields_from_invoice(invoice)
            fields.pop("qbo_invoice_id")
            order_fields = {**fields, **order_fields}
        orders = Order.objects.filter(pk=write.order_id)
        before = orders.values_list("payment_status", flat=True).first()
        orders.update(updated_at=timezone.now(), **order_fields)
        status = order_fields.get("payment_status")
        if status and status != before:  # a payment or credit made in the app settled it
            announce_payment_status(write.company_id, write.order_id, status)


def _answer_tid(write: OrderWrite) -> str:
    """The intuit_tid of QuickBooks' answer, from the call log (kept with the requestid)."""
    calls = QBOCall.objects.filter(company_id=write.company_id, request_id=write.request_id)
    found = calls.exclude(intuit_tid="").order_by("-pk").values_list("intuit_tid", flat=True)
    return (found.first() or "")[:100]


def summary(invoice: dict) -> dict:
    keys = ("Id", "SyncToken", "DocNumber", "TotalAmt", "Balance", "EmailStatus", "status")
    found = {key: str(invoice[key]) for key in keys if key in invoice}
    if invoice.get("DeliveryInfo"):
        found["DeliveryTime"] = str(invoice["DeliveryInfo"].get("DeliveryTime") or "")
    return found


# --- applying -------------------------------------------------------------------------------


def apply_claimed(ctx: references.PushContext, writes: list[OrderWrite], appliers: dict) -> None:
    """Apply claimed writes one by one with `appliers` (kind → function: invoicing.invoice_writes
    and invoicing.settlement_writes); what concerns the whole company goes up to the drain."""
    attempts = push.Attempts()
    for write in writes:
        try:
            appliers[write.kind](ctx, write)
        except Exception as exc:
            _failed(write, exc, attempts)
        else:
            attempts.succeeded()


def _failed(write: OrderWrite, exc: Exception, attempts: push.Attempts) -> None:
    if isinstance(exc, StaleObject):  # moved again since our re-read: later, from the top
        release(write, exc, push.backoff(write.attempts))
    elif isinstance(exc, Rejected):
        fail(write, exc)
    elif isinstance(exc, Unavailable):
        release(write, exc, push.backoff(write.attempts))
        attempts.transient_in_a_row += 1
        if attempts.transient_in_a_row >= attempts.limit:
            raise exc
    elif isinstance(exc, QuickBooksError | push.LostClaim):
        raise exc
    else:
        logger.exception("order write %s failed unexpectedly", write.pk)
        error = Unavailable(f"qbsync hit an internal error ({type(exc).__name__})")
        if write.attempts >= MAX_UNEXPECTED_ATTEMPTS:
            fail(write, Rejected(f"{error.message}; support has the details in the logs."))
        else:
            release(write, error, push.backoff(write.attempts))


def as_json(payload: dict) -> dict:
    """A payload with its Decimals as strings, for a JSONField."""
    return json.loads(dumps(payload))


def default_email(order: Order) -> str:
    if order.bill_email:
        return order.bill_email
    if order.customer_id and order.customer.email:
        return order.customer.email
    return order.new_customer_email


def queue_auto_sends(company_id: int, order_ids: list[int]) -> int:
    """After creates: with "send automatically" on, each newly synced invoice is e-mailed once."""
    settings = InvoicingSettings.objects.filter(company_id=company_id).first()
    if settings is None or not settings.send_after_create:
        return 0
    queued = 0
    fresh = Order.objects.filter(
        pk__in=order_ids, push_status=Order.PushStatus.SYNCED, cancelled_at=None
    )
    for order in fresh.exclude(writes__kind=Kind.SEND).select_related("customer"):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            if order.writes.filter(kind=Kind.SEND).exists():
                continue
            OrderWrite.objects.create(
                company_id=company_id,
                order=order,
                kind=Kind.SEND,
                request_id=new_request_id(order, Kind.SEND),
                intent={"email": default_email(order), "auto": True},
            )
            queued += 1
    return queued


# --- the sweeper's part -----------------------------------------------------------------------


def send_with_request_id(write: OrderWrite, request_id: str) -> None:
    """A fresh attempt on a new SyncToken gets its own requestid, stored before it is sent."""
    if _ours(write).update(request_id=request_id):
        write.request_id = request_id


def reclaim_expired() -> int:
    """Writes whose worker died holding them go back to pending (retried with their requestid)."""
    now = timezone.now()
    return OrderWrite.objects.filter(
        status=Status.IN_FLIGHT, claimed_at__lt=now - push.claim_lease()
    ).update(status=Status.PENDING, claimed_at=None, next_attempt_at=None, updated_at=now)


def next_due_at(company_id: int):
    return (
        OrderWrite.objects.filter(company_id=company_id, status=Status.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
