"""Reports through python-quickbooks' get_report: ProfitAndLoss and AgedReceivables computed
from the sandbox's own transactions, in Intuit's report JSON."""

from __future__ import annotations

from decimal import Decimal

from sandbox_support import unpaced


def _sections(report: dict) -> dict[str, dict]:
    return {row["group"]: row for row in report["Rows"]["Row"] if "group" in row}


def _total(section: dict) -> Decimal:
    return Decimal(section["Summary"]["ColData"][1]["value"] or "0")


def test_profit_and_loss_follows_sales_credits_and_bills(qb, api, sandbox):
    unpaced(sandbox)
    period = {"start_date": "2026-05-01", "end_date": "2026-05-31"}
    empty = qb.get_report("ProfitAndLoss", period)
    assert empty["Header"]["ReportName"] == "ProfitAndLoss"
    assert empty["Header"]["Option"][1] == {"Name": "NoReportData", "Value": "true"}
    assert [c["ColType"] for c in empty["Columns"]["Column"]] == ["Account", "Money"]
    line = {"DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"ItemRef": {"value": "4"}}}
    for entity, amount in (("invoice", 300), ("salesreceipt", 50), ("creditmemo", 20)):
        body = {
            "CustomerRef": {"value": "1"},
            "TxnDate": "2026-05-10",
            "Line": [{**line, "Amount": amount}],
        }
        assert api.post(entity, body).status_code == 200
    api.post(
        "invoice",
        {"CustomerRef": {"value": "1"}, "TxnDate": "2026-06-01", "Line": [{**line, "Amount": 999}]},
    )
    bill = {
        "VendorRef": {"value": "1"},
        "TxnDate": "2026-05-12",
        "Line": [
            {
                "Amount": 80,
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "15"}},
            }
        ],
    }
    assert api.post("bill", bill).status_code == 200
    report = qb.get_report("ProfitAndLoss", period)
    sections = _sections(report)
    income = sections["Income"]
    assert income["Header"]["ColData"][0]["value"] == "Income"
    [design] = income["Rows"]["Row"]
    assert design["ColData"] == [{"value": "Design income", "id": "2"}, {"value": "330.00"}]
    assert _total(income) == Decimal("330")
    assert _total(sections["GrossProfit"]) == Decimal("330")
    [advertising] = sections["Expenses"]["Rows"]["Row"]
    assert advertising["ColData"][0] == {"value": "Advertising", "id": "15"}
    assert _total(sections["Expenses"]) == Decimal("80")
    assert _total(sections["NetOperatingIncome"]) == Decimal("250")
    assert _total(sections["NetIncome"]) == Decimal("250")
    assert report["Header"]["ReportBasis"] == "Accrual"


def test_aged_receivables_buckets_open_balances(qb, api, sandbox):
    unpaced(sandbox)
    customer = api.post("customer", {"DisplayName": "Aging Example"}).json()["Customer"]
    line = {
        "DetailType": "SalesItemLineDetail",
        "Amount": 100,
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    for due in ("2026-04-20", "2026-03-01"):  # 10 and 60 days past due on 2026-04-30
        body = {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-01-01",
            "DueDate": due,
            "Line": [line],
        }
        assert api.post("invoice", body).status_code == 200
    memo = {
        "CustomerRef": {"value": customer["Id"]},
        "TxnDate": "2026-04-30",
        "Line": [{**line, "Amount": 25}],
    }
    api.post("creditmemo", memo)
    report = qb.get_report("AgedReceivables", {"report_date": "2026-04-30"})
    titles = [c["ColTitle"] for c in report["Columns"]["Column"]]
    assert titles == ["", "Current", "1 - 30", "31 - 60", "61 - 90", "91 and over", "Total"]
    [row] = [
        r for r in report["Rows"]["Row"] if r.get("ColData", [{}])[0].get("id") == customer["Id"]
    ]
    assert [c["value"] for c in row["ColData"]] == [
        "Aging Example",
        "-25.00",
        "100.00",
        "100.00",
        "",
        "",
        "175.00",
    ]
    grand = report["Rows"]["Row"][-1]
    assert (grand["group"], grand["Summary"]["ColData"][0]["value"]) == ("GrandTotal", "TOTAL")
    assert report["Header"]["Option"][0] == {"Name": "report_date", "Value": "2026-04-30"}
    assert api.get("reports/BalanceSheet").json()["Fault"]["Error"][0]["code"] == "500"
