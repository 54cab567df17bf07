"""Writes to an invoice that exists: edits, voids, deletes and sends, each exactly once.

An OrderWrite row is the ledger of one write (DESIGN.md invariants 1 and 2), as the order
row is of the create: its requestid is stored with it, before the first attempt, and reused
on every retry; a claim (in_flight + claimed_at as lease and fencing token) keeps two
workers apart. The company's drain runs due writes after its creates, through the same
client and throttle, and an order's writes go one at a time, in the order they were made.

Edits carry the SyncToken of the invoice as we last agreed on it (the order's base). A 5010
means it changed since: re-read once — our own revision already there is done; only the
token moved (a payment, an e-mail) is re-applied on the new token; anything else (lines,
amounts, customer) was someone's edit in QuickBooks and waits for a person's choice.
"""

import json
import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from invoicing import push, references
from invoicing.models import InvoicingSettings, Order, OrderLine, OrderWrite, Product
from invoicing.sync import (
    VOIDED_NOTE,
    TaxRule,
    content_lines,
    invoice_content,
    invoice_lines,
    order_fields_from_invoice,
)
from qbo.conf import qbo_settings
from qbo.errors import QuickBooksError, Rejected, StaleObject, Unavailable
from qbo.idempotency import derived_request_id
from qbo.models import QBOCall
from qbo.qbojson import dumps, parse_time

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


def _settle(write: OrderWrite, **fields) -> bool:
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
    _settle(
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
    _settle(
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
        if not _settle(
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
        Order.objects.filter(pk=write.order_id).update(updated_at=timezone.now(), **order_fields)


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


def apply_claimed(
    ctx: references.PushContext, writes: list[OrderWrite], appliers: dict | None = None
) -> None:
    """Apply claimed writes one by one; what concerns the whole company goes up to the drain.
    `appliers` adds kinds handled elsewhere (invoicing.settlement_writes)."""
    attempts = push.Attempts()
    apply = {**APPLY, **(appliers or {})}
    for write in writes:
        try:
            apply[write.kind](ctx, write)
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


def _send_with_request_id(write: OrderWrite, request_id: str) -> None:
    """A fresh attempt on a new SyncToken gets its own requestid, stored before it is sent."""
    if _ours(write).update(request_id=request_id):
        write.request_id = request_id


def update_lines(ctx: references.PushContext, write: OrderWrite) -> list[dict]:
    """The invoice lines of the write's revision (items found or created as for a create)."""
    products = Product.objects.in_bulk(
        [n["product"] for n in write.intent["lines"] if n["product"]]
    )
    lines = [
        OrderLine(
            product=products.get(n["product"]),
            description=n["description"],
            quantity=Decimal(n["quantity"]),
            unit_price=Decimal(n["unit_price"]),
            amount=Decimal(n["amount"]),
            taxable=n["taxable"],
        )
        for n in write.intent["lines"]
    ]
    items = [
        references.product_item_id(ctx, line.product)
        if line.product
        else references.default_item_id(ctx)
        for line in lines
    ]
    return invoice_lines(lines, items, TaxRule(us=ctx.us, tax_code_id=ctx.settings.tax_code_id))


def apply_update(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    payload = {"Id": order.qbo_invoice_id, "SyncToken": order.qbo_base_token}
    payload["Line"] = update_lines(ctx, write)
    OrderWrite.objects.filter(pk=write.pk).update(sent=as_json(payload))
    renew_claim(write)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#sparse-update-an-invoice
        invoice = ctx.qb.update("Invoice", payload, request_id=write.request_id)
    except StaleObject:
        current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        content = invoice_content(current)
        if content["lines"] == content_lines(payload["Line"]):
            invoice = current  # our own revision got there (an answer we lost)
        elif content == order.qbo_base:
            # Only the token moved (a payment applied, the invoice e-mailed): re-apply.
            Order.objects.filter(pk=order.pk).update(qbo_base_token=current["SyncToken"])
            payload["SyncToken"] = current["SyncToken"]
            _send_with_request_id(
                write, derived_request_id(write.request_id, "on", current["SyncToken"])
            )
            renew_claim(write)
            invoice = ctx.qb.update("Invoice", payload, request_id=write.request_id)
        else:
            conflict(write, current)
            return
    done(
        write,
        invoice,
        qbo_base_token=str(invoice.get("SyncToken", "")),
        qbo_base=invoice_content(invoice),
    )


def conflict(write: OrderWrite, current: dict) -> None:
    """Someone changed the invoice in QuickBooks since our last sync: nothing is overwritten."""
    version = {**invoice_content(current), "SyncToken": str(current.get("SyncToken", ""))}
    _settle(write, status=Status.CONFLICT, qbo_version=version, last_error="")
    logger.info("order write %s waits: invoice changed in QuickBooks", write.pk)


def is_voided(invoice: dict) -> bool:
    return (invoice.get("PrivateNote") or "").startswith(VOIDED_NOTE) and not Decimal(
        str(invoice.get("TotalAmt") or 0)
    )


def _paid_in_qbo(invoice: dict) -> bool:
    return Decimal(str(invoice.get("Balance") or 0)) < Decimal(str(invoice.get("TotalAmt") or 0))


def apply_void(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    token = order.qbo_sync_token
    OrderWrite.objects.filter(pk=write.pk).update(
        sent={"Id": order.qbo_invoice_id, "SyncToken": token, "operation": "void"}
    )
    renew_claim(write)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#void-an-invoice
        invoice = ctx.qb.void("Invoice", order.qbo_invoice_id, token, request_id=write.request_id)
    except Rejected:  # a stale token, or already voided (by us, an answer we lost)
        current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        if is_voided(current):
            invoice = current
        elif _paid_in_qbo(current):
            raise Rejected(
                "The invoice has a payment in QuickBooks: refund or credit it first."
            ) from None
        else:
            _send_with_request_id(
                write, derived_request_id(write.request_id, "on", current["SyncToken"])
            )
            renew_claim(write)
            invoice = ctx.qb.void(
                "Invoice", order.qbo_invoice_id, current["SyncToken"], request_id=write.request_id
            )
    done(write, invoice, qbo_state="voided")


def apply_delete(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    token = order.qbo_sync_token
    OrderWrite.objects.filter(pk=write.pk).update(
        sent={"Id": order.qbo_invoice_id, "SyncToken": token, "operation": "delete"}
    )
    renew_claim(write)
    try:
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#delete-an-invoice
        answer = ctx.qb.delete("Invoice", order.qbo_invoice_id, token, request_id=write.request_id)
    except Rejected:
        try:
            current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        except Rejected as exc:
            if exc.code != NOT_FOUND:
                raise
            answer = {"Id": order.qbo_invoice_id, "status": "Deleted"}  # ours got there
        else:
            if _paid_in_qbo(current):
                raise Rejected(
                    "The invoice has a payment in QuickBooks: refund or credit it first."
                ) from None
            _send_with_request_id(
                write, derived_request_id(write.request_id, "on", current["SyncToken"])
            )
            renew_claim(write)
            answer = ctx.qb.delete(
                "Invoice", order.qbo_invoice_id, current["SyncToken"], request_id=write.request_id
            )
    done(write, None, qbo_state="deleted")
    OrderWrite.objects.filter(pk=write.pk).update(answer=summary(answer))


def apply_send(ctx: references.PushContext, write: OrderWrite) -> None:
    order = write.order
    email = write.intent.get("email", "")
    OrderWrite.objects.filter(pk=write.pk).update(sent={"sendTo": email})
    if write.attempts > 1:
        # An earlier attempt may have sent it (and the requestid's answer be gone): look.
        current = ctx.qb.read("Invoice", order.qbo_invoice_id)
        if _sent_since(current, write):
            done(write, current)
            return
    renew_claim(write)
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#send-an-invoice
    invoice = ctx.qb.send(
        "Invoice", order.qbo_invoice_id, send_to=email, request_id=write.request_id
    )
    done(write, invoice)


def _sent_since(invoice: dict, write: OrderWrite) -> bool:
    delivered = (invoice.get("DeliveryInfo") or {}).get("DeliveryTime")
    if invoice.get("EmailStatus") != "EmailSent" or not delivered:
        return False
    moment = parse_time(delivered)
    return moment is not None and moment >= write.created_at - timedelta(seconds=1)


APPLY = {
    Kind.UPDATE: apply_update,
    Kind.VOID: apply_void,
    Kind.DELETE: apply_delete,
    Kind.SEND: apply_send,
}


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
