"""Taking money against an order's invoice: payments, credits and refunds (the services).

Each is checked under the order's row lock against what QuickBooks says is owed or paid
(less what is already on its way), then becomes an OrderWrite that
invoicing/settlement_writes.py applies once. A form submitted twice makes one write.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from accounts.models import Company, User
from invoicing import drains
from invoicing.lifecycle import Refused
from invoicing.models import Order, OrderWrite
from invoicing.writes import BLOCKING, new_request_id
from qbo.client import open_client

Kind = OrderWrite.Kind
# Accounts QBO takes money into (and refunds from): QBO-TRANSACTIONS.md.
DEPOSIT_TYPES = ("Bank", "Other Current Asset")


@dataclass(frozen=True)
class Money:
    """What an order's invoice has been through, for its page."""

    paid_in_app: Decimal
    credited: Decimal
    refunded: Decimal


def _sum(order: Order, kind: str, statuses) -> Decimal:
    found = order.writes.filter(kind=kind, status__in=statuses).aggregate(s=Sum("amount"))["s"]
    return found or Decimal("0.00")


def money(order: Order) -> Money:
    done = [OrderWrite.Status.DONE]
    return Money(
        paid_in_app=_sum(order, Kind.PAYMENT, done),
        credited=_sum(order, Kind.CREDIT, done),
        refunded=_sum(order, Kind.REFUND, done),
    )


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
    form_token: str = "",
    by: User | None,
) -> OrderWrite:
    """A credit memo for `amount`, applied to the invoice."""
    _positive(amount)
    with transaction.atomic():
        order, made = _locked_for_money(order, form_token)
        if made:
            return made
        owed = open_balance(order)
        if amount > owed:
            raise Refused(f"A credit can be at most the {_fmt(owed)} still owed.")
        intent = {"date": on.isoformat(), "reason": reason, "form_token": form_token}
        return _write(order, Kind.CREDIT, amount, by, intent)


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
        # Credits applied lower the balance too, but are not money to give back.
        credited = _sum(order, Kind.CREDIT, [OrderWrite.Status.DONE])
        refunded = _sum(order, Kind.REFUND, [*BLOCKING, OrderWrite.Status.DONE])
        refundable = order.amount_paid - credited - refunded
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
