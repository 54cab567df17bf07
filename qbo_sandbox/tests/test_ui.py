"""The demo UI over HTTP: companies, customer edit, receive payment, fault switches."""

from __future__ import annotations

import re
from decimal import Decimal

import requests

from sandbox_support import edit_customer_in_ui, ui_post


def _get(sandbox, path: str) -> requests.Response:
    response = requests.get(f"{sandbox.url}{path}", timeout=10)
    assert response.status_code == 200, response.text
    return response


def test_home_lists_companies_and_creates_one(sandbox, realm):
    page = _get(sandbox, "/").text
    assert "Sandbox Company_US_1" in page and realm in page
    assert "/static/sandbox.css" in page and "cdn" not in page.lower()
    created = requests.post(f"{sandbox.url}/ui/companies", data={"name": "UI Made Co"}, timeout=10)
    assert created.status_code == 200 and "UI Made Co" in created.text
    assert any(c.name == "UI Made Co" for c in sandbox.state.companies.values())


def test_customers_page_lists_pages_and_searches(sandbox, realm):
    sandbox.control.seed_customers(realm, 120)
    first = _get(sandbox, f"/ui/companies/{realm}/customers").text
    assert "Amy&#x27;s Bird Sanctuary" in first and "149 customers" in first
    assert "Next page" in first
    found = _get(sandbox, f"/ui/companies/{realm}/customers?q=jalop").text
    assert "Jeff&#x27;s Jalopies" in found and "1 customers" in found


def test_edit_customer_saves_through_the_mutation_path(sandbox, realm):
    form = _get(sandbox, f"/ui/companies/{realm}/customers/3").text
    assert re.search(r'<button type="submit" class="primary">Save</button>', form)
    response = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/customers/3",
        timeout=10,
        data={
            "sync_token": "0",
            "display_name": "Cool Cars Ltd",
            "given_name": "Grace",
            "family_name": "Pariente",
            "company_name": "Cool Cars",
            "email": "cars@example.com",
            "phone": "",
            "active": "1",
        },
    )
    assert response.status_code == 200 and "Saved customer Cool Cars Ltd" in response.text
    customer = sandbox.state.companies[realm].get("Customer", "3")
    assert customer["DisplayName"] == "Cool Cars Ltd" and customer["SyncToken"] == "1"
    assert "PrimaryPhone" not in customer
    last = sandbox.state.companies[realm].changes[-1]
    assert (last.entity, last.id, last.operation, last.source) == ("Customer", "3", "Update", "ui")


def test_edit_customer_reports_rule_violations(sandbox, realm):
    response = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/customers/3",
        timeout=10,
        data={"sync_token": "0", "display_name": "Amy's Bird Sanctuary", "active": "1"},
    )
    assert response.status_code == 400
    assert "Duplicate Name Exists Error" in response.text


def test_receive_payment_prefills_the_open_balance_and_records_a_linked_payment(sandbox, realm):
    company = sandbox.state.companies[realm]
    invoice = next(inv for inv in company.tables["Invoice"].values() if inv["Balance"] > 0)
    listing = _get(sandbox, f"/ui/companies/{realm}/invoices").text
    assert f"/ui/companies/{realm}/invoices/{invoice['Id']}/receive-payment" in listing
    assert '<button type="submit">Receive payment</button>' in listing
    form = _get(sandbox, f"/ui/companies/{realm}/invoices/{invoice['Id']}/receive-payment").text
    assert f'name="amount" id="amount" value="{invoice["Balance"]}"' in form
    assert '<button type="submit" class="primary">Save payment</button>' in form
    partial = invoice["Balance"] - Decimal("10")
    response = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/invoices/{invoice['Id']}/receive-payment",
        timeout=10,
        data={
            "amount": str(partial),
            "txn_date": "2026-01-02",
            "payment_method": "2",
            "reference": "1234",
        },
    )
    assert response.status_code == 200 and "Saved payment" in response.text
    after = company.get("Invoice", invoice["Id"])
    assert after["Balance"] == Decimal("10")
    payment = list(company.tables["Payment"].values())[-1]
    assert payment["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    assert payment["PaymentRefNum"] == "1234"
    sources = [(c.entity, c.operation, c.source) for c in company.changes[-2:]]
    assert sources == [("Payment", "Create", "ui"), ("Invoice", "Update", "ui")]
    assert f"Invoice {invoice['Id']}" in _get(sandbox, f"/ui/companies/{realm}/payments").text


def test_receive_payment_refuses_more_than_the_balance(sandbox, realm):
    company = sandbox.state.companies[realm]
    invoice = next(inv for inv in company.tables["Invoice"].values() if inv["Balance"] > 0)
    response = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/invoices/{invoice['Id']}/receive-payment",
        timeout=10,
        data={"amount": str(invoice["Balance"] + 1), "txn_date": "", "payment_method": "1"},
    )
    assert response.status_code == 400
    assert "open balance" in response.text


def test_paid_invoices_have_no_receive_payment_button(sandbox, realm):
    listing = _get(sandbox, f"/ui/companies/{realm}/invoices").text
    paid_rows = [row for row in listing.split("<tr>") if "badge paid" in row]
    assert paid_rows and not any("Receive payment" in row for row in paid_rows)


def test_fault_switches_page_adds_and_clears_faults(sandbox, realm):
    assert "Fault switches" in _get(sandbox, "/ui/faults").text
    added = requests.post(
        f"{sandbox.url}/ui/faults",
        timeout=10,
        data={
            "action": "add",
            "path_regex": "/customer/1$",
            "kind": "status",
            "status": "503",
            "count": "1",
            "seconds": "",
            "percent": "",
        },
    )
    assert "Added fault" in added.text
    assert sandbox.control.faults()[0]["status"] == 503
    requests.post(f"{sandbox.url}/ui/faults", data={"action": "clear"}, timeout=10)
    assert sandbox.control.faults() == []


def test_fault_switches_page_controls_tokens(sandbox, realm, auth_client):
    requests.post(
        f"{sandbox.url}/ui/faults", data={"action": "token_mode", "mode": "strict"}, timeout=10
    )
    assert sandbox.state.oauth.mode == "strict"
    page = requests.post(f"{sandbox.url}/ui/faults", data={"action": f"revoke:{realm}"}, timeout=10)
    assert "Revoke: 1 grant(s)" in page.text
    assert all(grant.revoked for grant in sandbox.state.oauth.grants_for(realm))


def test_invoice_page_shows_lines_links_and_a_pdf(sandbox, realm):
    company = sandbox.state.companies[realm]
    paid = next(inv for inv in company.tables["Invoice"].values() if inv["LinkedTxn"])
    page = _get(sandbox, f"/ui/companies/{realm}/invoices/{paid['Id']}").text
    assert f"Invoice {paid['DocNumber']}" in page and "Paid" in page
    assert f"Payment {paid['LinkedTxn'][0]['TxnId']}" in page
    assert "Receive payment" not in page
    pdf = _get(sandbox, f"/ui/companies/{realm}/invoices/{paid['Id']}/pdf")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_fault_switches_page_pauses_and_shapes_webhook_delivery(hooked):
    sandbox = hooked.sandbox
    page = _get(sandbox, "/ui/faults").text
    assert "<h2>Webhooks</h2>" in page and "Delivery is <strong>running</strong>" in page

    paused = ui_post(sandbox, "/ui/faults", {"action": "webhooks_pause"})
    assert "Webhook delivery paused" in paused.text and "Resume delivery" in paused.text
    edit_customer_in_ui(sandbox, hooked.realm, "3", "Held By The UI")
    chaos = {"action": "webhooks_chaos", "drop": "0", "duplicate": "100", "reorder": ""}
    assert "Set delivery chaos" in ui_post(sandbox, "/ui/faults", chaos).text
    assert hooked.receiver.received == []

    resumed = ui_post(sandbox, "/ui/faults", {"action": "webhooks_resume"})
    assert "Webhook delivery resumed" in resumed.text
    assert len(hooked.receiver.wait_for(2)) == 2  # duplicated
    ui_post(sandbox, "/ui/faults", {"action": "webhooks_flush"})
    log = _get(sandbox, "/ui/faults").text
    assert "<td>Customer 3 Update</td><td>200</td><td>duplicate</td>" in log

    settings = {
        "action": "webhooks_settings",
        "webhook_url": hooked.receiver.url,
        "webhook_format": "legacy",
        "webhook_window": "0.05",
    }
    ui_post(sandbox, "/ui/faults", settings)
    assert hooked.control.webhooks()["format"] == "legacy"
    bad = ui_post(sandbox, "/ui/faults", {**settings, "webhook_window": "soon"})
    assert "Not changed" in bad.text


def test_other_lists_show_the_newer_entities(sandbox, realm, api):
    top = api.post("item", {"Name": "Patio", "Type": "Category"}).json()["Item"]
    api.post(
        "item",
        {
            "Name": "Bench",
            "Type": "Service",
            "IncomeAccountRef": {"value": "1"},
            "ParentRef": {"value": top["Id"]},
        },
    )
    api.post("class", {"Name": "Wholesale"})
    line = {
        "Amount": 30,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    memo = api.post("creditmemo", {"CustomerRef": {"value": "1"}, "Line": [line]}).json()
    index = _get(sandbox, f"/ui/companies/{realm}/lists").text
    for name in ("CreditMemo", "SalesReceipt", "Estimate", "Bill", "Attachable", "TaxRate"):
        assert f"/lists/{name}" in index
    items = _get(sandbox, f"/ui/companies/{realm}/lists/Item?q=patio").text
    assert "Patio:Bench" in items and "2 rows" in items
    assert "Wholesale" in _get(sandbox, f"/ui/companies/{realm}/lists/Class").text
    ident = memo["CreditMemo"]["Id"]
    shown = _get(sandbox, f"/ui/companies/{realm}/lists/CreditMemo/{ident}").text
    assert "RemainingCredit" in shown and "30.00" in shown and "SubTotalLineDetail" in shown
    missing = requests.get(f"{sandbox.url}/ui/companies/{realm}/lists/Nothing", timeout=10)
    assert missing.status_code == 404


def test_settings_page_turns_preferences_on(sandbox, realm, api):
    page = _get(sandbox, f"/ui/companies/{realm}/settings").text
    assert 'name="automated_sales_tax" value="1" checked' in page
    form = {
        "sales_tax": "1",
        "automated_sales_tax": "1",
        "shipping": "1",
        "class_tracking": "line",
        "track_departments": "1",
        "custom_field_1": "Crew #",
        "multicurrency": "1",
        "currencies": "EUR, GBP",
    }
    saved = requests.post(f"{sandbox.url}/ui/companies/{realm}/settings", data=form, timeout=10)
    assert saved.status_code == 200 and "Saved the company settings" in saved.text
    prefs = api.get("preferences").json()["Preferences"]
    assert prefs["SalesFormsPrefs"]["AllowShipping"] is True
    assert prefs["AccountingInfoPrefs"]["ClassTrackingPerTxnLine"] is True
    assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is True
    codes = {r["Code"] for r in api.rows("select * from CompanyCurrency")["CompanyCurrency"]}
    assert codes == {"EUR", "GBP"}
    assert "EUR, GBP" in saved.text and 'value="Crew #"' in saved.text
    # Multicurrency cannot be turned off again.
    refused = requests.post(
        f"{sandbox.url}/ui/companies/{realm}/settings", data={"class_tracking": "none"}, timeout=10
    )
    assert refused.status_code == 400 and "cannot be turned off" in refused.text
