"""Order ⇄ QBO Invoice mapping (no HTTP here)."""

import re
from dataclasses import dataclass
from decimal import Decimal

from invoicing.models import Order
from qbsync.qbojson import decimal, ref_value

# Written into every invoice's PrivateNote; finds the invoice again after an ambiguous push.
MARKER = re.compile(r"\[qbsync:(\d+):(\d+)\]")


def marker(order: Order) -> str:
    return f"[qbsync:{order.company_id}:{order.pk}]"


def has_marker(invoice: dict, order: Order) -> bool:
    return marker(order) in (invoice.get("PrivateNote") or "")


@dataclass(frozen=True)
class TaxRule:
    """How lines are taxed: US companies mark lines TAX/NON; others use a line tax code."""

    us: bool
    tax_code_id: str = ""


def _line(line, position: int, item_id: str, tax: TaxRule) -> dict:
    detail = {
        "ItemRef": {"value": item_id},
        "Qty": line.quantity,
        "UnitPrice": line.unit_price,
    }
    if tax.us:
        detail["TaxCodeRef"] = {"value": "TAX" if line.taxable else "NON"}
    elif tax.tax_code_id:
        detail["TaxCodeRef"] = {"value": tax.tax_code_id}
    body = {
        "LineNum": position,
        "Amount": line.amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": detail,
    }
    description = line.description or (line.product.description if line.product_id else "")
    if description:
        body["Description"] = description[:4000]
    return body


def order_to_invoice(
    order: Order,
    *,
    customer_id: str,
    item_ids: dict[int, str],
    tax: TaxRule,
    custom_doc_number: bool,
    term_id: str = "",
) -> dict:
    """The Invoice create payload for an order. item_ids maps OrderLine pk → QBO Item id."""
    # Reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice#create-an-invoice
    lines = list(order.lines.all())
    payload: dict = {
        "CustomerRef": {"value": customer_id},
        "TxnDate": order.order_date.isoformat(),
        "Line": [_line(line, n, item_ids[line.pk], tax) for n, line in enumerate(lines, 1)],
        "PrivateNote": f"qbsync order {order.number} {marker(order)}",
        "CurrencyRef": {"value": order.currency},
    }
    if order.due_date:
        payload["DueDate"] = order.due_date.isoformat()
    elif term_id:
        payload["SalesTermRef"] = {"value": term_id}
    if order.memo:
        payload["CustomerMemo"] = {"value": order.memo}
    if custom_doc_number:
        payload["DocNumber"] = order.number
    if not tax.us:
        payload["GlobalTaxCalculation"] = "TaxExcluded"
    return payload


def payment_status(total: Decimal, balance: Decimal) -> str:
    if balance <= 0:
        return Order.PaymentStatus.PAID
    if balance < total:
        return Order.PaymentStatus.PARTIALLY_PAID
    return Order.PaymentStatus.UNPAID


def order_fields_from_invoice(invoice: dict) -> dict:
    """What the order keeps of its QBO invoice: id, number, SyncToken, totals, paid state."""
    total = decimal(invoice.get("TotalAmt"))
    balance = decimal(invoice.get("Balance"), default=str(total))
    return {
        "qbo_invoice_id": str(invoice["Id"]),
        "qbo_doc_number": str(invoice.get("DocNumber") or "")[:21],
        "qbo_sync_token": str(invoice.get("SyncToken", ""))[:20],
        "qbo_total": total,
        "qbo_balance": balance,
        "payment_status": payment_status(total, balance),
    }


def invoice_customer_id(invoice: dict) -> str:
    return ref_value(invoice.get("CustomerRef"))
