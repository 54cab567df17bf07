"""How payments, invoices, credit memos and customer balances move together.

Invoice.Balance = TotalAmt - the payment lines linked to it (0 once voided).
CreditMemo.Balance = RemainingCredit = TotalAmt - the payment lines that apply it.
Customer.Balance = its open invoice balances - its payments' unapplied amounts - the
credit left on its credit memos.
A payment linked to an invoice also bumps the invoice's SyncToken and LastUpdatedTime
and adds a LinkedTxn, as QBO does (see cdc_response.xml: Invoice 103 / Payment 147).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.base import bumped, ref_value

LINKABLE = ("Invoice", "CreditMemo")  # what a Payment line may link (of what the sandbox has)
CUSTOMER_TRANSACTIONS = (
    "Invoice",
    "Payment",
    "CreditMemo",
    "SalesReceipt",
    "RefundReceipt",
    "Estimate",
)


def payment_links(payment: dict) -> Iterable[tuple[str, str, Decimal]]:
    """(TxnType, id, amount) for each payment line linked to an invoice or credit memo."""
    if payment.get("_voided"):
        return
    for line in payment.get("Line", []):
        for link in line.get("LinkedTxn", [])[:1]:
            if link.get("TxnType") in LINKABLE:
                yield link["TxnType"], str(link["TxnId"]), line.get("Amount", Decimal(0))


def invoice_links(payment: dict) -> Iterable[tuple[str, Decimal]]:
    """(invoice id, amount) for each payment line linked to an invoice."""
    for kind, ident, amount in payment_links(payment):
        if kind == "Invoice":
            yield ident, amount


def net_applied(lines: list[dict]) -> Decimal:
    """What a payment's lines take from its TotalAmt: invoices paid minus credit used."""
    total = Decimal(0)
    for line in lines:
        kind = (line.get("LinkedTxn") or [{}])[0].get("TxnType")
        amount = line.get("Amount", Decimal(0))
        total += -amount if kind == "CreditMemo" else amount
    return total


def applied_to(
    work: UnitOfWork, txn_id: str, kind: str = "Invoice", *, excluding: str | None = None
) -> Decimal:
    total = Decimal(0)
    for payment in work.values("Payment"):
        if payment["Id"] == excluding:
            continue
        for link_kind, ident, amount in payment_links(payment):
            if link_kind == kind and ident == txn_id:
                total += amount
    return total


def refresh_linked(work: UnitOfWork, kind: str, txn_id: str) -> None:
    """Recompute an invoice's Balance (a credit memo's Balance and RemainingCredit) and its
    Payment links; bump it if anything changed."""
    refresh_linked_many(work, kind, [txn_id])


def refresh_linked_many(work: UnitOfWork, kind: str, txn_ids: Iterable[str]) -> None:
    """refresh_linked for several of one kind, in one pass over the payments (in order)."""
    txn_ids = list(dict.fromkeys(txn_ids))
    paid_by: dict[str, list[str]] = {ident: [] for ident in txn_ids}
    applied = dict.fromkeys(txn_ids, Decimal(0))
    for payment in work.values("Payment"):
        for link_kind, ident, amount in payment_links(payment):
            if link_kind == kind and ident in applied:
                applied[ident] += amount
                if payment["Id"] not in paid_by[ident]:
                    paid_by[ident].append(payment["Id"])
    for txn_id in txn_ids:
        txn = work.get(kind, txn_id)
        if txn is None or txn.get("_voided"):
            continue
        others = [link for link in txn.get("LinkedTxn", []) if link.get("TxnType") != "Payment"]
        linked = others + [{"TxnId": ident, "TxnType": "Payment"} for ident in paid_by[txn_id]]
        balance = money(txn["TotalAmt"] - applied[txn_id])
        if balance != txn["Balance"] or linked != txn.get("LinkedTxn", []):
            changes = {"Balance": balance, "LinkedTxn": linked}
            if kind == "CreditMemo":
                changes["RemainingCredit"] = balance
            work.put(kind, bumped(txn, changes, work.now), "Update")


def refresh_invoice(work: UnitOfWork, invoice_id: str) -> None:
    refresh_linked(work, "Invoice", invoice_id)


def unlink_invoice(work: UnitOfWork, invoice_id: str) -> None:
    """An invoice is going away (deleted or voided): its payments become unapplied credit.
    Credit memos the payment applied are released if no invoice line is left to take them."""
    for payment in list(work.values("Payment")):
        if not any(ident == invoice_id for ident, _ in invoice_links(payment)):
            continue
        lines = [line for line in payment["Line"] if not _links(line, "Invoice", invoice_id)]
        if net_applied(lines) < 0:
            lines = [line for line in lines if not _links(line, "CreditMemo", None)]
        changes = {"Line": lines, "UnappliedAmt": money(payment["TotalAmt"] - net_applied(lines))}
        work.put("Payment", bumped(payment, changes, work.now), "Update")
        for kind, ident, _ in payment_links(payment):
            if kind == "CreditMemo":
                refresh_linked(work, kind, ident)


def _links(line: dict, kind: str, txn_id: str | None) -> bool:
    return any(
        link.get("TxnType") == kind and (txn_id is None or str(link.get("TxnId")) == txn_id)
        for link in line.get("LinkedTxn", [])[:1]
    )


def reassign_transactions(work: UnitOfWork, from_id: str, to_ref: dict) -> None:
    """A merge: every sales transaction and payment of one customer now belongs to another."""
    for entity in CUSTOMER_TRANSACTIONS:
        for obj in list(work.values(entity)):
            if ref_value(obj.get("CustomerRef")) == from_id:
                work.put(entity, bumped(obj, {"CustomerRef": dict(to_ref)}, work.now), "Update")


def refresh_customers(work: UnitOfWork, customer_ids: Iterable[str | None]) -> None:
    """Recompute Balance (and parents' BalanceWithJobs); a silent write, as QBO derives it."""
    wanted = {ident for ident in customer_ids if ident}
    balances = _open_balances(work, {i for i in wanted if work.get("Customer", i) is not None})
    for customer_id, balance in balances.items():
        customer = work.get("Customer", customer_id)
        jobs = customer.get("BalanceWithJobs", Decimal(0)) - customer.get("Balance", Decimal(0))
        if balance != customer.get("Balance"):
            updated = {**customer, "Balance": balance, "BalanceWithJobs": money(balance + jobs)}
            work.put("Customer", updated)
            refresh_parents(work, updated)


# What each kind of transaction adds to its customer's balance.
_OPEN = (
    ("Invoice", "Balance", 1),
    ("Payment", "UnappliedAmt", -1),
    ("CreditMemo", "RemainingCredit", -1),
)


def _open_balances(work: UnitOfWork, customer_ids: set[str]) -> dict[str, Decimal]:
    """Open invoice balances less unapplied payments and credit left, for these customers,
    in one pass over each kind of transaction."""
    totals = dict.fromkeys(customer_ids, Decimal(0))
    if not totals:
        return {}
    for entity, key, sign in _OPEN:
        for txn in work.values(entity):
            ident = ref_value(txn.get("CustomerRef"))
            if ident in totals:
                amount = txn[key] if entity == "Invoice" else txn.get(key, Decimal(0))
                totals[ident] += amount if sign > 0 else -amount
    return {ident: money(total) for ident, total in totals.items()}


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
