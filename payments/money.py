"""What QuickBooks holds against each of our orders, from the mirror: money received and
credit applied (Payment lines linked to the invoice) and money refunded (our RefundReceipts,
found by their marker). Kept on Order.qbo_money, where invoicing.settlements.money reads it
and adds only our own writes whose QuickBooks ids the mirror hasn't seen yet.
"""

from collections.abc import Iterable
from decimal import Decimal

from invoicing.models import Order
from payments.models import PaymentApplication, RefundReceipt


def _credit_memo_ids(payment_raw: dict) -> list[str]:
    return [
        str(linked.get("TxnId"))
        for line in payment_raw.get("Line") or []
        for linked in (line.get("LinkedTxn") or [])[:1]
        if linked.get("TxnType") == "CreditMemo"
    ]


def _empty() -> dict:
    zero = Decimal("0.00")
    money = {"received": zero, "credited": zero, "refunded": zero}
    return money | {"payments": [], "credit_memos": [], "refunds": []}


def refresh_orders(company_id: int, order_ids: Iterable[int | None]) -> int:
    """Recount what the mirror holds for these orders of the company (in the caller's
    transaction, so the figures change with the rows they are made of)."""
    figures = {pk: _empty() for pk in order_ids if pk}
    if not figures:
        return 0
    applied = PaymentApplication.objects.filter(
        order_id__in=figures, order__company_id=company_id, payment__deleted_in_qbo=False
    ).select_related("payment")
    for application in applied:
        money = figures[application.order_id]
        money["received"] += application.amount - application.credit
        money["credited"] += application.credit
        money["payments"].append(application.payment.qbo_id)
        if application.credit:
            money["credit_memos"] += _credit_memo_ids(application.payment.raw)
    refunds = RefundReceipt.objects.filter(
        company_id=company_id, order_id__in=figures, deleted_in_qbo=False
    )
    for refund in refunds:
        figures[refund.order_id]["refunded"] += refund.total_amount
        figures[refund.order_id]["refunds"].append(refund.qbo_id)
    # Amounts as text: money never goes through a float (invariant 8). One UPDATE for the
    # page's orders (a full import's page of payments may touch a thousand).
    orders = [
        Order(pk=pk, qbo_money={k: str(v) if isinstance(v, Decimal) else v for k, v in m.items()})
        for pk, m in figures.items()
    ]
    Order.objects.filter(company_id=company_id).bulk_update(orders, ["qbo_money"], batch_size=1000)
    return len(figures)
