"""How payments, invoices and customer balances move together.

Invoice.Balance = TotalAmt - the payment lines linked to it (0 once voided).
Customer.Balance = its open invoice balances - its payments' unapplied amounts.
A payment linked to an invoice also bumps the invoice's SyncToken and LastUpdatedTime
and adds a LinkedTxn, as QBO does (see cdc_response.xml: Invoice 103 / Payment 147).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.base import bumped, ref_value


def invoice_links(payment: dict) -> Iterable[tuple[str, Decimal]]:
    """(invoice id, amount) for each payment line linked to an invoice."""
    if payment.get("_voided"):
        return
    for line in payment.get("Line", []):
        for link in line.get("LinkedTxn", [])[:1]:
            if link.get("TxnType") == "Invoice":
                yield str(link["TxnId"]), line.get("Amount", Decimal(0))


def applied_to(work: UnitOfWork, invoice_id: str, *, excluding: str | None = None) -> Decimal:
    total = Decimal(0)
    for payment in work.values("Payment"):
        if payment["Id"] == excluding:
            continue
        total += sum(
            (amount for ident, amount in invoice_links(payment) if ident == invoice_id), Decimal(0)
        )
    return total


def refresh_invoice(work: UnitOfWork, invoice_id: str) -> None:
    """Recompute an invoice's Balance and payment links; bump it if anything changed."""
    invoice = work.get("Invoice", invoice_id)
    if invoice is None or invoice.get("_voided"):
        return
    paid_by: list[str] = []
    applied = Decimal(0)
    for payment in work.values("Payment"):
        for ident, amount in invoice_links(payment):
            if ident == invoice_id:
                applied += amount
                if payment["Id"] not in paid_by:
                    paid_by.append(payment["Id"])
    others = [link for link in invoice.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
    linked = others + [{"TxnId": ident, "TxnType": "Payment"} for ident in paid_by]
    balance = money(invoice["TotalAmt"] - applied)
    if balance != invoice["Balance"] or linked != invoice.get("LinkedTxn", []):
        changes = {"Balance": balance, "LinkedTxn": linked}
        work.put("Invoice", bumped(invoice, changes, work.now), "Update")


def unlink_invoice(work: UnitOfWork, invoice_id: str) -> None:
    """An invoice is going away (deleted or voided): its payments become unapplied credit."""
    for payment in list(work.values("Payment")):
        if not any(ident == invoice_id for ident, _ in invoice_links(payment)):
            continue
        lines = [line for line in payment["Line"] if not _links_invoice(line, invoice_id)]
        applied = sum((line.get("Amount", Decimal(0)) for line in lines), Decimal(0))
        changes = {"Line": lines, "UnappliedAmt": money(payment["TotalAmt"] - applied)}
        work.put("Payment", bumped(payment, changes, work.now), "Update")


def _links_invoice(line: dict, invoice_id: str) -> bool:
    return any(
        link.get("TxnType") == "Invoice" and str(link.get("TxnId")) == invoice_id
        for link in line.get("LinkedTxn", [])[:1]
    )


def reassign_transactions(work: UnitOfWork, from_id: str, to_ref: dict) -> None:
    """A merge: every invoice and payment of one customer now belongs to another."""
    for entity in ("Invoice", "Payment"):
        for obj in list(work.values(entity)):
            if ref_value(obj.get("CustomerRef")) == from_id:
                work.put(entity, bumped(obj, {"CustomerRef": dict(to_ref)}, work.now), "Update")


def refresh_customers(work: UnitOfWork, customer_ids: Iterable[str | None]) -> None:
    """Recompute Balance (and parents' BalanceWithJobs); a silent write, as QBO derives it."""
    for customer_id in {ident for ident in customer_ids if ident}:
        customer = work.get("Customer", customer_id)
        if customer is None:
            continue
        balance = _open_balance(work, customer_id)
        jobs = customer.get("BalanceWithJobs", Decimal(0)) - customer.get("Balance", Decimal(0))
        if balance != customer.get("Balance"):
            updated = {**customer, "Balance": balance, "BalanceWithJobs": money(balance + jobs)}
            work.put("Customer", updated)
            refresh_parents(work, updated)


def _open_balance(work: UnitOfWork, customer_id: str) -> Decimal:
    owed = sum(
        (
            inv["Balance"]
            for inv in work.values("Invoice")
            if ref_value(inv.get("CustomerRef")) == customer_id
        ),
        Decimal(0),
    )
    credit = sum(
        (
            pay.get("UnappliedAmt", Decimal(0))
            for pay in work.values("Payment")
            if ref_value(pay.get("CustomerRef")) == customer_id
        ),
        Decimal(0),
    )
    return money(owed - credit)


def refresh_parents(work: UnitOfWork, customer: dict) -> None:
    """Recompute BalanceWithJobs up the customer's parent chain."""
    parent_id = ref_value(customer.get("ParentRef"))
    while parent_id:
        parent = work.get("Customer", parent_id)
        if parent is None:
            return
        jobs = sum(
            (
                child.get("BalanceWithJobs", Decimal(0))
                for child in work.values("Customer")
                if ref_value(child.get("ParentRef")) == parent_id
            ),
            Decimal(0),
        )
        work.put("Customer", {**parent, "BalanceWithJobs": money(parent["Balance"] + jobs)})
        parent_id = ref_value(parent.get("ParentRef"))
