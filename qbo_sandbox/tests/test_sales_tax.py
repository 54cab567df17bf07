"""Sales tax (automated by ship-to state, manual tax codes, non-US per-line codes), the
shipping line and discounts in the totals, over real HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox_support import Api, connect, unpaced


@pytest.fixture(autouse=True)
def _quick(request):
    if "sandbox" in request.fixturenames:
        unpaced(request.getfixturevalue("sandbox"))


def _line(amount, tax="TAX", item="1") -> dict:
    detail = {"ItemRef": {"value": item}, "TaxCodeRef": {"value": tax}}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _discount(percent) -> dict:
    detail = {"PercentBased": True, "DiscountPercent": percent}
    return {"Amount": 0, "DetailType": "DiscountLineDetail", "DiscountLineDetail": detail}


def _shipping(amount, tax="NON") -> dict:
    detail = {"ItemRef": {"value": "SHIPPING_ITEM_ID"}, "TaxCodeRef": {"value": tax}}
    return {"Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail}


def _invoice(api, lines, **fields) -> dict:
    response = api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": lines, **fields})
    assert response.status_code == 200, response.text
    return response.json()["Invoice"]


def _fault(response) -> dict:
    assert response.status_code == 400, response.text
    return response.json()["Fault"]["Error"][0]


def _ship_to(state: str) -> dict:
    return {"Line1": "1 Main St", "City": "Somewhere", "CountrySubDivisionCode": state}


def test_automated_tax_follows_the_ship_to_state(api):
    # Customer 1 ships to California (8%, Intuit's sample company rate 3, code 2).
    invoice = _invoice(api, [_line(100), _line(50, "NON")])
    tax = invoice["TxnTaxDetail"]
    assert tax["TxnTaxCodeRef"] == {"value": "2"}
    assert tax["TotalTax"] == 8
    assert tax["TaxLine"] == [
        {
            "Amount": 8,
            "DetailType": "TaxLineDetail",
            "TaxLineDetail": {
                "TaxRateRef": {"value": "3"},
                "PercentBased": True,
                "TaxPercent": 8,
                "NetAmountTaxable": 100,
            },
        }
    ]
    assert invoice["TotalAmt"] == 158
    # New York: two rates (4% + 4.875%), whatever tax code was sent.
    ny = _invoice(
        api, [_line(200)], ShipAddr=_ship_to("NY"), TxnTaxDetail={"TxnTaxCodeRef": {"value": "2"}}
    )
    assert ny["TxnTaxDetail"]["TxnTaxCodeRef"] == {"value": "4"}
    assert [t["Amount"] for t in ny["TxnTaxDetail"]["TaxLine"]] == [8, 9.75]
    assert (ny["TxnTaxDetail"]["TotalTax"], ny["TotalAmt"]) == (17.75, 217.75)
    # A state without sales tax, and one not in the table (6%).
    assert _invoice(api, [_line(200)], ShipAddr=_ship_to("OR"))["TotalAmt"] == 200
    assert _invoice(api, [_line(200)], ShipAddr=_ship_to("NV"))["TotalAmt"] == 212


def test_no_ship_to_address_taxes_at_the_company_address(api):
    customer = api.post("customer", {"DisplayName": "No Address Buyer"}).json()["Customer"]
    response = api.post(
        "invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [_line(50)]}
    ).json()["Invoice"]
    assert "ShipAddr" not in response
    assert response["TxnTaxDetail"]["TotalTax"] == 4  # the company is in CA: 8%


def test_nothing_taxable_answers_a_bare_total_tax(api):
    invoice = _invoice(api, [_line(40, "NON")])
    assert invoice["TxnTaxDetail"] == {"TotalTax": 0}
    assert invoice["TotalAmt"] == 40


def test_an_explicit_total_tax_is_honoured_and_kept(api):
    ny = {"ShipAddr": _ship_to("NY")}
    invoice = _invoice(api, [_line(200)], TxnTaxDetail={"TotalTax": 10}, **ny)
    tax = invoice["TxnTaxDetail"]
    assert tax["TotalTax"] == 10
    assert [t["Amount"] for t in tax["TaxLine"]] == [4.51, 5.49]  # prorated 4 : 4.875
    assert invoice["TotalAmt"] == 210
    # A sparse update that changes something else keeps the override.
    body = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True}
    memo = api.post("invoice", {**body, "PrivateNote": "keep my tax"}).json()["Invoice"]
    assert memo["TxnTaxDetail"]["TotalTax"] == 10


def test_computed_tax_is_recomputed_when_the_lines_change(api):
    invoice = _invoice(api, [_line(100)])
    assert invoice["TxnTaxDetail"]["TotalTax"] == 8
    body = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True}
    lines = [line for line in invoice["Line"] if line["DetailType"] != "SubTotalLineDetail"]
    lines[0] = {**lines[0], "Amount": 300}
    # The stored TxnTaxDetail comes back (a read sent whole): not an override.
    changed = api.post(
        "invoice", {**body, "Line": lines, "TxnTaxDetail": invoice["TxnTaxDetail"]}
    ).json()["Invoice"]
    assert (changed["TxnTaxDetail"]["TotalTax"], changed["TotalAmt"]) == (24, 324)


@pytest.mark.parametrize(("after", "tax", "total"), [(False, 8, 98), (True, 7.2, 97.2)])
def test_discount_before_or_after_tax(api, after, tax, total):
    invoice = _invoice(
        api, [_line(100), _discount(10)], ApplyTaxAfterDiscount=after
    )  # 100 - 10% = 90
    assert invoice["TxnTaxDetail"]["TotalTax"] == tax
    assert invoice["TotalAmt"] == total
    discount = next(x for x in invoice["Line"] if x["DetailType"] == "DiscountLineDetail")
    assert discount["Amount"] == 10


def test_discount_after_tax_is_shared_pro_rata_with_untaxed_lines(api):
    lines = [_line(60), _line(40, "NON"), _discount(10)]
    invoice = _invoice(api, lines, ApplyTaxAfterDiscount=True)
    # The taxable 60 carries 6 of the 10 discount: 54 x 8% = 4.32.
    assert invoice["TxnTaxDetail"]["TaxLine"][0]["TaxLineDetail"]["NetAmountTaxable"] == 54
    assert invoice["TxnTaxDetail"]["TotalTax"] == 4.32
    assert invoice["TotalAmt"] == 94.32


def test_shipping_needs_the_preference(api, sandbox, realm):
    error = _fault(api.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [_shipping(5)]}))
    assert (error["code"], error["Message"]) == ("2500", "Invalid Reference Id")
    assert error["element"] == "Line.SalesItemLineDetail.ItemRef"
    sandbox.control.set_features(realm, shipping=True)
    assert _invoice(api, [_line(10, "NON"), _shipping(5)])["TotalAmt"] == 15


def test_shipping_is_last_not_discounted_and_taxed_by_its_code(api, sandbox, realm):
    sandbox.control.set_features(realm, shipping=True)
    lines = [_shipping(20, "TAX"), _line(100), _discount(10)]
    invoice = _invoice(api, lines, ApplyTaxAfterDiscount=True)
    kinds = [
        (x["DetailType"], x.get("SalesItemLineDetail", {}).get("ItemRef", {}).get("value"))
        for x in invoice["Line"]
    ]
    assert kinds == [
        ("SalesItemLineDetail", "1"),
        ("SubTotalLineDetail", None),
        ("DiscountLineDetail", None),
        ("SalesItemLineDetail", "SHIPPING_ITEM_ID"),
    ]
    subtotal = invoice["Line"][1]["Amount"]
    discount = invoice["Line"][2]["Amount"]
    assert (subtotal, discount) == (100, 10)  # 10% of the items, not of shipping
    # Taxable: items 90 after discount + shipping 20 = 110 x 8% = 8.80.
    assert invoice["TxnTaxDetail"]["TotalTax"] == 8.8
    assert invoice["TotalAmt"] == 100 - 10 + 20 + 8.8
    again = api.get(f"invoice/{invoice['Id']}").json()["Invoice"]
    assert again["Line"] == invoice["Line"]


def test_sales_tax_off_ignores_tax_detail(api, sandbox, realm):
    sandbox.control.set_features(realm, sales_tax=False, automated_sales_tax=False)
    invoice = _invoice(api, [_line(100)], TxnTaxDetail={"TotalTax": 7})
    assert invoice["TxnTaxDetail"] == {"TotalTax": 0}
    assert invoice["TotalAmt"] == 100


def test_without_automated_tax_the_sent_tax_code_gives_the_rates(api, sandbox, realm):
    sandbox.control.set_features(realm, automated_sales_tax=False)
    tucson = {"TxnTaxCodeRef": {"value": "3"}}
    invoice = _invoice(api, [_line(1000)], TxnTaxDetail=tucson)
    tax = invoice["TxnTaxDetail"]
    assert tax["TxnTaxCodeRef"] == {"value": "3"}
    assert [(t["TaxLineDetail"]["TaxRateRef"]["value"], t["Amount"]) for t in tax["TaxLine"]] == [
        ("2", 71),
        ("1", 1),
    ]
    assert invoice["TotalAmt"] == 1072
    # No code: the tax is whatever TotalTax says.
    assert _invoice(api, [_line(100)], TxnTaxDetail={"TotalTax": 3})["TotalAmt"] == 103
    assert _invoice(api, [_line(100)])["TotalAmt"] == 100


def test_tax_codes_and_rates_are_read_and_queried(api):
    code = api.get("taxcode/2").json()["TaxCode"]
    assert code["Name"] == "California"
    detail = code["SalesTaxRateList"]["TaxRateDetail"][0]
    assert detail["TaxRateRef"]["value"] == "3"
    rate = api.get("taxrate/3").json()["TaxRate"]
    assert (rate["Name"], rate["RateValue"]) == ("California", 8)
    rows = api.rows("select * from TaxRate")["TaxRate"]
    assert {"AZ State tax", "Tucson City", "California"} <= {r["Name"] for r in rows}
    assert _fault(api.post("taxrate", {"Name": "Mine", "RateValue": 1}))["code"] == "500"


def _company(sandbox, country: str, **features) -> Api:
    realm = sandbox.control.create_company(country=country, features=features or None)
    client = connect(sandbox, realm_id=realm)
    return Api(sandbox, realm, client.access_token)


def test_non_us_lines_need_a_real_tax_code(sandbox):
    canada = _company(sandbox, "CA")
    bare = {"Amount": 10, "DetailType": "SalesItemLineDetail"}
    line = {**bare, "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}
    error = _fault(canada.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}))
    assert error["code"] == "6000"
    assert error["Detail"] == (
        "Business Validation Error: Make sure all your transactions have a GST/HST rate "
        "before you save."
    )
    pseudo = {
        **bare,
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": "TAX"}},
    }
    assert (
        _fault(canada.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [pseudo]}))["code"]
        == "2500"
    )
    uk = _company(sandbox, "GB")
    error = _fault(uk.post("invoice", {"CustomerRef": {"value": "1"}, "Line": [line]}))
    assert "have a VAT rate" in error["Detail"]
    assert uk.get("preferences").json()["Preferences"]["CurrencyPrefs"]["HomeCurrency"] == {
        "value": "GBP"
    }


def test_non_us_tax_per_line_code_excluded_and_inclusive(sandbox):
    canada = _company(sandbox, "CA")
    gst, hst = _line(100, "2"), _line(200, "3")  # GST 5%, HST ON 13%
    invoice = _invoice(canada, [gst, hst])
    tax = invoice["TxnTaxDetail"]
    assert "TxnTaxCodeRef" not in tax
    assert [(t["TaxLineDetail"]["TaxPercent"], t["Amount"]) for t in tax["TaxLine"]] == [
        (5, 5),
        (13, 26),
    ]
    assert (invoice["GlobalTaxCalculation"], invoice["TotalAmt"]) == ("TaxExcluded", 331)
    inclusive = _invoice(canada, [_line(113, "3")], GlobalTaxCalculation="TaxInclusive")
    line = inclusive["TxnTaxDetail"]["TaxLine"][0]
    assert (line["Amount"], line["TaxLineDetail"]["NetAmountTaxable"]) == (13, 100)
    assert inclusive["TotalAmt"] == 113
    none = _invoice(canada, [_line(50, "2")], GlobalTaxCalculation="NotApplicable")
    assert none["TotalAmt"] == 50
    # The seeded sample invoices exist (their lines carry the standard code).
    assert canada.rows("select count(*) from Invoice")["totalCount"] == 12 + 3  # seeded + ours


def test_matrix_totals_equal_lines_minus_discount_plus_shipping_and_tax(api, sandbox, realm):
    sandbox.control.set_features(realm, shipping=True)
    for after in (False, True):
        for state, rate in (("CA", Decimal("0.08")), ("TX", Decimal("0.0825"))):
            lines = [_line(120), _line(30, "NON"), _discount(5), _shipping(12, "TAX")]
            invoice = _invoice(api, lines, ApplyTaxAfterDiscount=after, ShipAddr=_ship_to(state))
            items = Decimal(150)
            discount = items * Decimal("0.05")
            taxable = Decimal(120) - (discount * 120 / items if after else 0) + 12
            tax = sum(Decimal(str(t["Amount"])) for t in invoice["TxnTaxDetail"]["TaxLine"])
            assert abs(tax - taxable * rate) <= Decimal("0.01")
            assert Decimal(str(invoice["TotalAmt"])) == items - discount + 12 + tax
