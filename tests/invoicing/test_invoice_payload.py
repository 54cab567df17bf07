"""The Invoice payload an order becomes: the choices QBO's rules force on it."""

from decimal import Decimal

import pytest

from invoicing.sync import SHIPPING_ITEM_ID, Charges, TaxRule, order_to_invoice
from tests.invoicing.support import make_order

pytestmark = pytest.mark.django_db
US = TaxRule(us=True)


def payload(order, **options):
    line_ids = {line.pk: "1" for line in order.lines.all()}
    options.setdefault("custom_doc_number", False)
    return order_to_invoice(order, customer_id="58", item_ids=line_ids, tax=US, **options)


def test_the_currency_is_named_only_off_the_home_currency(company):
    """Without multicurrency QBO refuses any CurrencyRef, even its own currency's."""
    usd = make_order(company, currency="USD")
    eur = make_order(company, number="1002", currency="EUR")
    assert "CurrencyRef" not in payload(usd, home_currency="USD")
    assert payload(eur, home_currency="USD")["CurrencyRef"] == {"value": "EUR"}
    # Home currency unknown (Preferences unreadable): say which one is meant.
    assert payload(usd, home_currency="")["CurrencyRef"] == {"value": "USD"}


def test_the_order_number_is_sent_only_when_the_company_numbers_its_own_invoices(company):
    order = make_order(company)
    assert "DocNumber" not in payload(order)
    assert payload(order, custom_doc_number=True)["DocNumber"] == "1001"


def test_ship_to_discount_shipping_and_our_tax_go_where_quickbooks_reads_them(company):
    order = make_order(
        company,
        total=Decimal("100.00"),
        ship_line1="1 Main St",
        ship_city="Albany",
        ship_region="NY",
        discount_percent=Decimal("10"),
        discount=Decimal("10.00"),
        shipping=Decimal("5.00"),
        tax=Decimal("7.50"),
    )
    sent = payload(order, charges=Charges(shipping_taxable=True, apply_tax_after_discount=True))
    assert sent["ShipAddr"] == {
        "Line1": "1 Main St",
        "City": "Albany",
        "CountrySubDivisionCode": "NY",
    }
    assert sent["TxnTaxDetail"] == {"TotalTax": Decimal("7.50")}
    assert sent["ApplyTaxAfterDiscount"] is True
    [item, discount, shipping] = sent["Line"]
    assert item["DetailType"] == "SalesItemLineDetail"
    assert discount == {
        "Amount": Decimal("10.00"),
        "DetailType": "DiscountLineDetail",
        "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": Decimal("10")},
    }
    detail = shipping["SalesItemLineDetail"]
    assert shipping["Amount"] == Decimal("5.00") and "Qty" not in detail
    assert detail == {"ItemRef": {"value": SHIPPING_ITEM_ID}, "TaxCodeRef": {"value": "TAX"}}


def test_quickbooks_calculates_the_tax_unless_the_order_holds_ours(company):
    order = make_order(company, discount=Decimal("2.00"))
    sent = payload(order)
    assert "TxnTaxDetail" not in sent and "ShipAddr" not in sent
    assert sent["Line"][-1]["DiscountLineDetail"] == {"PercentBased": False}
    assert sent["ApplyTaxAfterDiscount"] is False


def test_shipping_on_a_chosen_item_is_one_of_it(company):
    order = make_order(company, shipping=Decimal("4.25"))
    sent = payload(order, charges=Charges(shipping_item_id="77"))
    detail = sent["Line"][-1]["SalesItemLineDetail"]
    assert detail["ItemRef"] == {"value": "77"} and detail["TaxCodeRef"] == {"value": "NON"}
    assert (detail["Qty"], detail["UnitPrice"]) == (Decimal("1"), Decimal("4.25"))
