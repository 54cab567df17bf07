"""QBO CreditMemo and RefundReceipt JSON ⇄ their mirrors, in bulk as payments are.

Neither names an invoice in QBO (QBO-TRANSACTIONS.md §5: "there is no direct link field on
either side"; a sales form's LinkedTxn is QBO's own, read-only). So the rule is: one of ours
carries its write's marker in its PrivateNote and is linked to that order; one made in
QuickBooks belongs to its customer only. A credit memo's credit reaches an order when a
Payment applies it to the invoice (payments/sync.py), whoever made the memo.
"""

import re
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from invoicing.models import Order
from payments import money
from payments.models import CreditMemo, MoneyBack, RefundReceipt
from qbo import bulk
from qbo.qbojson import decimal, latest_by_id, parse_time, plain, ref_value

# invoicing.settlement_writes.write_marker: [qbsync:<company>:<order>:w<write>]
WRITE_MARKER = re.compile(r"\[qbsync:(\d+):(\d+):w\d+\]")
COMMON_FIELDS = [
    "customer",
    "customer_qbo_id",
    "customer_name",
    "order",
    "doc_number",
    "txn_date",
    "total_amount",
    "currency",
    "private_note",
    "deleted_in_qbo",
    "sync_token",
    "qbo_created_at",
    "qbo_updated_at",
    "raw",
    "synced_at",
]


def _fields(data: dict) -> dict:
    meta = data.get("MetaData") or {}
    customer_ref = data.get("CustomerRef") or {}
    return {
        "qbo_id": str(data["Id"]),
        "customer_qbo_id": ref_value(customer_ref)[:32],
        "customer_name": str(customer_ref.get("name") or "")[:500],
        "doc_number": str(data.get("DocNumber") or "")[:21],
        "txn_date": data.get("TxnDate") or None,
        "total_amount": decimal(data.get("TotalAmt")),
        "currency": ref_value(data.get("CurrencyRef"))[:3],
        "private_note": str(data.get("PrivateNote") or ""),
        "deleted_in_qbo": False,
        "sync_token": str(data.get("SyncToken", ""))[:20],
        "qbo_created_at": parse_time(meta.get("CreateTime")),
        "qbo_updated_at": parse_time(meta.get("LastUpdatedTime")),
        "raw": plain(data),
    }


def marked_order(company_id: int, note: str) -> int | None:
    """The order our write's marker names, when the marker is this company's."""
    found = WRITE_MARKER.search(note or "")
    if not found or int(found.group(1)) != company_id:
        return None  # none, or another company's (a marker is text anyone could type)
    return int(found.group(2))


def _rows(model: type[MoneyBack], company_id: int, objects: list[dict]) -> list[dict]:
    now = timezone.now()
    rows = [{"company_id": company_id, "synced_at": now, **_fields(o)} for o in objects]
    if model is CreditMemo:
        for row, data in zip(rows, objects, strict=True):
            row["remaining_credit"] = decimal(data.get("RemainingCredit", data.get("Balance")))
    customers = dict(
        Customer.objects.filter(
            company_id=company_id, qbo_id__in={r["customer_qbo_id"] for r in rows}
        ).values_list("qbo_id", "pk")
    )
    named = {marked_order(company_id, r["private_note"]) for r in rows} - {None}
    orders = set(
        Order.objects.filter(company_id=company_id, pk__in=named).values_list("pk", flat=True)
    )
    for row in rows:
        row["customer_id"] = customers.get(row["customer_qbo_id"])
        order_id = marked_order(company_id, row["private_note"])
        row["order_id"] = order_id if order_id in orders else None
    return rows


def _upsert(model: type[MoneyBack], company_id: int, objects: list[dict]) -> int:
    objects = latest_by_id(objects)
    if not objects:
        return 0
    rows = _rows(model, company_id, objects)
    ids = [r["qbo_id"] for r in rows]
    before = model.objects.filter(company_id=company_id, qbo_id__in=ids).exclude(order=None)
    touched = set(before.values_list("order_id", flat=True))
    extra = ["remaining_credit"] if model is CreditMemo else []
    bulk.upsert(
        model, rows, unique_fields=["company", "qbo_id"], update_fields=COMMON_FIELDS + extra
    )
    if model is RefundReceipt:
        money.refresh_orders(company_id, touched | {r["order_id"] for r in rows})
    return len(rows)


def _apply(model: type[MoneyBack], company_id: int, objects: list[dict]) -> int:
    deleted = [str(o["Id"]) for o in objects if o.get("status") == "Deleted"]
    live = [o for o in objects if o.get("status") != "Deleted"]
    with transaction.atomic():
        gone = model.objects.filter(company_id=company_id, qbo_id__in=deleted)
        touched = set(gone.exclude(order=None).values_list("order_id", flat=True))
        gone.update(deleted_in_qbo=True, synced_at=timezone.now())
        if model is RefundReceipt:
            money.refresh_orders(company_id, touched)
        return _upsert(model, company_id, live) + len(deleted)


def apply_credit_memos(company_id: int, objects: list[dict]) -> int:
    """A page of QBO credit memos and CDC tombstones."""
    return _apply(CreditMemo, company_id, objects)


def apply_refund_receipts(company_id: int, objects: list[dict]) -> int:
    """A page of QBO refund receipts and CDC tombstones."""
    return _apply(RefundReceipt, company_id, objects)


def _mark_missing(model: type[MoneyBack], company_id: int, since: datetime) -> int:
    with transaction.atomic():
        missing = model.objects.filter(
            company_id=company_id, deleted_in_qbo=False, synced_at__lt=since
        )
        touched = set(missing.exclude(order=None).values_list("order_id", flat=True))
        count = missing.update(deleted_in_qbo=True)
        if model is RefundReceipt:
            money.refresh_orders(company_id, touched)
        return count


def mark_missing_credit_memos(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: credit memos it didn't touch are gone from QBO."""
    return _mark_missing(CreditMemo, company_id, since)


def mark_missing_refund_receipts(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: refund receipts it didn't touch are gone from QBO."""
    return _mark_missing(RefundReceipt, company_id, since)
