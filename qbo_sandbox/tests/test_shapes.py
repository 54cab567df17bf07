"""Answers shaped like Intuit's today: what QBO always fills in, and nothing it does not."""

from __future__ import annotations

from datetime import date, timedelta

import requests
from quickbooks.objects import Preferences

from sandbox_support import Api

LINE = {
    "Amount": 100,
    "DetailType": "SalesItemLineDetail",
    "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": 100},
}


def test_an_invoice_gets_what_qbo_fills_in_and_nothing_from_the_customer(api: Api):
    customer = api.get("customer/1").json()["Customer"]
    assert customer["PrimaryEmailAddr"]["Address"]  # the customer has an address to copy
    body = {"CustomerRef": {"value": "1"}, "TxnDate": "2024-01-15", "Line": [LINE]}
    invoice = api.post("invoice", body).json()["Invoice"]
    # nango_invoice_create.json: no BillEmail, no SalesTermRef, no Deposit; due in 30 days.
    assert {"BillEmail", "SalesTermRef", "Deposit"}.isdisjoint(invoice)
    assert invoice["DueDate"] == (date(2024, 1, 15) + timedelta(days=30)).isoformat()
    assert (invoice["PrintStatus"], invoice["EmailStatus"]) == ("NeedToPrint", "NotSet")
    assert invoice["CustomField"] == [] and invoice["LinkedTxn"] == []
    assert invoice["FreeFormAddress"] is True
    assert invoice["ShipFromAddr"]["Line1"] == "123 Sierra Way"
    assert invoice["ShipFromAddr"]["Line2"] == "San Pablo, CA  87999"
    assert invoice["BillAddr"] == customer["BillAddr"]  # copied with the customer's Id
    assert invoice["MetaData"]["LastModifiedByRef"]["value"].isdigit()
    sales, subtotal = invoice["Line"]
    assert sales["CustomExtensions"] == [] and "CustomExtensions" not in subtotal
    assert sales["SalesItemLineDetail"]["ItemAccountRef"]["name"] == "Services"


def test_a_new_customer_is_not_geocoded_and_gets_the_default_tax_code(api: Api):
    body = {"DisplayName": "Fresh Address", "BillAddr": {"Line1": "1 Main St", "City": "Bayshore"}}
    customer = api.post("customer", body).json()["Customer"]
    assert customer["BillAddr"]["Id"].isdigit()
    assert {"Lat", "Long"}.isdisjoint(customer["BillAddr"])  # nango_customer_create.json
    assert customer["IsProject"] is False
    assert customer["DefaultTaxCodeRef"] == {"value": "2"}


def test_answers_carry_intuits_headers_and_faults_do_not(api: Api):
    answer = api.get("customer/1")
    assert answer.headers["Content-Type"] == "application/json;charset=utf-8"
    assert answer.headers["Cache-Control"] == (
        "max-age=0, no-cache, no-store, must-revalidate, private"
    )
    assert answer.headers["Expires"] == "0"
    fault = api.get("customer/99999")
    assert fault.status_code == 400
    assert fault.headers["Content-Type"] == "application/json"
    assert "Cache-Control" not in fault.headers
    query = api.query("SELECT * FROM Customer MAXRESULTS 2")
    assert query.headers["Content-Type"] == "application/json;charset=utf-8"


def test_invoice_queries_count_their_rows_and_customer_queries_do_not(api: Api):
    invoices = api.rows("SELECT * FROM Invoice STARTPOSITION 1 MAXRESULTS 5")
    assert invoices["totalCount"] == invoices["maxResults"] == len(invoices["Invoice"]) == 5
    customers = api.rows("SELECT * FROM Customer MAXRESULTS 5 STARTPOSITION 1")
    assert "totalCount" not in customers and customers["maxResults"] == 5


def test_revoke_answers_json(sandbox, auth_client):
    response = requests.post(
        f"{sandbox.url}/v2/oauth2/tokens/revoke",
        json={"token": auth_client.refresh_token},
        auth=(sandbox.config.client_id, sandbox.config.client_secret),
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {}


def test_preferences_have_every_section_intuit_returns(api: Api, qb):
    prefs = api.get("preferences").json()["Preferences"]
    sections = {
        "AccountingInfoPrefs",
        "ProductAndServicesPrefs",
        "SalesFormsPrefs",
        "EmailMessagesPrefs",
        "VendorAndPurchasesPrefs",
        "TimeTrackingPrefs",
        "TaxPrefs",
        "CurrencyPrefs",
        "ReportPrefs",
        "OtherPrefs",
    }
    assert sections <= prefs.keys()
    assert prefs["ReportPrefs"] == {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False}
    assert prefs["EmailMessagesPrefs"]["InvoiceMessage"]["Subject"].startswith("Invoice from")
    assert prefs["AccountingInfoPrefs"]["ClassTrackingPerTxnLine"] is False
    assert prefs["AccountingInfoPrefs"]["FirstMonthOfFiscalYear"] == "January"
    sales = prefs["SalesFormsPrefs"]
    assert {"ETransactionEnabledStatus", "IPNSupportEnabled", "UsingPriceLevels"} <= sales.keys()
    names = [slot["Name"] for group in sales["CustomField"] for slot in group["CustomField"]]
    assert "SalesFormsPrefs.UseSalesCustom1" in names
    other = {pair["Name"]: pair["Value"] for pair in prefs["OtherPrefs"]["NameValue"]}
    assert other["WorkWeekStartDate"] == "Monday"
    assert prefs["TimeTrackingPrefs"]["WorkWeekStartDate"] == "Monday"
    read = Preferences.get(qb=qb)  # python-quickbooks reads it whole
    assert read.ReportPrefs.ReportBasis == "Accrual"


def test_a_voided_invoice_keeps_its_lines_at_zero(api: Api):
    invoice = api.post(
        "invoice", {"CustomerRef": {"value": "1"}, "Line": [LINE], "PrivateNote": "oops"}
    ).json()["Invoice"]
    voided = api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="void").json()[
        "Invoice"
    ]
    assert [line["Amount"] for line in voided["Line"]] == [0, 0]
    assert voided["Line"][0]["SalesItemLineDetail"]["Qty"] == 0
    assert (voided["TotalAmt"], voided["Balance"], voided["TxnTaxDetail"]["TotalTax"]) == (0, 0, 0)
    assert voided["PrivateNote"] == "Voided oops"  # "Voided" is prepended (Intuit's text)
    assert api.get(f"invoice/{invoice['Id']}").json()["Invoice"]["Line"][0]["Amount"] == 0
