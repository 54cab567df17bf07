"""Money after the invoice, applied in QuickBooks once: payments, credit memos, refunds.

Each creates QBO objects with the write's stored requestid, and carries the write's marker in
its PrivateNote: after an attempt that may have reached QuickBooks, the object is looked up
by that marker (by customer and date) before anything is sent again, as invoices are
(invoicing/push.py). A credit is two creates — the CreditMemo, then a zero Payment that
applies it to the invoice — each with its own requestid and lookup, the memo's id kept on
the write between them.
"""

from decimal import Decimal

from invoicing import references, writes
from invoicing.models import OrderLine, OrderWrite
from invoicing.sync import TaxRule, invoice_lines
from qbo.idempotency import derived_request_id

Kind = OrderWrite.Kind


def write_marker(write: OrderWrite) -> str:
    # Not the invoice marker's shape ([qbsync:company:order]), so invoice lookups ignore it.
    return f"[qbsync:{write.company_id}:{write.order_id}:w{write.pk}]"


def find_created(ctx: references.PushContext, entity: str, write: OrderWrite, note: str):
    """The object an earlier attempt of this write may have made, found by its marker."""
    where = {"CustomerRef": _customer_id(write), "TxnDate": write.intent["date"]}
    for found in ctx.qb.query_all(entity, where):
        if note in (found.get("PrivateNote") or ""):
            return found
    return None


def create_once(
    ctx: references.PushContext, write: OrderWrite, entity: str, payload: dict, request_id: str
) -> dict:
    """Create `entity` unless an earlier attempt did (looked up first after one)."""
    if write.attempts > 1 and (found := find_created(ctx, entity, write, payload["PrivateNote"])):
        return found
    writes.renew_claim(write)
    return ctx.qb.create(entity, payload, request_id=request_id)


def _customer_id(write: OrderWrite) -> str:
    return write.order.customer.qbo_id


def _header(write: OrderWrite, what: str) -> dict:
    return {
        "CustomerRef": {"value": _customer_id(write)},
        "TxnDate": write.intent["date"],
        "PrivateNote": f"qbsync {what} for order {write.order.number} {write_marker(write)}",
    }


def _money_line(ctx: references.PushContext, write: OrderWrite, amount: Decimal) -> list[dict]:
    """One line of the default item for `amount`, taxed as nothing (money back, not a sale)."""
    description = write.intent.get("reason") or f"Order {write.order.number}"
    line = OrderLine(
        description=description,
        quantity=Decimal(1),
        unit_price=amount,
        amount=amount,
        taxable=False,
    )
    tax = TaxRule(us=ctx.us, tax_code_id=ctx.settings.tax_code_id)
    return invoice_lines([line], [references.default_item_id(ctx)], tax)


def _credited_lines(ctx: references.PushContext, write: OrderWrite) -> list[dict]:
    """The chosen order lines, at the quantities credited, with the invoice lines' item,
    tax code and class (invoicing.sync.invoice_lines, as the push sends them)."""
    chosen = {n["line"]: Decimal(n["quantity"]) for n in write.intent["lines"]}
    lines = [line for line in write.order.lines.select_related("product") if line.pk in chosen]
    items = [
        references.product_item_id(ctx, line.product)
        if line.product_id
        else line.qbo_item_id or references.default_item_id(ctx)
        for line in lines
    ]
    for line in lines:  # unsaved copies: the order's own lines are not changed
        line.amount = line.worth(chosen[line.pk])
        line.quantity = chosen[line.pk]
    tax = TaxRule(us=ctx.us, tax_code_id=ctx.settings.tax_code_id)
    return invoice_lines(lines, items, tax)


def _refs(write: OrderWrite, payload: dict, account_key: str = "DepositToAccountRef") -> dict:
    if write.intent.get("method"):
        payload["PaymentMethodRef"] = {"value": write.intent["method"]}
    if write.intent.get("account"):
        payload[account_key] = {"value": write.intent["account"]}
    if write.intent.get("reference"):
        payload["PaymentRefNum"] = write.intent["reference"][:21]
    return payload


def _invoice_link(write: OrderWrite) -> dict:
    return {"TxnId": write.order.qbo_invoice_id, "TxnType": "Invoice"}


def apply_payment(ctx: references.PushContext, write: OrderWrite) -> None:
    amount = Decimal(write.intent["amount"])
    payload = _refs(write, {**_header(write, "payment"), "TotalAmt": amount})
    payload["Line"] = [{"Amount": amount, "LinkedTxn": [_invoice_link(write)]}]
    OrderWrite.objects.filter(pk=write.pk).update(sent=writes.as_json(payload))
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/payment#create-a-payment
    payment = create_once(ctx, write, "Payment", payload, write.request_id)
    _finish(ctx, write, payment)


def apply_credit(ctx: references.PushContext, write: OrderWrite) -> None:
    amount = Decimal((write.answer or {}).get("Credit") or write.intent["amount"])
    memo_id = (write.answer or {}).get("CreditMemo")
    if not memo_id:
        chosen = bool(write.intent.get("lines"))
        lines = _credited_lines(ctx, write) if chosen else _money_line(ctx, write, amount)
        memo = {**_header(write, "credit"), "Line": lines}
        OrderWrite.objects.filter(pk=write.pk).update(sent=writes.as_json(memo))
        # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/creditmemo#create-a-creditmemo
        created = create_once(ctx, write, "CreditMemo", memo, write.request_id)
        memo_id = str(created["Id"])
        if chosen:
            amount = _credit_to_apply(ctx, write, created)
        # Kept before the next step: a retry applies this memo, it never makes another.
        answer = {"CreditMemo": memo_id, "Credit": str(amount)}
        OrderWrite.objects.filter(pk=write.pk).update(answer=answer, amount=amount)
        write.amount = amount
    memo_link = {"TxnId": memo_id, "TxnType": "CreditMemo"}
    apply = {**_header(write, "credit applied"), "TotalAmt": Decimal(0)}
    apply["Line"] = [
        {"Amount": amount, "LinkedTxn": [_invoice_link(write)]},
        {"Amount": amount, "LinkedTxn": [memo_link]},
    ]
    # A zero payment linking the invoice and the memo applies the credit (QBO-TRANSACTIONS.md).
    payment = create_once(
        ctx, write, "Payment", apply, derived_request_id(write.request_id, "apply")
    )
    _finish(ctx, write, payment, memo_id, amount)


def _credit_to_apply(ctx: references.PushContext, write: OrderWrite, memo: dict) -> Decimal:
    """Lines credited carry their tax, which QuickBooks works out: the memo's total is the
    credit, applied as far as the invoice's balance goes (the rest stays the customer's
    credit in QuickBooks; applying more than the balance is refused, §5)."""
    balance = Decimal(str(ctx.qb.read("Invoice", write.order.qbo_invoice_id)["Balance"]))
    return min(Decimal(str(memo["TotalAmt"])), balance)


def apply_refund(ctx: references.PushContext, write: OrderWrite) -> None:
    amount = Decimal(write.intent["amount"])
    payload = _refs(write, {**_header(write, "refund"), "Line": _money_line(ctx, write, amount)})
    OrderWrite.objects.filter(pk=write.pk).update(sent=writes.as_json(payload))
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/refundreceipt#create-a-refundreceipt
    refund = create_once(ctx, write, "RefundReceipt", payload, write.request_id)
    _finish(ctx, write, refund)


def _finish(
    ctx, write: OrderWrite, created: dict, memo_id: str = "", credit: Decimal | None = None
) -> None:
    """Settle with the created object's id, and the invoice's balance as QBO now has it (a
    refunded sales receipt is read the same way: its balance stays 0)."""
    order = write.order
    invoice = ctx.qb.read(order.qbo_entity, order.qbo_invoice_id)
    answer = writes.summary(created)
    if memo_id:
        answer |= {"CreditMemo": memo_id, "Credit": str(credit)}
    writes.done(write, invoice, answer=answer, qbo_id=str(created["Id"]))


APPLY = {Kind.PAYMENT: apply_payment, Kind.CREDIT: apply_credit, Kind.REFUND: apply_refund}
