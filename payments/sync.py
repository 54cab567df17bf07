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
from qbo import bulk, rowmap
from qbo.qbojson import decimal, latest_by_id
from qbo.rowmap import Const, Day, Lookup, Number, Text

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


# A QBO Payment's mirrored columns, declared once (qbo.rowmap): in PostgreSQL for a page, in
# Python for SQLite. Its customer is our mirror's row, where it is already mirrored
# (link_customers fills it in when the customer comes later).
PAYMENT = rowmap.RowMap(
    Payment,
    {
        "qbo_id": Text("Id", 32),
        "customer": Lookup(Customer, "qbo_id", Text("CustomerRef.value", 32), scope="company"),
        "customer_qbo_id": Text("CustomerRef.value", 32),
        "customer_name": Text("CustomerRef.name", 500),
        "txn_date": Day("TxnDate"),
        "total_amount": Number("TotalAmt"),
        "unapplied_amount": Number("UnappliedAmt"),
        "currency": Text("CurrencyRef.value", 3),
        "reference_number": Text("PaymentRefNum", 100),
        "deleted_in_qbo": Const(False),
        **rowmap.qbo_metadata(),
    },
    unique=["company", "qbo_id"],
    update=UPDATED_FIELDS,
)


def applications(data: dict) -> list[tuple[str, Decimal, Decimal]]:
    """(invoice id, amount, of which credit) for each payment line linked to an invoice.

    A payment's CreditMemo lines pay its invoice lines (QBO-TRANSACTIONS.md §5: TotalAmt =
    Σ invoice lines - Σ credit-memo lines). QBO doesn't say which invoice a memo's credit
    went to when a payment links several, so the credit fills its invoice lines in order.
    (_APPLICATIONS_SQL is the same reading in PostgreSQL, for a page.)"""
    invoices, credit = [], Decimal(0)
    for line in data.get("Line") or []:
        if not isinstance(line, dict):
            continue
        for linked in (line.get("LinkedTxn") or [])[:1]:  # one LinkedTxn a line (§4)
            if linked.get("TxnType") == "Invoice" and linked.get("TxnId") is not None:
                invoices.append((str(linked["TxnId"])[:32], decimal(line.get("Amount"))))
            elif linked.get("TxnType") == "CreditMemo":
                credit += decimal(line.get("Amount"))
    result = []
    for invoice, amount in invoices:
        used = max(min(credit, amount), Decimal(0))
        credit -= used
        result.append((invoice, amount, used))
    return result


def _applications_sql() -> str:
    """After the page's payments are written (``written``: id, qbo_id, raw): their old
    applications deleted and new ones inserted, each with its order, in the same statement;
    it selects the orders whose money changed. The credit a payment's CreditMemo lines bring
    fills its invoice lines in order: line i takes min(amount, credit left after lines < i),
    never less than 0 (a negative line takes none and leaves the credit as it was)."""
    application, order = PaymentApplication._meta, Order._meta
    return f"""
    , gone AS (
        DELETE FROM "{application.db_table}" AS a USING written AS w
        WHERE a.payment_id = w.id RETURNING a.order_id
    ), linked AS (
        SELECT w.id AS payment_id, l.n,
               l.line #>> '{{LinkedTxn,0,TxnType}}' AS kind,
               l.line #>> '{{LinkedTxn,0,TxnId}}' AS txn,
               COALESCE(NULLIF(l.line ->> 'Amount', ''), '0')::numeric AS amount
        FROM written AS w CROSS JOIN LATERAL jsonb_array_elements(
            CASE jsonb_typeof(w.raw -> 'Line') WHEN 'array' THEN w.raw -> 'Line'
            ELSE '[]'::jsonb END
        ) WITH ORDINALITY AS l(line, n)
        WHERE jsonb_typeof(l.line) = 'object'
    ), credit AS (
        SELECT payment_id, SUM(amount) AS total FROM linked
        WHERE kind = 'CreditMemo' GROUP BY payment_id
    ), invoices AS (
        SELECT i.payment_id, left(i.txn, 32) AS txn, i.amount,
               GREATEST(LEAST(i.amount, COALESCE(c.total, 0) - (
                   SUM(GREATEST(i.amount, 0)) OVER (PARTITION BY i.payment_id ORDER BY i.n)
                   - GREATEST(i.amount, 0)
               )), 0) AS credit
        FROM linked AS i LEFT JOIN credit AS c USING (payment_id)
        WHERE i.kind = 'Invoice' AND i.txn IS NOT NULL
    ), added AS (
        INSERT INTO "{application.db_table}" (payment_id, invoice_qbo_id, amount, credit, order_id)
        SELECT v.payment_id, v.txn, v.amount, v.credit,
               (SELECT o.id FROM "{order.db_table}" AS o WHERE o.company_id = %s
                AND o.qbo_form = '{Order.QboForm.INVOICE}' AND o.qbo_invoice_id = v.txn
                AND o.qbo_invoice_id <> '')  -- (so the partial unique index serves it)
        FROM invoices AS v
        RETURNING order_id
    )
    SELECT order_id FROM gone WHERE order_id IS NOT NULL
    UNION SELECT order_id FROM added WHERE order_id IS NOT NULL
    """  # noqa: S608 - table names from the models


@transaction.atomic
def upsert_payments(company_id: int, objects: list[dict]) -> int:
    """Payments and their applications, in bulk; applications are replaced wholesale, and
    the orders they pay are counted again. On PostgreSQL one statement (qbo.rowmap)."""
    objects = latest_by_id(objects)
    if not objects:
        return 0
    fixed = {"company_id": company_id, "synced_at": timezone.now()}
    if bulk.one_statement(Payment):
        touched = PAYMENT.upsert(
            objects,
            fixed=fixed,
            returning=["id", "qbo_id", "raw"],
            then=_applications_sql(),
            then_params=[company_id],
        )
        money.refresh_orders(company_id, {order_id for (order_id,) in touched})
        return len(objects)
    return _upsert_in_python(company_id, objects, fixed)


def _upsert_in_python(company_id: int, objects: list[dict], fixed: dict) -> int:
    """upsert_payments where a page can't be one statement (SQLite): the same rows."""
    ids = dict(PAYMENT.upsert(objects, fixed=fixed, returning=["qbo_id", "id"]))
    links = {str(o["Id"]): applications(o) for o in objects}
    orders = dict(
        Order.objects.filter(
            company_id=company_id,
            qbo_form=Order.QboForm.INVOICE,  # payments apply to invoices, never sales receipts
            qbo_invoice_id__in={invoice for pairs in links.values() for invoice, _, _ in pairs},
        )
        .exclude(qbo_invoice_id="")  # (an order not pushed yet is no invoice)
        .values_list("qbo_invoice_id", "pk")
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
    return len(objects)


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
