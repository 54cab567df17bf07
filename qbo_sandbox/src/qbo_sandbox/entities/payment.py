"""Payment: applying money (and credit memos) to invoices, unapplied credit, void, delete.

A credit memo is applied to an invoice through a payment: a line linked to the invoice and a
line linked to the credit memo, with TotalAmt = invoice lines - credit-memo lines +
UnappliedAmt (so 0 when only credit is used: docs.breadwinner.com "applying credit to an
invoice"; Intuit's Payment reference lists CreditMemo among Line.LinkedTxn.TxnType values)."""

from __future__ import annotations

from decimal import Decimal

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities.base import (
    USD,
    EntityType,
    date_of,
    decimal_of,
    ref_value,
    resolve_ref,
    today,
)
from qbo_sandbox.entities.ledger import (
    net_applied,
    payment_links,
    refresh_customers,
    refresh_linked_many,
)

_NAME_VALUE = "{http://schema.intuit.com/finance/v3}NameValue"


def _line_ex(invoice: dict, open_balance: Decimal) -> dict:
    """Read-only LineEx, in the JAXB shape QBO serialises it in (see payment.json)."""
    pairs = [("txnId", invoice["Id"]), ("txnOpenBalance", f"{money(open_balance):.2f}")]
    if invoice.get("DocNumber"):
        pairs.append(("txnReferenceNumber", invoice["DocNumber"]))
    return {
        "any": [
            {
                "name": _NAME_VALUE,
                "nil": False,
                "value": {"Name": name, "Value": value},
                "declaredType": "com.intuit.schema.finance.v3.NameValue",
                "scope": "javax.xml.bind.JAXBElement$GlobalScope",
                "globalScope": True,
                "typeSubstituted": False,
            }
            for name, value in pairs
        ]
    }


class PaymentType(EntityType):
    name = "Payment"
    kind = "transaction"
    voidable = True
    read_only = frozenset({"UnappliedAmt"})
    fields = (
        "TxnDate",
        "CustomerRef",
        "TotalAmt",
        "UnappliedAmt",
        "Line",
        "PaymentRefNum",
        "PaymentMethodRef",
        "DepositToAccountRef",
        "ARAccountRef",
        "PrivateNote",
        "CurrencyRef",
        "ProcessPayment",
        "TxnSource",
    )

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        if existing is not None and existing.get("_voided"):
            raise errors.business_rule("A voided transaction cannot be modified.")
        customer_ref = resolve_ref(work, data, "CustomerRef", "Customer", required=True)
        total = decimal_of(data, "TotalAmt")
        if total is None:
            raise errors.required_param("TotalAmt")
        if total < 0:
            raise errors.business_rule("The payment amount cannot be negative.")
        current: dict[tuple[str, str], Decimal] = {}
        for kind, ident, amount in payment_links(existing or {}):
            current[(kind, ident)] = current.get((kind, ident), Decimal(0)) + amount
        lines = self.apply_lines(work, data.get("Line") or [], customer_ref["value"], current)
        applied = net_applied(lines)
        if applied > total:
            raise errors.business_rule(
                "The amounts applied to transactions cannot exceed the payment's TotalAmt."
            )
        if applied < 0:
            # Unverified wording: credit can only be used against invoices of the payment.
            raise errors.business_rule(
                "The credit applied is more than the invoices it is applied to."
            )
        obj = {"ProcessPayment": False, "CurrencyRef": dict(USD), **data}
        obj.update(
            CustomerRef=customer_ref,
            TotalAmt=money(total),
            Line=lines,
            UnappliedAmt=money(total - applied),
            TxnDate=date_of(data, "TxnDate", today(work)),
        )
        obj["DepositToAccountRef"] = resolve_ref(
            work, obj, "DepositToAccountRef", "Account", named=False
        ) or undeposited_funds(work)
        for key, entity in (("PaymentMethodRef", "PaymentMethod"), ("ARAccountRef", "Account")):
            if key in obj:
                obj[key] = resolve_ref(work, obj, key, entity)
        return {key: value for key, value in obj.items() if value is not None}

    def apply_lines(
        self, work: UnitOfWork, raw: list[dict], customer_id: str, current: dict[str, Decimal]
    ) -> list[dict]:
        lines: list[dict] = []
        taken: dict[tuple[str, str], Decimal] = {}
        for line in raw:
            amount = decimal_of(line, "Amount", "Line.Amount")
            links = line.get("LinkedTxn") or []
            if amount is None:
                raise errors.required_param("Line.Amount")
            if not links:
                raise errors.required_param("Line.LinkedTxn")
            txn = self.linked_invoice(work, links[0], customer_id)
            kind, ident = links[0]["TxnType"], txn["Id"]
            key = (kind, ident)
            open_balance = txn["Balance"] + current.get(key, Decimal(0)) - taken.get(key, 0)
            if amount < 0 or money(amount) > open_balance:
                # Unverified: QBO's exact code for over-application is not documented.
                raise errors.business_rule(
                    f"The amount applied to {kind} {ident} ({money(amount)}) is more than its "
                    f"open balance ({money(open_balance)})."
                )
            taken[key] = taken.get(key, Decimal(0)) + money(amount)
            lines.append(
                {
                    "Amount": money(amount),
                    "LineEx": _line_ex(txn, open_balance),
                    "LinkedTxn": [{"TxnId": ident, "TxnType": kind}],
                }
            )
        return lines

    def linked_invoice(self, work: UnitOfWork, link: dict, customer_id: str) -> dict:
        kind, ident = link.get("TxnType"), str(link.get("TxnId", ""))
        if not ident.strip().isdigit():
            raise errors.invalid_id(ident, "Line.LinkedTxn.TxnId")
        if kind not in ("Invoice", "CreditMemo"):
            raise errors.business_rule(f"Linking a payment to a {kind} is not supported.")
        txn = work.get(kind, ident)
        if txn is None or txn.get("_voided"):
            raise errors.object_not_found(kind, ident)
        if ref_value(txn.get("CustomerRef")) != customer_id:
            raise errors.business_rule(
                f"{kind} {ident} belongs to another customer than this payment."
            )
        return txn

    def after_write(self, work: UnitOfWork, old: dict | None, new: dict | None) -> None:
        self._refresh(work, [p for p in (old, new) if p])

    def after_create_many(self, work: UnitOfWork, created: list[dict]) -> None:
        self._refresh(work, created)

    def _refresh(self, work: UnitOfWork, payments: list[dict]) -> None:
        """What the payments link is counted again (invoices first), then their customers."""
        linked = {(kind, ident) for p in payments for kind, ident, _ in payment_links(p)}
        for kind in ("Invoice", "CreditMemo"):
            refresh_linked_many(work, kind, sorted((i for k, i in linked if k == kind), key=int))
        refresh_customers(work, [ref_value(p.get("CustomerRef")) for p in payments])

    def void(self, work: UnitOfWork, obj: dict) -> dict:
        lines = [{**line, "Amount": Decimal(0)} for line in obj.get("Line", [])]
        return {
            **obj,
            "TotalAmt": Decimal(0),
            "UnappliedAmt": Decimal(0),
            "Line": lines,
            "PrivateNote": "Voided",
            "_voided": True,
        }

    def render(self, obj: dict) -> dict:
        return {k: v for k, v in obj.items() if not k.startswith("_")}


def undeposited_funds(work: UnitOfWork) -> dict | None:
    for account in work.values("Account"):
        if account.get("AccountSubType") == "UndepositedFunds" and account.get("Active", True):
            return {"value": account["Id"]}
    return None
