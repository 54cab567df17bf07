"""Bundles (Group items) as QBO holds them: made only outside the API (control API here), sold
on a GroupLineDetail line whose own Amount is 0 while its lines, the bundle's items times its
Quantity, carry the money into the subtotal, the tax and the total; a GroupItemRef that is not
a bundle, or a bundle on an item line, is refused (quickbooks-ruby
spec/fixtures/invoice_with_bundle_line_item.xml; QBO-TRANSACTIONS.md §6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox_support import unpaced


@pytest.fixture(autouse=True)
def _quick(sandbox):
    unpaced(sandbox)


def _ok(response, entity: str) -> dict:
    assert response.status_code == 200, response.text
    return response.json()[entity]


def _fault(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]


def _item(api, name: str, price: str, taxable: bool) -> dict:
    income = api.rows("select * from Account where AccountType = 'Income'")["Account"][0]
    body = {
        "Name": name,
        "Type": "Service",
        "UnitPrice": price,
        "Taxable": taxable,
        "IncomeAccountRef": {"value": income["Id"]},
    }
    return _ok(api.post("item", body), "Item")


@pytest.fixture
def bundle(sandbox, realm, api) -> dict:
    cookie = _item(api, "Snow Cookie", "2.50", True)
    card = _item(api, "Greeting Card", "4.00", False)
    return sandbox.control.add_bundle(
        realm,
        "Assorted sweets",
        [{"item": cookie["Id"], "qty": 4}, {"item": card["Id"], "qty": 1}],
        description="Cookies and a card",
    )


def test_a_bundle_is_a_group_item_the_api_cannot_make(api, bundle):
    read = _ok(api.get(f"item/{bundle['Id']}"), "Item")
    assert (read["Type"], read["Name"]) == ("Group", "Assorted sweets")
    parts = read["ItemGroupDetail"]["ItemGroupLine"]
    assert [(p["ItemRef"]["name"], p["Qty"]) for p in parts] == [
        ("Snow Cookie", 4),
        ("Greeting Card", 1),
    ]
    assert [i["Name"] for i in api.rows("select * from Item where Type = 'Group'")["Item"]] == [
        "Assorted sweets"
    ]
    assert _fault(api.post("item", {"Name": "Another bundle", "Type": "Group"}))["code"]


def test_a_bundle_on_an_invoice_is_its_items_times_its_quantity(api, bundle):
    line = {
        "DetailType": "GroupLineDetail",
        "Description": "A gift box",
        "GroupLineDetail": {"GroupItemRef": {"value": bundle["Id"]}, "Quantity": 3},
    }
    invoice = _ok(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}), "Invoice")
    group, subtotal = invoice["Line"][0], invoice["Line"][1]
    assert (group["DetailType"], group["Amount"], group["Id"]) == ("GroupLineDetail", 0, "1")
    detail = group["GroupLineDetail"]
    assert detail["GroupItemRef"] == {"value": bundle["Id"], "name": "Assorted sweets"}
    assert detail["Quantity"] == 3
    inner = detail["Line"]
    assert [(x["Id"], x["SalesItemLineDetail"]["Qty"], x["Amount"]) for x in inner] == [
        ("2", 12, 30),
        ("3", 3, 12),
    ]
    assert [x["SalesItemLineDetail"]["TaxCodeRef"]["value"] for x in inner] == ["TAX", "NON"]
    assert (subtotal["DetailType"], subtotal["Amount"]) == ("SubTotalLineDetail", 42)
    # Only the cookies are taxable: the company's tax is on their 30.00 alone.
    tax = Decimal(str(invoice["TxnTaxDetail"]["TotalTax"]))
    assert tax == Decimal("2.40")  # the sample company's 8 %
    assert (
        Decimal(str(invoice["TotalAmt"])) == Decimal("42") + tax == Decimal(str(invoice["Balance"]))
    )


def test_a_discount_takes_its_share_of_the_bundles_lines(api, bundle):
    group = {
        "DetailType": "GroupLineDetail",
        "GroupLineDetail": {"GroupItemRef": {"value": bundle["Id"]}, "Quantity": 1},
    }
    discount = {
        "DetailType": "DiscountLineDetail",
        "Amount": 0,
        "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
    }
    invoice = _ok(
        api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [group, discount]}), "Invoice"
    )
    found = {line["DetailType"]: line["Amount"] for line in invoice["Line"]}
    assert found["SubTotalLineDetail"] == 14
    assert Decimal(str(found["DiscountLineDetail"])) == Decimal("1.40")
    tax = Decimal(str(invoice["TxnTaxDetail"]["TotalTax"]))
    assert tax == Decimal("0.80")  # 8 % of the cookies' 10.00, before the discount
    assert Decimal(str(invoice["TotalAmt"])) == Decimal("14") - Decimal("1.40") + tax


def test_what_is_not_a_bundle_is_refused(api, bundle):
    service = api.rows("select * from Item where Type = 'Service'")["Item"][0]
    not_group = {
        "DetailType": "GroupLineDetail",
        "GroupLineDetail": {"GroupItemRef": {"value": service["Id"]}},
    }
    fault = _fault(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [not_group]}))
    assert (fault["code"], fault["element"]) == ("2500", "Line.GroupLineDetail.GroupItemRef")
    missing = {"DetailType": "GroupLineDetail", "GroupLineDetail": {}}
    assert (
        _fault(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [missing]}))["code"]
        == "2020"
    )
    on_item_line = {
        "DetailType": "SalesItemLineDetail",
        "Amount": 10,
        "SalesItemLineDetail": {"ItemRef": {"value": bundle["Id"]}},
    }
    fault = _fault(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [on_item_line]}))
    assert fault["code"] == "2500"


def test_bundles_hold_only_sellable_items(sandbox, realm, api, bundle):
    from qbo_sandbox.control.client import ControlError

    with pytest.raises(ControlError, match="Bundles cannot contain bundles"):
        sandbox.control.add_bundle(realm, "Box of boxes", [{"item": bundle["Id"], "qty": 1}])
    with pytest.raises(ControlError, match=r"6240|Duplicate|already"):
        sandbox.control.add_bundle(realm, "assorted SWEETS", [{"item": "1", "qty": 1}])
    for qty in ("many", "NaN", 0):
        with pytest.raises(ControlError) as refused:
            sandbox.control.add_bundle(realm, "Odd box", [{"item": "1", "qty": qty}])
        assert refused.value.status == 400
