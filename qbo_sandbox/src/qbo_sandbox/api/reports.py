"""GET /v3/company/{realm}/reports/ProfitAndLoss and /reports/AgedReceivables, computed from
the company's own transactions, in Intuit's report JSON: Header (Time, ReportName,
ReportBasis, StartPeriod, EndPeriod, Currency, Option NameValues), Columns.Column (ColTitle,
ColType, MetaData ColKey) and Rows.Row — Sections with Header/Rows/Summary ColData and a
`group` (Income, COGS, GrossProfit, Expenses, NetOperatingIncome, OtherIncome, OtherExpenses,
NetOtherIncome, NetIncome; GrandTotal), Data rows with ColData [{value, id}].

Shapes: Intuit's ProfitAndLoss and ARAgingSummary ("AgedReceivables") reference pages and
P&L answers recorded from sandbox companies in public test suites (found through the code
corpus: e.g. Income "Total Income", a GrossProfit section with only a Summary, an empty
Expenses section with "" amounts). Amounts are strings with two decimals, as QBO sends them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from qbo_sandbox.api.responses import json_body
from qbo_sandbox.books import errors
from qbo_sandbox.books.clock import company_date, meta_time
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities.base import ref_value

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

SALES_SIGN = {"Invoice": 1, "SalesReceipt": 1, "CreditMemo": -1, "RefundReceipt": -1}
PURCHASE_SIGN = {"Bill": -1, "VendorCredit": 1}  # credit side: a bill debits its account
# (group, header, summary label, account types, revenue side?)
SECTIONS = [
    ("Income", "Income", "Total Income", ("Income",), True),
    ("COGS", "Cost of Goods Sold", "Total Cost of Goods Sold", ("Cost of Goods Sold",), False),
    ("Expenses", "Expenses", "Total Expenses", ("Expense",), False),
    ("OtherIncome", "Other Income", "Total Other Income", ("Other Income",), True),
    ("OtherExpenses", "Other Expenses", "Total Other Expenses", ("Other Expense",), False),
]
AGING = [("Current", None), ("1 - 30", 30), ("31 - 60", 60), ("61 - 90", 90), ("91 and over", 0)]


def run(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    name = values["report"]
    today = company_date(app.state.clock.now())
    if name.lower() == "profitandloss":
        body = profit_and_loss(company, request.args, today)
    elif name.lower() == "agedreceivables":
        body = aged_receivables(company, request.args, today)
    else:
        raise errors.unsupported_operation(f"Operation report {name} is not supported.")
    body["Header"] = {"Time": meta_time(app.state.clock.now()), **body["Header"]}
    response = json_body(app, body)
    return response


def _day(args, key: str, default: date) -> date:
    text = args.get(key)
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise errors.invalid_date(key, text) from None


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else f"{amount.quantize(Decimal('0.01')):.2f}"


def _col(title: str, col_type: str, key: str | None = None) -> dict:
    column = {"ColTitle": title, "ColType": col_type}
    if key:
        column["MetaData"] = [{"Name": "ColKey", "Value": key}]
    return column


def _postings(company: Company, start: date, end: date) -> dict[str, Decimal]:
    """Account id -> credits minus debits in the period (accrual: by TxnDate)."""
    credit: dict[str, Decimal] = defaultdict(Decimal)
    for entity, sign in {**SALES_SIGN, **PURCHASE_SIGN}.items():
        for txn in company.rows(entity):
            if txn.get("_voided") or not start <= date.fromisoformat(txn["TxnDate"]) <= end:
                continue
            for line in txn.get("Line", []):
                detail = line.get("SalesItemLineDetail") or {}
                account = ref_value(detail.get("ItemAccountRef"))
                expense = line.get("AccountBasedExpenseLineDetail") or {}
                account = account or ref_value(expense.get("AccountRef"))
                if account is None and line.get("ItemBasedExpenseLineDetail"):
                    item_id = ref_value(line["ItemBasedExpenseLineDetail"].get("ItemRef"))
                    item = company.get("Item", item_id or "") or {}
                    account = ref_value(
                        item.get("ExpenseAccountRef") or item.get("AssetAccountRef")
                    )
                if account:
                    credit[account] += sign * line.get("Amount", Decimal(0))
    return credit


def profit_and_loss(company: Company, args, today: date) -> dict:
    start = _day(args, "start_date", date(today.year, 1, 1))
    end = _day(args, "end_date", today)
    credit = _postings(company, start, end)
    totals: dict[str, Decimal] = {}
    rows: list[dict] = []
    for group, header, label, types, revenue in SECTIONS:
        data = []
        for account in company.rows("Account"):
            if account.get("AccountType") in types and credit.get(account["Id"]):
                amount = credit[account["Id"]] * (1 if revenue else -1)
                data.append(
                    {
                        "ColData": [
                            {"value": account["Name"], "id": account["Id"]},
                            {"value": _money(amount)},
                        ],
                        "type": "Data",
                    }
                )
                totals[group] = totals.get(group, Decimal(0)) + amount
        if data or group in ("Income", "Expenses"):
            section = {"Header": {"ColData": [{"value": header}, {"value": ""}]}}
            if data:
                section["Rows"] = {"Row": data}
            section["Summary"] = {
                "ColData": [{"value": label}, {"value": _money(totals.get(group))}]
            }
            rows.append({**section, "type": "Section", "group": group})
        zero = Decimal(0)
        if group == "COGS":
            gross = totals.get("Income", zero) - totals.get("COGS", zero)
            rows.append(_summary("GrossProfit", "Gross Profit", gross))
        if group == "Expenses":
            operating = gross - totals.get("Expenses", zero)
            rows.append(_summary("NetOperatingIncome", "Net Operating Income", operating))
    other = totals.get("OtherIncome", Decimal(0)) - totals.get("OtherExpenses", Decimal(0))
    if "OtherIncome" in totals or "OtherExpenses" in totals:
        rows.append(_summary("NetOtherIncome", "Net Other Income", other))
    rows.append(_summary("NetIncome", "Net Income", operating + other))
    basis = args.get("accounting_method") or "Accrual"
    return {
        "Header": {
            "ReportName": "ProfitAndLoss",
            "ReportBasis": basis,
            "StartPeriod": start.isoformat(),
            "EndPeriod": end.isoformat(),
            "SummarizeColumnsBy": "Total",
            "Currency": "USD",
            "Option": [
                {"Name": "AccountingStandard", "Value": "GAAP"},
                {"Name": "NoReportData", "Value": "false" if totals else "true"},
            ],
        },
        "Columns": {"Column": [_col("", "Account", "account"), _col("Total", "Money", "total")]},
        "Rows": {"Row": rows},
    }


def _summary(group: str, label: str, amount: Decimal) -> dict:
    return {
        "Summary": {"ColData": [{"value": label}, {"value": _money(amount)}]},
        "type": "Section",
        "group": group,
    }


def _bucket(days_past_due: int) -> int:
    for index, (_, limit) in enumerate(AGING[1:-1], start=1):
        if days_past_due <= limit:
            return index
    return len(AGING) - 1


def aged_receivables(company: Company, args, today: date) -> dict:
    """Open invoices by days past their DueDate at report_date; credit memos' remaining
    credit and unapplied payments as negative amounts aged from their TxnDate."""
    as_of = _day(args, "report_date", today)
    open_items: list[tuple[str, date, Decimal]] = []
    for entity, key, sign, when in (
        ("Invoice", "Balance", 1, "DueDate"),
        ("CreditMemo", "RemainingCredit", -1, "TxnDate"),
        ("Payment", "UnappliedAmt", -1, "TxnDate"),
    ):
        for txn in company.rows(entity):
            amount = txn.get(key) or Decimal(0)
            if not amount or date.fromisoformat(txn["TxnDate"]) > as_of:
                continue
            customer = ref_value(txn.get("CustomerRef"))
            due = date.fromisoformat(txn.get(when) or txn["TxnDate"])
            open_items.append((customer, due, sign * amount))
    by_customer: dict[str, list[Decimal]] = {}
    for customer, due, amount in open_items:
        days = (as_of - due).days
        buckets = by_customer.setdefault(customer, [Decimal(0)] * len(AGING))
        buckets[0 if days <= 0 else _bucket(days)] += amount
    rows = []
    grand = [Decimal(0)] * len(AGING)
    for customer_id in sorted(by_customer, key=lambda ident: _name(company, ident).casefold()):
        buckets = by_customer[customer_id]
        grand = [a + b for a, b in zip(grand, buckets, strict=True)]
        rows.append(
            {
                "ColData": [
                    {"value": _name(company, customer_id), "id": customer_id},
                    *({"value": _money(b) if b else ""} for b in buckets),
                    {"value": _money(sum(buckets, Decimal(0)))},
                ]
            }
        )
    rows.append(
        {
            "Summary": {
                "ColData": [
                    {"value": "TOTAL"},
                    *({"value": _money(b)} for b in grand),
                    {"value": _money(sum(grand, Decimal(0)))},
                ]
            },
            "type": "Section",
            "group": "GrandTotal",
        }
    )
    columns = [_col("", "Customer")] + [_col(title, "Money") for title, _ in AGING]
    return {
        "Header": {
            "ReportName": "AgedReceivables",
            "StartPeriod": as_of.isoformat(),
            "EndPeriod": as_of.isoformat(),
            "Currency": "USD",
            "Option": [
                {"Name": "report_date", "Value": as_of.isoformat()},
                {"Name": "NoReportData", "Value": "false" if by_customer else "true"},
            ],
        },
        "Columns": {"Column": [*columns, _col("Total", "Money")]},
        "Rows": {"Row": rows},
    }


def _name(company: Company, customer_id: str) -> str:
    customer = company.get("Customer", customer_id) or {}
    return str(customer.get("DisplayName") or "")
