"""CreditMemo, SalesReceipt, RefundReceipt and Estimate: the other sales forms.

They share the Invoice line model, totals and numbering (SalesFormType). Sources:
Intuit's reference pages for each (QBO-TRANSACTIONS.md §5) and the recorded answers
samples/nango_creditmemo_create.json and nango_estimate_create.json.
"""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.base import date_of, resolve_ref
from qbo_sandbox.entities.invoice import SalesFormType
from qbo_sandbox.entities.ledger import applied_to
from qbo_sandbox.entities.payment import undeposited_funds

DEPOSIT_ACCOUNT_TYPES = ("Bank", "Other Current Asset")
ESTIMATE_STATUSES = ("Pending", "Accepted", "Closed", "Rejected")


class CreditMemoType(SalesFormType):
    """Credit owed to the customer: Balance = RemainingCredit = TotalAmt until a payment
    applies it (quickbooks-ruby fetch_credit_memo.xml; nango_creditmemo_create.json).
    Delete only: no void in Intuit's SDKs."""

    name = "CreditMemo"
    stock_sign = 1

    def amounts(self, work: UnitOfWork, obj: dict, existing: dict | None) -> None:
        applied = applied_to(work, existing["Id"], "CreditMemo") if existing else Decimal(0)
        if obj["TotalAmt"] < applied:
            raise errors.business_rule(
                "The credit memo total cannot be less than the credit already applied."
            )
        obj["Balance"] = obj["RemainingCredit"] = money(obj["TotalAmt"] - applied)

    def on_delete(self, work: UnitOfWork, obj: dict) -> None:
        # Intuit's Invoice page: "You must unlink any linked transactions ... before deleting
        # it"; the sandbox applies that to applied credit (code and text unverified).
        if applied_to(work, obj["Id"], "CreditMemo"):
            raise errors.business_rule(
                "This credit memo has been applied by a payment: unlink it before deleting."
            )


def _deposit_account(work: UnitOfWork, obj: dict, *, required: bool) -> dict | None:
    ref = resolve_ref(work, obj, "DepositToAccountRef", "Account", required=required)
    if ref is None:
        return undeposited_funds(work)
    account = work.get("Account", ref["value"]) or {}
    if account.get("AccountType") not in DEPOSIT_ACCOUNT_TYPES:
        # Intuit: the account must be of type Bank or Other Current Asset (code unverified).
        raise errors.business_rule(
            "DepositToAccountRef must be a Bank or Other Current Asset account."
        )
    return ref


class _PaidAtOnce(SalesFormType):
    customer_required = False
    deposit_required = False

    def amounts(self, work: UnitOfWork, obj: dict, existing: dict | None) -> None:
        obj["Balance"] = Decimal(0)
        obj["DepositToAccountRef"] = _deposit_account(work, obj, required=self.deposit_required)
        if obj["DepositToAccountRef"] is None:
            del obj["DepositToAccountRef"]
        if "PaymentMethodRef" in obj:
            obj["PaymentMethodRef"] = resolve_ref(work, obj, "PaymentMethodRef", "PaymentMethod")


class SalesReceiptType(_PaidAtOnce):
    """A sale paid at once: Balance 0, DepositToAccountRef defaults to Undeposited Funds
    (Intuit's SalesReceipt page; minimul/qbo_api spec/vcr/update/sales_receipt.yml).
    Voidable with ?operation=update&include=void (or operation=void)."""

    name = "SalesReceipt"
    voidable = True
    stock_sign = -1


class RefundReceiptType(_PaidAtOnce):
    """Money paid back: DepositToAccountRef (the account refunded from) is required
    (Intuit's RefundReceipt page; 2020 as for other missing parameters), Balance 0
    (quickbooks-ruby refund_receipt.xml). Delete only."""

    name = "RefundReceipt"
    deposit_required = True
    stock_sign = 1


class EstimateType(SalesFormType):
    """A quote: TxnStatus Pending (nango_estimate_create.json; no Balance, no DueDate),
    Accepted, Closed or Rejected; ExpirationDate; an invoice linked to it closes it."""

    name = "Estimate"
    number_group = ("Estimate",)

    def amounts(self, work: UnitOfWork, obj: dict, existing: dict | None) -> None:
        obj.pop("Balance", None)
        status = obj.get("TxnStatus") or "Pending"
        if status not in ESTIMATE_STATUSES:
            # Unverified wording; the statuses are Intuit's (Estimate reference, TxnStatus).
            raise errors.business_rule(
                f"TxnStatus {status} is not one of {', '.join(ESTIMATE_STATUSES)}."
            )
        obj["TxnStatus"] = status
        for key in ("ExpirationDate", "AcceptedDate"):
            if key in obj:
                obj[key] = date_of(obj, key)

    def on_delete(self, work: UnitOfWork, obj: dict) -> None:
        if any(link.get("TxnType") == "Invoice" for link in obj.get("LinkedTxn", [])):
            raise errors.business_rule(
                "This estimate is linked to an invoice: unlink it before deleting."
            )
