"""Strict requests, as QBO checks them: unknown properties (2010), required sub-objects (2020),
ids that are not numbers (2030), empty bodies (2310), dates QBO cannot read (2010)."""

from __future__ import annotations

import pytest
from quickbooks import objects as qbo_objects
from quickbooks.exceptions import ValidationException
from quickbooks.objects import Customer, Invoice
from quickbooks.objects.base import Address, EmailAddress, PhoneNumber, Ref, WebAddress
from quickbooks.objects.detailline import (
    DiscountLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)

from qbo_sandbox.entities import schema

LINE = {
    "Amount": 10,
    "DetailType": "SalesItemLineDetail",
    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
}

# python-quickbooks class -> the QBO entity whose property list must cover it.
LIBRARY_ENTITIES = {
    "Invoice": "Invoice",
    "Customer": "Customer",
    "Vendor": "Vendor",
    "Employee": "Employee",
    "Item": "Item",
    "Account": "Account",
    "Term": "Term",
    "PaymentMethod": "PaymentMethod",
    "Payment": "Payment",
    "CreditMemo": "CreditMemo",
    "SalesReceipt": "SalesReceipt",
    "RefundReceipt": "RefundReceipt",
    "Estimate": "Estimate",
    "Class": "Class",
    "Department": "Department",
    "CompanyInfo": "CompanyInfo",
    "Preferences": "Preferences",
    "TaxCode": "TaxCode",
    "Bill": "Bill",
    "VendorCredit": "VendorCredit",
    "Attachable": "Attachable",
}
LIBRARY_TYPES = {
    SalesItemLineDetail: "SalesItemLineDetail",
    DiscountLineDetail: "DiscountLineDetail",
    SalesItemLine: "Line",
    Address: schema.ADDR,
    EmailAddress: schema.EMAIL,
    PhoneNumber: schema.PHONE,
    WebAddress: schema.WEB,
    Ref: schema.REF,
}


def _attributes(cls) -> set[str]:
    return {key for key in vars(cls()) if not key.startswith("_")}


@pytest.mark.parametrize("name", sorted(LIBRARY_ENTITIES))
def test_every_python_quickbooks_attribute_is_known(name):
    """python-quickbooks 0.9.12 sends its constructor defaults: all must stay accepted."""
    cls = getattr(qbo_objects, name)
    assert _attributes(cls) - schema.known(LIBRARY_ENTITIES[name]).keys() == set()


def test_every_python_quickbooks_nested_attribute_is_known():
    for cls, type_name in LIBRARY_TYPES.items():
        assert _attributes(cls) - schema.TYPES[type_name].keys() == set(), cls.__name__


def _error(response):
    assert response.status_code == 400, response.text
    [error] = response.json()["Fault"]["Error"]
    assert response.json()["Fault"]["type"] == "ValidationFault"
    return error


def test_an_unknown_property_is_refused_naming_it(api):
    before = api.rows("SELECT COUNT(*) FROM Invoice")["totalCount"]
    error = _error(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [LINE], "Memo": 1}))
    assert error["code"] == "2010"
    assert error["Message"] == "Request has invalid or unsupported property"
    assert error["Detail"].startswith(
        'Property Name:Unrecognized field "Memo" (class com.intuit.schema.finance.v3.Invoice), '
        "not marked as ignorable ("
    )
    assert error["Detail"].endswith("specified is unsupported or invalid")
    assert "element" not in error  # as in Intuit's recorded 2010 (qbo_api 400_json.yml)
    assert api.rows("SELECT COUNT(*) FROM Invoice")["totalCount"] == before


def test_unknown_nested_properties_are_refused_at_any_depth(api):
    typo = {**LINE, "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Quantity": 2}}
    error = _error(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [typo]}))
    assert '"Quantity" (class com.intuit.schema.finance.v3.SalesItemLineDetail)' in error["Detail"]
    address = {"DisplayName": "Typo Street", "BillAddr": {"Street": "1 Main"}}
    error = _error(api.post("customer", address))
    assert '"Street" (class com.intuit.schema.finance.v3.PhysicalAddress)' in error["Detail"]
    ref = {"CustomerRef": {"value": "1", "id": "1"}, "Line": [LINE]}
    assert (
        '"id" (class com.intuit.schema.finance.v3.ReferenceType)'
        in _error(api.post("invoice", ref))["Detail"]
    )


def test_python_quickbooks_raises_on_a_misspelt_attribute(qb):
    customer = Customer()
    customer.DisplayName = "Misspelt Attribute"
    customer.Emial = "x@example.com"  # a typo that a lenient sandbox would accept
    with pytest.raises(ValidationException) as raised:
        customer.save(qb=qb)
    assert raised.value.error_code == 2010
    assert 'Unrecognized field "Emial"' in raised.value.detail


def test_a_full_python_quickbooks_invoice_with_its_defaults_is_accepted(qb):
    line = SalesItemLine()
    line.Amount = 20
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = Ref()
    line.SalesItemLineDetail.ItemRef.value = "1"
    invoice = Invoice()
    invoice.CustomerRef = Customer.get(1, qb=qb).to_ref()
    invoice.Line = [line]
    saved = invoice.save(qb=qb)
    assert saved.TotalAmt == 20
    saved.PrivateNote = "round trip of a read invoice"
    assert saved.save(qb=qb).SyncToken == "1"  # a read sent back whole is accepted too


def test_a_sales_line_needs_its_detail_and_item(api):
    empty = {**LINE, "SalesItemLineDetail": {}}
    error = _error(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [empty]}))
    assert (error["code"], error["element"]) == ("2020", "Line.SalesItemLineDetail")
    assert (
        error["Detail"] == "Required parameter Line.SalesItemLineDetail is missing in the request"
    )
    no_item = {**LINE, "SalesItemLineDetail": {"Qty": 1, "UnitPrice": 10}}
    error = _error(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [no_item]}))
    assert (error["code"], error["element"]) == ("2020", "Line.SalesItemLineDetail.ItemRef")
    error = _error(api.post("invoice", {"Line": [LINE]}))
    assert error["Detail"] == "Required parameter CustomerRef is missing in the request"


def test_ids_that_are_not_numbers_are_invalid(api):
    error = _error(api.get("invoice/abc"))
    assert (error["code"], error["Message"]) == ("2030", "Invalid ID")
    assert error["Detail"] == "Id should be a valid number. Supplied value:abc"
    bad_item = {**LINE, "SalesItemLineDetail": {"ItemRef": {"value": "Services"}}}
    error = _error(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [bad_item]}))
    assert (error["code"], error["element"]) == ("2030", "Line.SalesItemLineDetail.ItemRef.value")
    error = _error(api.post("customer", {"Id": "x1", "SyncToken": "0", "DisplayName": "Bad Id"}))
    assert error["code"] == "2030"
    # A number that does not exist is still 610, not 2030.
    assert _error(api.get("invoice/99999"))["code"] == "610"


def test_an_empty_body_is_refused(api):
    response = api.session.post(
        f"{api.base}/invoice", data=b"", headers={"Content-Type": "application/json"}, timeout=10
    )
    error = _error(response)
    assert (error["code"], error["Message"]) == ("2310", "Request Body is Empty")


@pytest.mark.parametrize("value", ["15/01/2024", "2024-13-01", "yesterday", "2024-01-15garbage"])
def test_a_txn_date_qbo_cannot_read_is_refused(api, value):
    error = _error(
        api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [LINE], "TxnDate": value})
    )
    assert error["code"] == "2010" and "TxnDate" in error["Detail"] and value in error["Detail"]


@pytest.mark.parametrize("value", ["2024-01-15", "2024-01-15-08:00", "2024-01-15T10:00:00-08:00"])
def test_txn_dates_qbo_reads(api, value):
    body = {"CustomerRef": {"value": "1"}, "Line": [LINE], "TxnDate": value}
    assert api.post("invoice", body).json()["Invoice"]["TxnDate"] == "2024-01-15"
