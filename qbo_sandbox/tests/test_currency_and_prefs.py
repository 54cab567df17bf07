"""Multicurrency (CompanyCurrency, a customer's one currency, CurrencyRef/ExchangeRate on
invoices), class/location tracking and sales-form custom fields per Preferences, and the
strict-request cases issue 15 names."""

from __future__ import annotations

import pytest

from sandbox_support import Api, connect, unpaced

MISMATCH = (
    "Business Validation Error: The currency of the transaction is invalid for "
    "customer/vendor/account."
)


@pytest.fixture(autouse=True)
def _quick(request):
    if "sandbox" in request.fixturenames:
        unpaced(request.getfixturevalue("sandbox"))


def _line(amount=100, item="1", **detail) -> dict:
    return {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": item}, **detail},
    }


def _fault(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]


def _ok(response, entity: str) -> dict:
    assert response.status_code == 200, response.text
    return response.json()[entity]


@pytest.fixture
def multi(sandbox) -> Api:
    realm = sandbox.control.create_company(
        "Multi Co", features={"multicurrency": True, "currencies": ["EUR", "CAD"]}
    )
    return Api(sandbox, realm, connect(sandbox, realm_id=realm).access_token)


def test_single_currency_companies_refuse_other_currencies(api):
    error = _fault(
        api.post("customer", {"DisplayName": "Euro Buyer", "CurrencyRef": {"value": "EUR"}})
    )
    assert (error["code"], error["Detail"]) == ("6000", MISMATCH)
    body = {"CustomerRef": {"value": "1"}, "Line": [_line()], "CurrencyRef": {"value": "EUR"}}
    assert _fault(api.post("invoice", body))["Detail"] == MISMATCH
    invoice = _ok(api.post("invoice", {**body, "CurrencyRef": {"value": "USD"}}), "Invoice")
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert "ExchangeRate" not in invoice and "HomeTotalAmt" not in invoice


def test_multicurrency_cannot_be_turned_on_through_the_api(api):
    prefs = api.get("preferences").json()["Preferences"]
    body = {
        "Id": "1",
        "SyncToken": prefs["SyncToken"],
        "sparse": True,
        "CurrencyPrefs": {"MultiCurrencyEnabled": True},
    }
    assert _fault(api.post("preferences", body))["code"] == "6000"
    # Other preferences still update.
    body = {**body, "CurrencyPrefs": None, "SalesFormsPrefs": {"AllowShipping": True}}
    body.pop("CurrencyPrefs")
    assert _ok(api.post("preferences", body), "Preferences")["SalesFormsPrefs"]["AllowShipping"]


def test_company_currencies_are_listed_and_added(multi):
    rows = multi.rows("select * from CompanyCurrency")["CompanyCurrency"]
    assert [(r["Code"], r["Name"], r["Active"]) for r in rows] == [
        ("EUR", "Euro", True),
        ("CAD", "Canadian Dollar", True),
    ]
    gbp = _ok(multi.post("companycurrency", {"Code": "GBP"}), "CompanyCurrency")
    assert gbp["Name"] == "British Pound Sterling"
    assert _fault(multi.post("companycurrency", {"Code": "EUR"}))["code"] == "6240"
    assert _fault(multi.post("companycurrency", {"Code": "USD"}))["code"] == "6000"  # home
    today = multi.get("preferences").json()["time"][:10]
    changed = multi.get("cdc", entities="CompanyCurrency", changedSince=today).json()
    rows = changed["CDCResponse"][0]["QueryResponse"][0]["CompanyCurrency"]
    assert {r["Code"] for r in rows} == {"EUR", "CAD", "GBP"}


def test_an_invoice_takes_its_customers_currency_and_rate(multi):
    customer = _ok(
        multi.post("customer", {"DisplayName": "Berlin GmbH", "CurrencyRef": {"value": "EUR"}}),
        "Customer",
    )
    assert customer["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(200)]}
    invoice = _ok(multi.post("invoice", body), "Invoice")
    assert invoice["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    assert (invoice["ExchangeRate"], invoice["TotalAmt"]) == (1.08, 200)  # in EUR
    assert (invoice["HomeTotalAmt"], invoice["HomeBalance"]) == (216, 216)
    mine = _ok(multi.post("invoice", {**body, "ExchangeRate": 1.1}), "Invoice")
    assert (mine["ExchangeRate"], mine["HomeTotalAmt"]) == (1.1, 220)
    error = _fault(multi.post("invoice", {**body, "CurrencyRef": {"value": "USD"}}))
    assert (error["code"], error["Detail"]) == ("6000", MISMATCH)
    # A home-currency customer's invoice: rate 1.
    home = _ok(multi.post("invoice", {**body, "CustomerRef": {"value": "1"}}), "Invoice")
    assert (home["CurrencyRef"]["value"], home["ExchangeRate"]) == ("USD", 1)


def test_a_customers_currency_is_fixed_once_it_has_transactions(multi):
    customer = _ok(multi.post("customer", {"DisplayName": "Toronto Ltd"}), "Customer")
    assert customer["CurrencyRef"]["value"] == "USD"
    sparse = {"Id": customer["Id"], "sparse": True, "CurrencyRef": {"value": "CAD"}}
    moved = _ok(multi.post("customer", {**sparse, "SyncToken": customer["SyncToken"]}), "Customer")
    assert moved["CurrencyRef"]["value"] == "CAD"
    body = {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(10)]}
    _ok(multi.post("invoice", body), "Invoice")
    back = {**sparse, "SyncToken": moved["SyncToken"], "CurrencyRef": {"value": "USD"}}
    assert _fault(multi.post("customer", back))["code"] == "6000"
    # A currency the company does not use is refused at creation.
    jpy = {"DisplayName": "Tokyo KK", "CurrencyRef": {"value": "JPY"}}
    assert _fault(multi.post("customer", jpy))["Detail"] == MISMATCH


def test_class_and_location_refs_follow_the_preferences(api, sandbox, realm):
    klass = _ok(api.post("class", {"Name": "Retail"}), "Class")
    place = _ok(api.post("department", {"Name": "Downtown"}), "Department")
    line = _line(10, ClassRef={"value": klass["Id"]})
    body = {
        "CustomerRef": {"value": "1"},
        "Line": [line],
        "ClassRef": {"value": klass["Id"]},
        "DepartmentRef": {"value": place["Id"]},
    }
    off = _ok(api.post("invoice", body), "Invoice")  # tracking off: dropped
    assert "ClassRef" not in off and "DepartmentRef" not in off
    assert "ClassRef" not in off["Line"][0]["SalesItemLineDetail"]
    sandbox.control.set_features(realm, class_tracking="txn", track_departments=True)
    per_txn = _ok(api.post("invoice", body), "Invoice")
    assert per_txn["ClassRef"] == {"value": klass["Id"], "name": "Retail"}
    assert per_txn["DepartmentRef"] == {"value": place["Id"], "name": "Downtown"}
    assert "ClassRef" not in per_txn["Line"][0]["SalesItemLineDetail"]
    prefs = sandbox.control.set_features(realm, class_tracking="line")["preferences"]
    assert prefs["AccountingInfoPrefs"]["ClassTrackingPerTxn"] is False
    assert prefs["AccountingInfoPrefs"]["ClassTrackingPerTxnLine"] is True
    per_line = _ok(api.post("invoice", body), "Invoice")
    assert "ClassRef" not in per_line
    assert per_line["Line"][0]["SalesItemLineDetail"]["ClassRef"]["value"] == klass["Id"]
    error = _fault(api.post("invoice", {**body, "DepartmentRef": {"value": "999"}}))
    assert (error["code"], error["element"]) == ("2500", "DepartmentRef")
    error = _fault(api.post("invoice", {**body, "DepartmentRef": {"value": "abc"}}))
    assert (error["code"], error["Message"]) == ("2030", "Invalid ID")


def test_custom_fields_come_from_preferences_by_definition_id(api, sandbox, realm):
    prefs = sandbox.control.set_features(realm, custom_fields=["Crew #", "PO ref"])
    groups = prefs["preferences"]["SalesFormsPrefs"]["CustomField"]
    assert groups[0]["CustomField"][1] == {
        "Name": "SalesFormsPrefs.UseSalesCustom2",
        "Type": "BooleanType",
        "BooleanValue": True,
    }
    assert groups[1]["CustomField"][1]["StringValue"] == "PO ref"
    fields = [
        {"DefinitionId": "2", "StringValue": "PO-77", "Type": "StringType"},
        {"DefinitionId": "3", "StringValue": "slot 3 is off"},
        {"DefinitionId": "9", "StringValue": "no such slot"},
    ]
    body = {"CustomerRef": {"value": "1"}, "Line": [_line()], "CustomField": fields}
    invoice = _ok(api.post("invoice", body), "Invoice")
    assert invoice["CustomField"] == [
        {"DefinitionId": "1", "Name": "Crew #", "Type": "StringType"},
        {"DefinitionId": "2", "Name": "PO ref", "Type": "StringType", "StringValue": "PO-77"},
    ]
    found = api.rows(f"select * from Invoice where Id = '{invoice['Id']}'")["Invoice"][0]
    assert found["CustomField"] == invoice["CustomField"]


def test_strict_requests_issue_15_names(api):
    unknown = {"CustomerRef": {"value": "1"}, "Line": [_line()], "ShippingCost": 5}
    error = _fault(api.post("invoice", unknown))
    assert error["code"] == "2010" and 'Unrecognized field "ShippingCost"' in error["Detail"]
    nested = {"CustomerRef": {"value": "1"}, "Line": [_line(Colour="red")]}
    assert _fault(api.post("invoice", nested))["code"] == "2010"
    no_item = {"Amount": 5, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {"Qty": 1}}
    error = _fault(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [no_item]}))
    assert (error["code"], error["element"]) == ("2020", "Line.SalesItemLineDetail.ItemRef")
    error = _fault(api.get("customer/abc"))
    assert (error["code"], error["Message"]) == ("2030", "Invalid ID")
    error = _fault(api.post("invoice", {"CustomerRef": {"value": "abc"}, "Line": [_line()]}))
    assert (error["code"], error["Message"], error["element"]) == (
        "2030",
        "Invalid ID",
        "CustomerRef.value",
    )


def test_exchange_rates_are_read_from_the_table(multi):
    rate = multi.get("exchangerate", sourcecurrencycode="EUR", asofdate="2026-03-02").json()
    assert rate["ExchangeRate"] == {
        "SourceCurrencyCode": "EUR",
        "TargetCurrencyCode": "USD",
        "Rate": 1.08,
        "AsOfDate": "2026-03-02",
    }
    cad = multi.get("exchangerate", sourcecurrencycode="cad").json()["ExchangeRate"]
    assert cad["Rate"] == 0.74 and len(cad["AsOfDate"]) == 10
    assert _fault(multi.get("exchangerate"))["code"] == "2020"
    assert _fault(multi.get("exchangerate", sourcecurrencycode="XYZ"))["code"] == "610"


def test_a_sub_customer_takes_its_parents_currency(multi):
    parent = _ok(
        multi.post("customer", {"DisplayName": "Lyon SARL", "CurrencyRef": {"value": "EUR"}}),
        "Customer",
    )
    job = {"DisplayName": "Lyon SARL depot", "Job": True, "ParentRef": {"value": parent["Id"]}}
    made = _ok(multi.post("customer", job), "Customer")
    assert made["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    # Another currency than the parent's is refused, naming both.
    other = {**job, "DisplayName": "Lyon SARL office", "CurrencyRef": {"value": "CAD"}}
    fault = _fault(multi.post("customer", other))
    assert fault["code"] == "6000" and "EUR" in fault["Detail"] and "CAD" in fault["Detail"]
    # A top-level customer still takes the currency it is given.
    top = {"DisplayName": "Quebec Inc", "CurrencyRef": {"value": "CAD"}}
    assert _ok(multi.post("customer", top), "Customer")["CurrencyRef"]["value"] == "CAD"
