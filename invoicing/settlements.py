"""Taking money against an order's invoice: payments, credits and refunds (the services).

Each is checked under the order's row lock against what QuickBooks says is owed or paid
(less what is already on its way), then becomes an OrderWrite that
invoicing/settlement_writes.py applies once. A form submitted twice makes one write.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from accounts.models import Company, User
from invoicing import drains
from invoicing.lifecycle import Refused
from invoicing.models import Order, OrderLine, OrderWrite
from invoicing.writes import BLOCKING, new_request_id
from qbo.client import open_client

Kind = OrderWrite.Kind
# Accounts QBO takes money into (and refunds from): QBO-TRANSACTIONS.md.
DEPOSIT_TYPES = ("Bank", "Other Current Asset")


@dataclass(frozen=True)
class Money:
    """What an order's invoice has been through, for its page: `received`, `credited` and
    `refunded` count what QuickBooks holds whoever made it, `paid_in_app` our payments."""

    paid_in_app: Decimal
    credited: Decimal
    refunded: Decimal
    received: Decimal = Decimal("0.00")


def _sum(order: Order, kind: str, statuses) -> Decimal:
    found = order.writes.filter(kind=kind, status__in=statuses).aggregate(s=Sum("amount"))["s"]
    return found or Decimal("0.00")


def _created_id(write: OrderWrite) -> str:
    # A credit's qbo_id is the zero Payment applying it; the memo is what the mirror names.
    if write.kind == Kind.CREDIT:
        return str((write.answer or {}).get("CreditMemo") or "")
    return write.qbo_id


MIRROR_IDS = {Kind.PAYMENT: "payments", Kind.CREDIT: "credit_memos", Kind.REFUND: "refunds"}


def money_from(order: Order, order_writes: Iterable[OrderWrite]) -> Money:
    """The order's money from the QuickBooks mirror (Order.qbo_money, kept by payments) and
    its done writes: one of ours is added only while the mirror hasn't seen its id, so
    nothing is counted twice."""
    mirror = order.qbo_money or {}
    seen = {kind: set(mirror.get(key) or []) for kind, key in MIRROR_IDS.items()}
    sums = {key: Decimal(mirror.get(key) or "0.00") for key in ("received", "credited", "refunded")}
    paid_in_app = Decimal("0.00")
    named = {Kind.PAYMENT: "received", Kind.CREDIT: "credited", Kind.REFUND: "refunded"}
    for write in order_writes:
        if write.kind not in named or write.status != OrderWrite.Status.DONE:
            continue
        if write.kind == Kind.PAYMENT:
            paid_in_app += write.amount or 0
        if _created_id(write) not in seen[write.kind]:
            sums[named[write.kind]] += write.amount or 0
    return Money(paid_in_app=paid_in_app, **sums)


def money(order: Order) -> Money:
    return money_from(order, order.writes.filter(kind__in=list(MIRROR_IDS)))


def _fmt(value: Decimal) -> str:
    return f"{value:,.2f}"


def _locked_for_money(order: Order, form_token: str) -> tuple[Order, OrderWrite | None]:
    order = Order.objects.select_for_update().get(pk=order.pk)
    if form_token and (made := order.writes.filter(intent__form_token=form_token).first()):
        return order, made  # the same form again: the first one stands
    if order.is_cancelled or order.qbo_state:
        raise Refused("The order is cancelled.")
    if order.push_status != Order.PushStatus.SYNCED:
        raise Refused("The invoice isn't in QuickBooks yet.")
    return order, None


def open_balance(order: Order) -> Decimal:
    """What is still owed, less payments and credits on their way to QuickBooks."""
    on_the_way = sum(
        (_sum(order, kind, BLOCKING) for kind in (Kind.PAYMENT, Kind.CREDIT)), Decimal(0)
    )
    return (order.qbo_balance if order.qbo_balance is not None else order.total) - on_the_way


def _positive(amount: Decimal) -> None:
    if amount <= 0:
        raise Refused("The amount must be more than zero.")


def _write(order: Order, kind: str, amount: Decimal, by: User | None, intent: dict):
    write = OrderWrite.objects.create(
        company_id=order.company_id,
        order=order,
        kind=kind,
        amount=amount,
        request_id=new_request_id(order, kind),
        created_by=by,
        intent={**intent, "amount": str(amount)},
    )
    transaction.on_commit(lambda: drains.ring(order.company_id))
    return write


def record_payment(
    order: Order,
    *,
    amount: Decimal,
    paid_on: date,
    method: str = "",
    account: str = "",
    reference: str = "",
    form_token: str = "",
    by: User | None,
) -> OrderWrite:
    """A payment taken in the app, applied to the invoice in QuickBooks (partial allowed)."""
    _positive(amount)
    with transaction.atomic():
        order, made = _locked_for_money(order, form_token)
        if made:
            return made
        owed = open_balance(order)
        if amount > owed:
            raise Refused(f"That is more than the {_fmt(owed)} still owed.")
        intent = {"date": paid_on.isoformat(), "method": method, "account": account}
        intent |= {"reference": reference, "form_token": form_token}
        return _write(order, Kind.PAYMENT, amount, by, intent)


def credit_order(
    order: Order,
    *,
    amount: Decimal,
    reason: str = "",
    on: date,
    lines: list[tuple[OrderLine, Decimal]] | None = None,
    form_token: str = "",
    by: User | None,
) -> OrderWrite:
    """A credit memo for `amount` (or for chosen `lines`: (order line, quantity), worth
    `amount` together), applied to the invoice."""
    _positive(amount)
    with transaction.atomic():
        order, made = _locked_for_money(order, form_token)
        if made:
            return made
        owed = open_balance(order)
        if amount > owed:
            raise Refused(f"A credit can be at most the {_fmt(owed)} still owed.")
        intent = {"date": on.isoformat(), "reason": reason, "form_token": form_token}
        if lines:
            intent["lines"] = _credit_lines(order, lines)
        return _write(order, Kind.CREDIT, amount, by, intent)


def _credit_lines(order: Order, lines: list[tuple[OrderLine, Decimal]]) -> list[dict]:
    mine = set(order.lines.values_list("pk", flat=True))
    if any(line.pk not in mine for line, _ in lines):
        raise Refused("A line chosen is not one of this order's.")
    return [{"line": line.pk, "quantity": str(quantity)} for line, quantity in lines]


def refund_order(
    order: Order,
    *,
    amount: Decimal,
    account: str,
    method: str = "",
    on: date,
    form_token: str = "",
    by: User | None,
) -> OrderWrite:
    """A refund receipt for money paid on the invoice, from the account chosen."""
    _positive(amount)
    with transaction.atomic():
        order, made = _locked_for_money(order, form_token)
        if made:
            return made
        # Credits applied lower the balance too, but are not money to give back; credits and
        # refunds made in QuickBooks count as ours do (money(): the mirror and our writes).
        so_far = money(order)
        refunded = so_far.refunded + _sum(order, Kind.REFUND, BLOCKING)
        refundable = order.amount_paid - so_far.credited - refunded
        if refundable <= 0:
            raise Refused("Nothing has been paid on this invoice, so there is nothing to refund.")
        if amount > refundable:
            raise Refused(f"At most {_fmt(refundable)} can be refunded.")
        if not account:
            raise Refused("Choose the account the refund is paid from.")
        intent = {"date": on.isoformat(), "account": account, "method": method}
        intent |= {"form_token": form_token}
        return _write(order, Kind.REFUND, amount, by, intent)


def money_choices(company: Company) -> dict[str, list[tuple[str, str]]]:
    """Payment methods and deposit accounts from the company's QuickBooks."""
    with open_client(company) as qb:
        methods = qb.query_page("PaymentMethod")
        accounts = [a for a in qb.query_page("Account") if a.get("AccountType") in DEPOSIT_TYPES]
    pairs = lambda rows: sorted((str(r["Id"]), str(r.get("Name", r["Id"]))) for r in rows)  # noqa: E731
    return {"methods": pairs(methods), "accounts": pairs(accounts)}
