"""CompanyInfo, Preferences, PDFs and minor versions."""

from __future__ import annotations

import io

import pypdf
from quickbooks.objects import CompanyInfo, Invoice, Preferences


def test_company_info_is_read_by_realm_id(api, realm):
    response = api.get(f"companyinfo/{realm}")
    info = response.json()["CompanyInfo"]
    assert info["CompanyName"] == "Sandbox Company_US_1" and info["Id"] == "1"
    assert {"Name": "OfferingSku", "Value": "QuickBooks Online Plus"} in info["NameValue"]
    assert api.rows("SELECT * FROM CompanyInfo")["CompanyInfo"][0]["Id"] == "1"


def test_company_info_and_preferences_through_python_quickbooks(qb, realm):
    assert CompanyInfo.get(realm, qb=qb).CompanyName == "Sandbox Company_US_1"
    prefs = Preferences.get(qb=qb)
    assert prefs.SalesFormsPrefs.CustomTxnNumbers is False


def test_sparse_preferences_update_merges_sections(api):
    prefs = api.get("preferences").json()["Preferences"]
    body = {
        "Id": prefs["Id"],
        "SyncToken": prefs["SyncToken"],
        "sparse": True,
        "SalesFormsPrefs": {"CustomTxnNumbers": True},
    }
    updated = api.post("preferences", body).json()["Preferences"]
    assert updated["SalesFormsPrefs"]["CustomTxnNumbers"] is True
    assert updated["SalesFormsPrefs"]["AllowDiscount"] is True  # untouched leaf kept
    assert updated["SyncToken"] == "1"


def test_company_info_sparse_update(api, realm):
    info = api.get(f"companyinfo/{realm}").json()["CompanyInfo"]
    body = {"Id": "1", "SyncToken": info["SyncToken"], "sparse": True, "LegalName": "Legal LLC"}
    assert api.post("companyinfo", body).json()["CompanyInfo"]["LegalName"] == "Legal LLC"


def test_any_minor_version_or_none_is_accepted(api):
    for version in ("1", "75", "999"):
        assert api.get("customer/1", minorversion=version).status_code == 200
    bare = api.session.get(f"{api.base}/customer/1", timeout=10)
    assert bare.status_code == 200


def test_invoice_pdf_is_a_real_pdf(qb):
    invoice = Invoice.get(1, qb=qb)
    content = invoice.download_pdf(qb=qb)  # sends no minorversion
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = reader.pages[0].extract_text()
    assert invoice.DocNumber in text
    assert "Amy's Bird Sanctuary" in text
    assert "Balance due" in text


def test_pdf_of_a_missing_invoice_is_610(api):
    response = api.get("invoice/99999/pdf")
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "610"


def test_unknown_api_paths_answer_a_fault(api):
    response = api.get("reports/TrialBalance")  # a report the sandbox does not compute
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "500"
    assert api.get("widget/1").json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"
