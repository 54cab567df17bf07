"""An order's life after it is made: edit, cancel, send, and the choice after a conflict.

Each change is decided here, under the order's row lock, and becomes an OrderWrite (with
its requestid) in the same transaction when QuickBooks must hear of it; invoicing/writes.py
applies it. An order not yet sent to QuickBooks is simply changed before its first push.
"""

import logging
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from invoicing import dimensions, drains, services
from invoicing.dimensions import PSEUDO_TAX_CODES
from invoicing.edits import (
    LineChange,
    OrderChanges,
    changed_header,
    charges_intent,
    from_quickbooks,
    order_header,
    preview_charges,
    preview_header,
    same_charges,
    save_changes,
)
from invoicing.models import MAX_AMOUNT, Order, OrderLine, OrderWrite, Product
from invoicing.sync import LINE_REF_KEYS
from invoicing.writes import BLOCKING, new_request_id

logger = logging.getLogger(__name__)

Push = Order.PushStatus
Kind = OrderWrite.Kind
# Not yet in QuickBooks, and no attempt that may have reached it: changed locally.
LOCAL = (Push.PENDING, Push.FAILED, Push.WAITING)


# A synced sales receipt was paid at checkout: what edit and cancel say instead.
RECEIPT_NOT_EDITED = "A sales receipt is paid: refund instead of editing it."
RECEIPT_NOT_CANCELLED = "The sales receipt is paid: refund it first."


class Refused(Exception):
    """The order's state doesn't allow the change; the message says why, for the user."""


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _not_mid_push(order: Order) -> None:
    if order.push_status == Push.IN_FLIGHT or (order.push_status in LOCAL and order.needs_lookup):
        raise Refused("The order is being sent to QuickBooks right now. Try again in a moment.")


def _no_conflict(order: Order) -> None:
    if order.writes.filter(status=OrderWrite.Status.CONFLICT).exists():
        raise Refused("The invoice was changed in QuickBooks: choose which version to keep first.")


def _ring(company_id: int) -> None:
    transaction.on_commit(lambda: drains.ring(company_id))


def _write(order: Order, kind: str, by: User | None, **fields) -> OrderWrite:
    return OrderWrite.objects.create(
        company_id=order.company_id,
        order=order,
        kind=kind,
        request_id=new_request_id(order, kind),
        created_by=by,
        **fields,
    )


# --- edit -------------------------------------------------------------------------------------


def line_intent(line) -> dict:
    return {
        "product": line.product.pk if line.product else None,
        "description": line.description,
        "quantity": str(line.quantity),
        "unit_price": str(line.unit_price),
        "amount": str(line.amount),
        "taxable": line.taxable,
        "qbo_item_id": line.qbo_item_id,
        "tax_code_id": line.tax_code_id,
        "class_id": line.class_id,
        # Shown beside QuickBooks' version when the edit waits for a choice.
        "tax_code_name": line.tax_code_name,
        "class_name": line.class_name,
    }


def _tax_code(line) -> str:
    """A saved line's tax code (qbo_tax_code_id) or a new one's (tax_code_id)."""
    return getattr(line, "qbo_tax_code_id", None) or getattr(line, "tax_code_id", "")


def _class(line) -> str:
    return getattr(line, "qbo_class_id", None) or getattr(line, "class_id", "")


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def preview_edit(
    order: Order, lines: Sequence[services.NewLine], edit: OrderChanges | None = None
) -> list[LineChange]:
    """What QuickBooks will change, line by line, field by field, and the total."""
    edit = edit or OrderChanges.of(order)
    old = list(order.lines.select_related("product"))
    changes = []
    for n in range(max(len(old), len(lines))):
        before, after = (old[n] if n < len(old) else None), (lines[n] if n < len(lines) else None)
        name = str(after.product or after.description if after else before)[:60]
        if before is None:
            after_text = f"{_qty(after.quantity)} at {_fmt(after.unit_price)}"
            changes.append(LineChange(f"Line {n + 1} ({name})", "—", f"added: {after_text}"))
            continue
        if after is None:
            changes.append(LineChange(f"Line {n + 1} ({name})", str(before), "removed"))
            continue
        pairs = [
            ("item", str(before.product or before.description), name),
            ("quantity", _qty(before.quantity), _qty(after.quantity)),
            ("unit price", _fmt(before.unit_price), _fmt(after.unit_price)),
            ("tax code", before.qbo_tax_code_name, after.tax_code_name),
            ("class", before.qbo_class_name, after.class_name),
        ]
        for what, was, now in pairs:
            if was != now:
                changes.append(LineChange(f"Line {n + 1} {what}", was, now))
    discount, new_total = edit.money(sum((line.amount for line in lines), Decimal("0.00")))
    changes += preview_charges(order, edit, discount) + preview_header(order, edit)
    if new_total != order.total:
        changes.append(LineChange("Total", _fmt(order.total), _fmt(new_total)))
    return changes


def edit_order(
    order: Order,
    *,
    lines: Sequence[services.NewLine] | None,
    by: User | None,
    changes: OrderChanges | None = None,
) -> OrderWrite | None:
    """Replace the order's lines (and, given `changes`, its header and charges): locally
    before its first push, else as one sparse invoice update carrying the whole line set
    and the header fields that changed (an older edit not yet sent is replaced by this one).
    `lines` None: the lines as they are once the order is locked (an edit of the header or
    charges alone, which must not put back lines another edit just replaced)."""
    if lines is not None and not lines:
        raise Refused("An order needs at least one line.")
    if any(line.product and line.product.company_id != order.company_id for line in lines or ()):
        raise ValueError("A product belongs to another company")
    with transaction.atomic():
        order = _locked(order)
        if lines is None:
            lines = current_lines(order)
        subtotal = sum((line.amount for line in lines), Decimal("0.00"))
        if order.is_cancelled or order.push_status == Push.CANCELLED:
            raise Refused("The order is cancelled: it can't be edited.")
        _not_mid_push(order)
        _no_conflict(order)
        if order.is_sales_receipt and order.push_status == Push.SYNCED:
            # The customer paid this total at checkout: changing it is a refund, not an edit.
            raise Refused(RECEIPT_NOT_EDITED)
        # Lines alone (the API): the header and charges stay as they are.
        changes = OrderChanges.of(order) if changes is None else _complete(order, changes)
        discount, total = changes.money(subtotal)
        _check_money(order, subtotal, discount, total)
        header = changed_header(order, changes)
        line_set = not (_same_lines(order, lines) and same_charges(order, changes, discount))
        if not line_set and not header:
            return None  # nothing changed (or the same form submitted twice)
        _replace_lines(order, lines, subtotal, total, save_changes(order, changes, discount))
        if order.push_status != Push.SYNCED:
            return None
        # An older edit never tried is replaced by this one (its header changes with it);
        # one that was tried may have reached QuickBooks, so it settles first (its revision
        # is then our base).
        untried = order.writes.filter(
            kind=Kind.UPDATE, status=OrderWrite.Status.PENDING, attempts=0
        )
        for older in untried.order_by("pk"):
            header = {**older.intent.get("header", {}), **header}
            line_set = line_set or older.intent.get("line_set", True)
        untried.update(status=OrderWrite.Status.SUPERSEDED, finished_at=timezone.now())
        intent = {
            "lines": [line_intent(line) for line in lines],
            "charges": charges_intent(changes, discount),
            "header": header,
            # A header-only edit leaves QuickBooks' lines alone (Line is replaced whole).
            "line_set": line_set,
        }
        write = _write(order, Kind.UPDATE, by, revision=order.revision, intent=intent)
        _ring(order.company_id)
    logger.info("order %s revision %s queued for QuickBooks", order.pk, order.revision)
    return write


def current_lines(order: Order) -> list[services.NewLine]:
    """The order's lines as they are, as an edit's lines (its header or charges alone)."""
    return [
        services.NewLine(
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            taxable=line.taxable,
            qbo_item_id=line.qbo_item_id,
            class_id=line.qbo_class_id,
            class_name=line.qbo_class_name,
            tax_code_id=line.qbo_tax_code_id,
            tax_code_name=line.qbo_tax_code_name,
        )
        for line in order.lines.select_related("product").order_by("position", "pk")
    ]


def _complete(order: Order, changes: OrderChanges) -> OrderChanges:
    """An empty ship-to is the customer's, as on a new order; QuickBooks keeps a due date,
    a bill e-mail and a ship-to once the invoice has them (a sparse update can't clear them)."""
    if not changes.has_ship_to:
        changes = changes.with_ship_to(services.ship_to_from(order.customer))
    if changes.due_date and changes.due_date < changes.order_date:
        raise Refused("The due date can't be before the order date.")
    if min(changes.shipping, changes.tax or 0, changes.discount_amount or 0) < 0:
        raise Refused("Shipping, tax and discount can't be negative.")
    if order.push_status == Push.SYNCED:
        gone = [
            label
            for key, label in (("due_date", "due date"), ("bill_email", "bill e-mail"))
            if (order_header(order)[key] and not changes.header()[key])
        ]
        if not changes.has_ship_to and order_header(order)["ship_to"]:
            gone.append("ship-to")
        if gone:
            raise Refused(
                f"QuickBooks keeps the invoice's {' and '.join(gone)} once it has one: "
                "change it instead of removing it."
            )
    return changes


def _check_money(order: Order, subtotal: Decimal, discount: Decimal, total: Decimal) -> None:
    if discount > subtotal:
        raise Refused("The discount is more than the order's lines.")
    if total > MAX_AMOUNT:
        raise Refused("The order's total is more than an invoice can hold.")
    if total < order.amount_paid:
        raise Refused(
            f"The new total {_fmt(total)} is less than the {_fmt(order.amount_paid)} "
            "already paid. Credit or refund the difference instead."
        )


def _same_lines(order: Order, lines: Sequence) -> bool:
    def key(line) -> tuple:
        product = line.product.pk if line.product else None
        item, codes = line.qbo_item_id, (_tax_code(line), _class(line))
        return (
            product,
            line.description,
            line.quantity,
            line.unit_price,
            line.taxable,
            item,
            codes,
        )

    return [key(line) for line in order.lines.select_related("product")] == [
        key(line) for line in lines
    ]


def _replace_lines(
    order: Order, lines: Sequence, subtotal: Decimal, total: Decimal, also: Sequence[str] = ()
) -> None:
    order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            position=position,
            product=line.product,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            taxable=line.taxable,
            qbo_item_id=line.qbo_item_id,
            qbo_tax_code_id=line.tax_code_id,
            qbo_tax_code_name=line.tax_code_name,
            qbo_class_id=line.class_id,
            qbo_class_name=line.class_name,
        )
        for position, line in enumerate(lines, start=1)
    )
    order.revision += 1
    order.subtotal, order.total = subtotal, total
    order.save(update_fields=["revision", "subtotal", "total", "updated_at", *also])


# --- after a conflict -------------------------------------------------------------------------


def _line_from_quickbooks(line: dict, products: dict, names: dict) -> services.NewLine:
    """One of QuickBooks' sales lines as ours: its product when we sell that item, else the
    item; its tax code and class as QuickBooks holds them (TAX/NON, a US line's, is whether
    it is taxable). A version stored before the lines' codes were kept has none: the line
    takes its product's taxable flag and no code or class, as before."""
    product = products.get(line["item"]) if line["item"] else None
    taxable = product.taxable if product else True
    tax_code, class_ = ("", ""), ("", "")
    if code := line.get("tax_code_id") or "":
        if code in PSEUDO_TAX_CODES:
            taxable = code == "TAX"
        else:
            tax_code = (code, line.get("tax_code_name") or names["tax_codes"].get(code, ""))
    if class_id := line.get("class_id") or "":
        class_ = (class_id, line.get("class_name") or names["classes"].get(class_id, ""))
    return services.NewLine(
        product=product,
        description=line["description"],
        quantity=Decimal(line["quantity"] or "1"),
        unit_price=Decimal(line["unit_price"] or line["amount"] or "0"),
        taxable=taxable,
        qbo_item_id="" if product else line["item"],
        tax_code_id=tax_code[0][:32],
        tax_code_name=tax_code[1][:100],
        class_id=class_[0][:32],
        class_name=class_[1][:500],
    )


def _names(order: Order, products) -> dict:
    """Tax code and class names we know, for QuickBooks' refs that carry only an id: the
    company's lists (when cached), its products' defaults, the order's lines."""
    tax_codes, classes = {}, {}
    if dims := dimensions.cached(order.company_id):
        tax_codes.update(dims.tax_codes)
        classes.update(dims.classes)
    for row in [*products, *order.lines.all()]:
        if row.qbo_tax_code_id and row.qbo_tax_code_name:
            tax_codes.setdefault(row.qbo_tax_code_id, row.qbo_tax_code_name)
        if row.qbo_class_id and row.qbo_class_name:
            classes.setdefault(row.qbo_class_id, row.qbo_class_name)
    return {"tax_codes": tax_codes, "classes": classes}


def keep_quickbooks_version(write: OrderWrite, *, by: User | None) -> None:
    """The person chose QuickBooks' invoice: the order takes its lines; ours is dropped."""
    with transaction.atomic():
        order = _locked(write.order)
        write = OrderWrite.objects.select_for_update().get(pk=write.pk)
        if write.status != OrderWrite.Status.CONFLICT:
            raise Refused("That change was already settled.")
        version = write.qbo_version
        products = list(Product.objects.filter(company_id=order.company_id))
        items = {p.qbo_item_id: p for p in products}
        names = _names(order, products)
        lines = [_line_from_quickbooks(line, items, names) for line in version["lines"]]
        subtotal = sum((Decimal(n["amount"]) for n in version["lines"]), Decimal(0))
        # Their header and charges too: the order becomes the invoice QuickBooks holds.
        changes, discount = from_quickbooks(order, version)
        total = subtotal - discount + changes.shipping + (changes.tax or 0)
        _replace_lines(order, lines, subtotal, total, save_changes(order, changes, discount))
        Order.objects.filter(pk=order.pk).update(
            qbo_base_token=version["SyncToken"], qbo_base=_base_of(version)
        )
        write.status = OrderWrite.Status.DISCARDED
        write.finished_at = timezone.now()
        write.save(update_fields=["status", "finished_at", "updated_at"])


def _base_of(version: dict) -> dict:
    """A conflict's QuickBooks version as our base (its content, without token and tax, and
    its lines without their codes, which a 5010's comparison leaves out)."""
    base = {k: v for k, v in version.items() if k not in ("SyncToken", "tax")}
    if "lines" in base:
        base["lines"] = [
            {k: v for k, v in line.items() if k not in LINE_REF_KEYS} for line in base["lines"]
        ]
    return base


def push_our_version(write: OrderWrite, *, by: User | None) -> None:
    """The person chose ours: it is sent again on QuickBooks' current SyncToken."""
    with transaction.atomic():
        order = _locked(write.order)
        write = OrderWrite.objects.select_for_update().get(pk=write.pk)
        if write.status != OrderWrite.Status.CONFLICT:
            raise Refused("That change was already settled.")
        version = write.qbo_version
        # QuickBooks' version becomes the base we knowingly overwrite.
        Order.objects.filter(pk=order.pk).update(
            qbo_base_token=version["SyncToken"], qbo_base=_base_of(version)
        )
        write.status = OrderWrite.Status.PENDING
        write.next_attempt_at = None
        write.save(update_fields=["status", "next_attempt_at", "updated_at"])
        _ring(order.company_id)


# --- cancel -----------------------------------------------------------------------------------


def cancel_order(order: Order, *, by: User | None, delete: bool = False) -> OrderWrite | None:
    """Not yet sent: cancelled here, never sent. Sent and unpaid: its invoice is voided (or
    deleted). Paid, even partly: refused."""
    with transaction.atomic():
        order = _locked(order)
        if order.is_cancelled:
            raise Refused("The order is already cancelled.")
        _not_mid_push(order)
        now = timezone.now()
        if order.push_status in LOCAL:
            order.push_status, order.cancelled_at = Push.CANCELLED, now
            order.save(update_fields=["push_status", "cancelled_at", "updated_at"])
            return None
        if order.qbo_state:
            raise Refused(f"The invoice was already {order.qbo_state} in QuickBooks.")
        if order.is_sales_receipt:
            raise Refused(RECEIPT_NOT_CANCELLED)
        if order.amount_paid > 0 or order.payment_status != Order.PaymentStatus.UNPAID:
            raise Refused("The invoice has a payment: refund or credit it first.")
        order.cancelled_at = now
        order.save(update_fields=["cancelled_at", "updated_at"])
        write = _write(order, Kind.DELETE if delete else Kind.VOID, by)
        _ring(order.company_id)
    return write


# --- send -------------------------------------------------------------------------------------


def send_invoice(order: Order, *, email: str, by: User | None) -> OrderWrite:
    """E-mail the invoice through QuickBooks to `email` (it becomes the invoice's BillEmail)."""
    with transaction.atomic():
        order = _locked(order)
        if order.is_cancelled:
            raise Refused("The order is cancelled: its invoice can't be sent.")
        if order.push_status != Push.SYNCED:
            raise Refused(
                f"The {order.form_name} isn't in QuickBooks yet: it can be sent once it is."
            )
        pending = order.writes.filter(kind=Kind.SEND, status__in=BLOCKING)
        if pending.exists():
            raise Refused("The invoice is already being sent.")
        write = _write(order, Kind.SEND, by, intent={"email": email.strip()})
        _ring(order.company_id)
    return write


def history(order: Order):
    return order.writes.select_related("created_by").order_by("-pk")
