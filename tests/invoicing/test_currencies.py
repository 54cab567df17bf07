"""The order form's currency (issue 15): the picker is the company's home currency and its
active QuickBooks currencies (read from the sandbox over real HTTP, cached with the other
dimensions); a single-currency company gets no picker; an optional exchange rate is stored
on the order and sent as Invoice.ExchangeRate; bad input is a form error, nothing saved."""

from decimal import Decimal

import pytest

from invoicing import dimensions, drains
from invoicing.models import Order
from qbo.client import open_client
from tests.support import connect_through_consent, make_customer, order_post

pytestmark = pytest.mark.django_db

LINE = {"description": "Design", "quantity": "2", "unit_price": "50.00"}


def connected(client, user, qbo, **features) -> str:
    realm = qbo.control.create_company(name="Currency Goods", features=features)
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    return realm


def euro_customer(company, name="Euro GmbH"):
    """A customer QuickBooks invoices in EUR, in the sandbox and mirrored here."""
    with open_client(company) as qb:
        made = qb.create(
            "Customer",
            {"DisplayName": name, "CurrencyRef": {"value": "EUR"}},
            request_id=f"t-customer-{name}",
        )
    return make_customer(company, name, qbo_id=str(made["Id"]), currency="EUR")


def the_invoice(qbo, realm, order) -> dict:
    [invoice] = [
        row
        for row in qbo.state.companies[realm].rows("Invoice")
        if f"[qbsync:{order.company_id}:{order.pk}]" in (row.get("PrivateNote") or "")
    ]
    return invoice


def test_a_single_currency_company_has_no_picker(client, user, company, qbo):
    connected(client, user, qbo)
    page = client.get("/orders/new/")
    assert page.status_code == 200
    assert 'name="currency"' not in page.text and 'name="exchange_rate"' not in page.text
    # The API (or an old page) may still post one: another currency or a rate is refused.
    refused = client.post("/orders/new/", order_post(LINE, new_customer_name="Ann", currency="EUR"))
    assert refused.status_code == 200
    assert "invoices only in USD (multicurrency is off), not EUR" in refused.text
    refused = client.post(
        "/orders/new/", order_post(LINE, new_customer_name="Ann", exchange_rate="1.5")
    )
    assert refused.status_code == 200 and "take no exchange rate" in refused.text
    assert not Order.objects.exists()
    made = client.post("/orders/new/", order_post(LINE, new_customer_name="Ann", currency="usd"))
    assert made.status_code == 302
    order = Order.objects.get()
    assert (order.currency, order.exchange_rate) == ("USD", None)


def test_the_picker_is_the_home_and_active_currencies(client, user, company, qbo):
    connected(client, user, qbo, multicurrency=True, currencies=["EUR", "GBP", "CAD"])
    with open_client(company) as qb:
        [cad] = [c for c in qb.query_all("CompanyCurrency") if c["Code"] == "CAD"]
        qb.update(
            "CompanyCurrency",
            {"Id": cad["Id"], "SyncToken": cad["SyncToken"], "sparse": True, "Active": False},
            request_id="t-cad-off",
        )
    dimensions.forget(company.pk)
    form = client.get("/orders/new/").context["form"]
    codes = [code for code, _ in form.fields["currency"].choices]
    assert codes == ["", "USD", "EUR", "GBP"]  # CAD deactivated in QuickBooks
    assert "exchange_rate" in form.fields

    for code in ("CAD", "JPY", "XYZ"):
        refused = client.post(
            "/orders/new/", order_post(LINE, new_customer_name="Ann", currency=code)
        )
        assert refused.status_code == 200
        assert f"{code} isn&#x27;t one of this company&#x27;s active currencies" in refused.text
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("rate", "message"),
    [
        ("0", "must be more than zero"),
        ("-1.2", "must be more than zero"),
        ("2000000", "can&#x27;t be right"),
        ("1.23456789", "Ensure that there are no more than 7 decimal places"),
        ("abc", "Enter a number"),
    ],
)
def test_a_bad_rate_is_a_form_error(client, user, company, qbo, rate, message):
    connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    euro = euro_customer(company)
    refused = client.post(
        "/orders/new/", order_post(LINE, customer=str(euro.pk), exchange_rate=rate)
    )
    assert refused.status_code == 200 and message in refused.text
    assert not Order.objects.exists()


def test_a_rate_for_the_home_currency_is_a_form_error(client, user, company, qbo):
    connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    refused = client.post(
        "/orders/new/",
        order_post(LINE, new_customer_name="Ann", currency="USD", exchange_rate="1.1"),
    )
    assert refused.status_code == 200 and "the home currency" in refused.text
    # A new customer is made in the home currency, so the default is refused too.
    refused = client.post(
        "/orders/new/", order_post(LINE, new_customer_name="Ann", exchange_rate="1.1")
    )
    assert refused.status_code == 200 and "the home currency" in refused.text
    assert not Order.objects.exists()


def test_the_rate_is_stored_and_sent(client, user, company, qbo):
    realm = connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    euro = euro_customer(company)
    made = client.post(
        "/orders/new/", order_post(LINE, customer=str(euro.pk), exchange_rate="1.1234567")
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    order = Order.objects.get()
    assert (order.currency, order.exchange_rate) == ("EUR", Decimal("1.1234567"))
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    invoice = the_invoice(qbo, realm, order)
    assert invoice["CurrencyRef"]["value"] == "EUR"
    assert Decimal(str(invoice["ExchangeRate"])) == Decimal("1.1234567")
    total = Decimal(str(invoice["TotalAmt"]))
    assert Decimal(str(invoice["HomeTotalAmt"])) == (total * Decimal("1.1234567")).quantize(
        Decimal("0.01")
    )


def test_without_a_rate_quickbooks_uses_its_own(client, user, company, qbo):
    realm = connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    euro = euro_customer(company)
    assert client.post("/orders/new/", order_post(LINE, customer=str(euro.pk))).status_code == 302
    drains.drain(company.pk)
    order = Order.objects.get()
    assert order.push_status == "synced" and order.exchange_rate is None
    # The sandbox's table rate for EUR in a USD company (qbo_sandbox README "Multicurrency").
    assert Decimal(str(the_invoice(qbo, realm, order)["ExchangeRate"])) == Decimal("1.08")


def test_the_order_page_shows_the_rate_and_the_home_currency_total(client, user, company, qbo):
    connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    euro = euro_customer(company)
    made = client.post(
        "/orders/new/", order_post(LINE, customer=str(euro.pk), exchange_rate="1.25")
    )
    page = client.get(made["Location"]).content.decode()
    assert "1.25 USD per EUR" in page
    # 100.00 EUR at 1.25: the total in the home currency, beside the EUR total.
    assert 'id="order-home-total">125.00 USD' in page
    assert "Total in USD" in page


def test_without_a_rate_the_order_page_shows_no_home_total(client, user, company, qbo):
    connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    euro = euro_customer(company)
    made = client.post("/orders/new/", order_post(LINE, customer=str(euro.pk)))
    page = client.get(made["Location"]).content.decode()
    assert "order-home-total" not in page and "Exchange rate" not in page


def test_a_new_customer_is_made_in_the_orders_currency(client, user, company, qbo):
    """QuickBooks would make a customer named on the order in its home currency, and then
    refuse a EUR invoice for it: the customer is made in EUR."""
    realm = connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    made = client.post(
        "/orders/new/", order_post(LINE, new_customer_name="Paris SA", currency="EUR")
    )
    assert made.status_code == 302, made.content.decode()[:2000]
    drains.drain(company.pk)
    order = Order.objects.get()
    assert order.push_status == "synced", order.last_error
    customer = qbo.state.companies[realm].get("Customer", order.customer.qbo_id)
    assert customer["CurrencyRef"]["value"] == "EUR"
    assert the_invoice(qbo, realm, order)["CurrencyRef"]["value"] == "EUR"
    assert order.customer.currency == "EUR"


def test_a_new_job_in_another_currency_than_its_parent_is_refused_before_the_push(
    client, user, company, qbo
):
    realm = connected(client, user, qbo, multicurrency=True, currencies=["EUR"])
    euro = euro_customer(company)
    post = order_post(LINE, new_customer_name="Euro GmbH depot", currency="USD")
    made = client.post("/orders/new/", {**post, "new_customer_parent": euro.display_name})
    assert made.status_code == 302, made.context["form"].errors
    drains.drain(company.pk)
    order = Order.objects.get()
    assert order.push_status == "failed"
    assert order.last_error == (
        'A sub-customer of "Euro GmbH" is invoiced in its parent\'s currency, EUR, '
        "and the order is in USD."
    )
    names = [c["DisplayName"] for c in qbo.state.companies[realm].rows("Customer")]
    assert "Euro GmbH depot" not in names  # nothing was written
    # In the parent's currency it goes through, and the job is in EUR.
    again = client.post(
        "/orders/new/",
        {
            **order_post(LINE, new_customer_name="Euro GmbH depot", currency="EUR"),
            "new_customer_parent": euro.display_name,
        },
    )
    assert again.status_code == 302, again.context["form"].errors
    drains.drain(company.pk)
    job_order = Order.objects.exclude(pk=order.pk).get()
    assert job_order.push_status == "synced", job_order.last_error
    job = qbo.state.companies[realm].get("Customer", job_order.customer.qbo_id)
    assert (job["CurrencyRef"]["value"], job["ParentRef"]["value"]) == ("EUR", euro.qbo_id)
