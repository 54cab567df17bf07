"""Bill and VendorCredit: what the company owes vendors, on expense lines.

Shapes from the recorded answer samples/nango_bill_create.json (Intuit sandbox, May 2026):
APAccountRef defaulted to the Accounts Payable account, DueDate = TxnDate when no term
applies, Balance = TotalAmt, lines with LinkedTxn [], BillableStatus NotBillable, TaxCodeRef
NON, CustomExtensions []; MetaData.LastModifiedByRef. Intuit's Bill page: VendorRef and Line
required; lines AccountBasedExpenseLineDetail (AccountRef) or ItemBasedExpenseLineDetail.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from qbo_sandbox.books import errors
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import money
from qbo_sandbox.entities import schema
from qbo_sandbox.entities.base import (
    MODIFIED_BY,
    USD,
    EntityType,
    clean,
    date_of,
    decimal_of,
    resolve_ref,
    today,
)

ACCOUNT_LINE = "AccountBasedExpenseLineDetail"
ITEM_LINE = "ItemBasedExpenseLineDetail"


class PurchaseFormType(EntityType):
    kind = "transaction"
    read_only = frozenset({"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt", "LinkedTxn"})

    @cached_property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(schema.ENTITIES[self.name])

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        vendor_ref = resolve_ref(work, data, "VendorRef", "Vendor", required=True)
        lines = expense_lines(work, data.get("Line") or [])
        total = money(sum((line["Amount"] for line in lines), Decimal(0)))
        txn_date = date_of(data, "TxnDate", today(work))
        obj = {"CurrencyRef": dict(USD), **data, "VendorRef": vendor_ref, "Line": lines}
        obj.update(TotalAmt=total, TxnDate=txn_date, Balance=total)
        if "DepartmentRef" in obj:
            obj["DepartmentRef"] = resolve_ref(work, obj, "DepartmentRef", "Department")
        obj["APAccountRef"] = resolve_ref(work, obj, "APAccountRef", "Account") or _payables(work)
        self.dates(work, obj, date.fromisoformat(txn_date))
        return {key: value for key, value in obj.items() if value is not None}

    def dates(self, work: UnitOfWork, obj: dict, txn_date: date) -> None:
        """VendorCredit: no due date."""

    def render(self, obj: dict) -> dict:
        out = {k: v for k, v in obj.items() if not k.startswith("_")}
        out["MetaData"] = {**out["MetaData"], "LastModifiedByRef": dict(MODIFIED_BY)}
        return out


class BillType(PurchaseFormType):
    name = "Bill"

    def dates(self, work: UnitOfWork, obj: dict, txn_date: date) -> None:
        """DueDate: given, else TxnDate + the bill's (else the vendor's) term, else TxnDate
        (nango_bill_create.json: a vendor without a term, DueDate = TxnDate; the company's
        sales default term does not apply to bills)."""
        term_ref = resolve_ref(work, obj, "SalesTermRef", "Term")
        if term_ref is not None:
            obj["SalesTermRef"] = term_ref
        else:
            vendor = work.get("Vendor", obj["VendorRef"]["value"]) or {}
            term_ref = resolve_ref(work, {"TermRef": vendor.get("TermRef")}, "TermRef", "Term")
        if obj.get("DueDate"):
            obj["DueDate"] = date_of(obj, "DueDate")
            return
        term = work.get("Term", term_ref["value"]) if term_ref else None
        days = int(term.get("DueDays", 0)) if term else 0
        obj["DueDate"] = (txn_date + timedelta(days=days)).isoformat()


class VendorCreditType(PurchaseFormType):
    """Credit from a vendor; Balance = TotalAmt until used (no recorded answer: [U])."""

    name = "VendorCredit"


def _payables(work: UnitOfWork) -> dict | None:
    for account in work.values("Account"):
        if account.get("AccountType") == "Accounts Payable" and account.get("Active", True):
            return {"value": account["Id"], "name": account["Name"]}
    return None


def expense_lines(work: UnitOfWork, raw: list[dict]) -> list[dict]:
    if not raw:
        raise errors.required_param("Line")
    used = [int(line["Id"]) for line in raw if str(line.get("Id") or "").isdigit()]
    next_id = max(used, default=0)
    lines = []
    for number, line in enumerate(raw, start=1):
        detail_type = line.get("DetailType")
        if detail_type not in (ACCOUNT_LINE, ITEM_LINE):
            raise errors.invalid_property(f"Line.DetailType:{detail_type}")
        amount = decimal_of(line, "Amount", "Line.Amount")
        if amount is None:
            raise errors.required_param("Line.Amount")
        detail = clean(dict(line.get(detail_type) or {}))
        if not detail:
            raise errors.required_param(f"Line.{detail_type}")
        if not line.get("Id"):
            next_id += 1
        out = {"Id": str(line.get("Id") or next_id), "LineNum": line.get("LineNum") or number}
        if line.get("Description"):
            out["Description"] = line["Description"]
        out.update(Amount=money(amount), LinkedTxn=[], DetailType=detail_type)
        out[detail_type] = _detail(work, detail_type, detail, amount)
        out["CustomExtensions"] = []
        lines.append(out)
    return lines


def _detail(work: UnitOfWork, detail_type: str, detail: dict, amount: Decimal) -> dict:
    element = f"Line.{detail_type}"
    out = dict(detail)
    if detail_type == ACCOUNT_LINE:
        out["AccountRef"] = resolve_ref(
            work, detail, "AccountRef", "Account", required=True, element=f"{element}.AccountRef"
        )
    else:
        out["ItemRef"] = resolve_ref(
            work, detail, "ItemRef", "Item", required=True, element=f"{element}.ItemRef"
        )
        qty = decimal_of(detail, "Qty", f"{element}.Qty")
        price = decimal_of(detail, "UnitPrice", f"{element}.UnitPrice")
        if qty and price is not None and money(qty * price) != money(amount):
            raise errors.amount_mismatch(format(amount.normalize(), "f"))
        for key, value in (("Qty", qty), ("UnitPrice", price)):
            if value is not None:
                out[key] = value
    for key, entity in (("CustomerRef", "Customer"), ("ClassRef", "Class")):
        if key in detail:
            out[key] = resolve_ref(work, detail, key, entity, element=f"{element}.{key}")
    out.setdefault("BillableStatus", "NotBillable")
    tax_code = resolve_ref(work, detail, "TaxCodeRef", "TaxCode", element=f"{element}.TaxCodeRef")
    out["TaxCodeRef"] = tax_code or {"value": "NON"}
    return out
