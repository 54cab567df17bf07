"""The Invoice payload an order becomes: the choices QBO's rules force on it."""

import pytest

from invoicing.sync import TaxRule, order_to_invoice
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
