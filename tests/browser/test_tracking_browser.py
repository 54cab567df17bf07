"""The order form of a company whose QuickBooks tracks classes and locations, has custom fields
and multicurrency on, in a real Chromium against the local sandbox over real HTTP: a class, a
location, a custom field value, a foreign currency and a rate picked on the page reach the
invoice in the sandbox, and the order page shows the rate and the home-currency total.
Screenshots: tests/artifacts/screenshots/<test>/."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoicing import drains
from invoicing.models import Order
from qbo.client import open_client
from tests.browser.conftest import shots  # noqa: F401 - a fixture
from tests.browser.support import launch_chromium, new_page
from tests.support import connect_through_consent, make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FEATURES = {
    "class_tracking": "txn",
    "track_departments": True,
    "custom_fields": ["Crew #", "PO"],
    "multicurrency": True,
    "currencies": ["EUR", "GBP"],
}


def _create(company, entity: str, body: dict) -> str:
    name = body.get("Name") or body["DisplayName"]
    with open_client(company) as qb:
        return str(qb.create(entity, body, request_id=f"browser-{entity}-{name}")["Id"])


@pytest.fixture
def tracked(live_server, client, user, company, qbo):
    """Alice's company connected to a sandbox company tracking everything, with a class, a
    location and a customer invoiced in EUR; and a Chromium tab signed in as her."""
    realm = qbo.control.create_company(name="Tracked Goods", features=FEATURES)
    client.force_login(user)
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    ids = {
        "design": _create(company, "Class", {"Name": "Design"}),
        "retail": _create(company, "Class", {"Name": "Retail"}),
        "downtown": _create(company, "Department", {"Name": "Downtown"}),
    }
    body = {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}}
    make_customer(company, "Euro GmbH", qbo_id=_create(company, "Customer", body), currency="EUR")
    with launch_chromium() as browser:
        yield realm, ids, new_page(browser, live_server.url, session_of=client)


def test_class_location_custom_field_and_currency_reach_the_invoice(
    tracked,
    company,
    qbo,
    shots,  # noqa: F811
):
    realm, ids, page = tracked
    page.goto("/orders/new/")
    page.get_by_label("Customer", exact=True).fill("euro")
    page.get_by_role("option", name="Euro GmbH").click()
    page.get_by_label("Currency", exact=True).select_option("EUR")
    page.get_by_label("Exchange rate").fill("1.25")
    page.get_by_label("Class", exact=True).select_option(label="Retail")
    page.get_by_label("Location", exact=True).select_option(label="Downtown")
    page.get_by_label("PO", exact=True).fill("PO-4411")
    page.get_by_label("Description").fill("Shop fit-out")
    page.get_by_label("Quantity").fill("2")
    page.get_by_label("Unit price").fill("150.00")
    shots(page, "order-form")

    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    order = Order.objects.get(company=company)
    assert (order.currency, order.exchange_rate) == ("EUR", Decimal("1.25"))
    assert (order.qbo_class_id, order.qbo_department_id) == (ids["retail"], ids["downtown"])

    drains.drain(company.pk)  # what the worker does when the push is rung
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    invoice = qbo.state.companies[realm].get("Invoice", order.qbo_invoice_id)
    assert invoice["ClassRef"]["value"] == ids["retail"] != ids["design"]
    assert invoice["DepartmentRef"]["value"] == ids["downtown"]
    assert invoice["CurrencyRef"]["value"] == "EUR"
    assert Decimal(str(invoice["ExchangeRate"])) == Decimal("1.25")
    fields = {f["DefinitionId"]: (f["Name"], f.get("StringValue")) for f in invoice["CustomField"]}
    assert fields["2"] == ("PO", "PO-4411") and not fields.get("1", ("", None))[1]
    # 300.00 EUR of lines plus the sales tax QuickBooks worked out, at 1.25 USD per EUR.
    total = Decimal(str(invoice["TotalAmt"]))
    assert total == order.expected_qbo_total >= Decimal("300")
    home = (total * Decimal("1.25")).quantize(Decimal("0.01"))
    assert Decimal(str(invoice["HomeTotalAmt"])) == home == order.home_total

    page.reload()
    expect(page.locator("#order-exchange-rate")).to_have_text("1.25 USD per EUR")
    expect(page.locator("#order-home-total")).to_have_text(f"{home:,.2f} USD")
    expect(page.locator("#order-class")).to_have_text("Retail")
    expect(page.locator("#order-location")).to_have_text("Downtown")
    expect(page.get_by_role("link", name="Open in QuickBooks")).to_be_visible()
    shots(page, "order-page")
