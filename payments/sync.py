"""QBO Payment JSON ⇄ the payments mirror and its applications to invoices (and our orders)."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from customers.models import Customer
from invoicing.models import Order
from payments import money
from payments.models import CreditMemo, Payment, PaymentApplication, RefundReceipt
from qbo import bulk
from qbo.qbojson import decimal, latest_by_id, parse_time, ref_value

UPDATED_FIELDS = [
    "customer",
    "customer_qbo_id",
    "customer_name",
    "txn_date",
    "total_amount",
    "unapplied_amount",
    "currency",
    "reference_number",
    "deleted_in_qbo",
    "sync_token",
    "qbo_created_at",
    "qbo_updated_at",
    "raw",
    "synced_at",
]


def payment_fields(data: dict) -> dict:
    meta = data.get("MetaData") or {}
    customer_ref = data.get("CustomerRef") or {}
    return {
        "qbo_id": str(data["Id"]),
        "customer_qbo_id": ref_value(customer_ref)[:32],
        "customer_name": str(customer_ref.get("name") or "")[:500],
        "txn_date": data.get("TxnDate") or None,
        "total_amount": decimal(data.get("TotalAmt")),
        "unapplied_amount": decimal(data.get("UnappliedAmt")),
        "currency": ref_value(data.get("CurrencyRef"))[:3],
        "reference_number": str(data.get("PaymentRefNum") or "")[:100],
        "deleted_in_qbo": False,
        "sync_token": str(data.get("SyncToken", ""))[:20],
        "qbo_created_at": parse_time(meta.get("CreateTime")),
        "qbo_updated_at": parse_time(meta.get("LastUpdatedTime")),
        "raw": data,  # as parsed: qbo.bulk writes its Decimals exactly
    }


def applications(data: dict) -> list[tuple[str, Decimal, Decimal]]:
    """(invoice id, amount, of which credit) for each payment line linked to an invoice.

    A payment's CreditMemo lines pay its invoice lines (QBO-TRANSACTIONS.md §5: TotalAmt =
    Σ invoice lines - Σ credit-memo lines). QBO doesn't say which invoice a memo's credit
    went to when a payment links several, so the credit fills its invoice lines in order."""
    invoices, credit = [], Decimal(0)
    for line in data.get("Line") or []:
        for linked in (line.get("LinkedTxn") or [])[:1]:  # one LinkedTxn a line (§4)
            if linked.get("TxnType") == "Invoice":
                invoices.append((str(linked.get("TxnId")), decimal(line.get("Amount"))))
            elif linked.get("TxnType") == "CreditMemo":
                credit += decimal(line.get("Amount"))
    result = []
    for invoice, amount in invoices:
        used = min(credit, amount)
        credit -= used
        result.append((invoice, amount, used))
    return result


@transaction.atomic
def upsert_payments(company_id: int, objects: list[dict]) -> int:
    """Payments and their applications, in bulk; applications are replaced wholesale."""
    objects = latest_by_id(objects)
    if not objects:
        return 0
    now = timezone.now()
    rows = [{"company_id": company_id, "synced_at": now, **payment_fields(o)} for o in objects]
    customers = dict(
        Customer.objects.filter(
            company_id=company_id, qbo_id__in={r["customer_qbo_id"] for r in rows}
        ).values_list("qbo_id", "pk")
    )
    for row in rows:
        row["customer_id"] = customers.get(row["customer_qbo_id"])
    # The shared bulk path (qbo.bulk); it hands back each payment's pk for its applications.
    ids = dict(
        bulk.upsert(
            Payment,
            rows,
            unique_fields=["company", "qbo_id"],
            update_fields=UPDATED_FIELDS,
            returning=["qbo_id", "id"],
        )
    )
    links = {str(o["Id"]): applications(o) for o in objects}
    orders = dict(
        Order.objects.filter(
            company_id=company_id,
            qbo_form=Order.QboForm.INVOICE,  # payments apply to invoices, never sales receipts
            qbo_invoice_id__in={invoice for pairs in links.values() for invoice, _, _ in pairs},
        ).values_list("qbo_invoice_id", "pk")
    )
    replaced = PaymentApplication.objects.filter(payment_id__in=ids.values())
    touched = set(replaced.exclude(order=None).values_list("order_id", flat=True))
    replaced.delete()
    PaymentApplication.objects.bulk_create(
        PaymentApplication(
            payment_id=ids[qbo_id],
            invoice_qbo_id=invoice,
            amount=amount,
            credit=credit,
            order_id=orders.get(invoice),
        )
        for qbo_id, pairs in links.items()
        for invoice, amount, credit in pairs
    )
    money.refresh_orders(company_id, touched | set(orders.values()))
    return len(rows)


def apply_changes(company_id: int, objects: list[dict]) -> int:
    """A page of QBO payments and CDC tombstones."""
    deleted = [str(o["Id"]) for o in objects if o.get("status") == "Deleted"]
    live = [o for o in objects if o.get("status") != "Deleted"]
    if deleted:
        _forget(company_id, Payment.objects.filter(company_id=company_id, qbo_id__in=deleted))
    return upsert_payments(company_id, live) + len(deleted)


def _forget(company_id: int, payments) -> int:
    """Payments gone from QBO: flagged, their applications dropped, their orders' money
    counted again (a CDC tombstone and a full import's unseen rows alike)."""
    with transaction.atomic():
        gone = PaymentApplication.objects.filter(payment__in=payments)
        touched = set(gone.exclude(order=None).values_list("order_id", flat=True))
        gone.delete()
        count = payments.update(deleted_in_qbo=True, synced_at=timezone.now())
        money.refresh_orders(company_id, touched)
    return count


def mark_missing_deleted(company_id: int, seen: set[str], since: datetime) -> int:
    """After a full import: payments it didn't touch are gone from QBO."""
    return _forget(
        company_id,
        Payment.objects.filter(company_id=company_id, deleted_in_qbo=False, synced_at__lt=since),
    )


def link_customers(sender, *, company_id: int, entity: str, **kwargs) -> None:
    """Customers just synced (the core's entity_synced): payments, credit memos and refunds
    that arrived before their customer's row get it now."""
    if entity != "Customer":
        return
    mirrored = Customer.objects.filter(
        company_id=company_id, qbo_id=OuterRef("customer_qbo_id")
    ).values("pk")[:1]
    for model in (Payment, CreditMemo, RefundReceipt):
        model.objects.filter(company_id=company_id, customer__isnull=True).exclude(
            customer_qbo_id=""
        ).filter(Exists(mirrored)).update(customer_id=Subquery(mirrored))
