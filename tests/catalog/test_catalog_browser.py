"""In a real Chromium: 'Import from QuickBooks' on the products page, and a new customer with
addresses written to the sandbox, then edited. Screenshots: tests/artifacts/screenshots/."""

import pytest
from playwright.sync_api import expect

from catalog.models import Item
from customers.models import Customer
from invoicing.models import Product
from tests.browser.conftest import shots  # noqa: F401 - a fixture
from tests.browser.support import launch_chromium, new_page
from tests.catalog.support import make_item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, client, user, company):
    client.force_login(user)
    with launch_chromium() as browser:
        yield new_page(browser, live_server.url, session_of=client)


def test_import_products_from_quickbooks(page, company, shots):  # noqa: F811
    make_item(company, "10", "Garden Hose", sku="HOSE-25", unit_price="19.99")
    make_item(company, "11", "Rake", fully_qualified_name="Garden:Rake", unit_price="24.50")
    make_item(company, "12", "Spade", sku="SP-1", unit_price="31.00", taxable=True)
    make_item(company, "13", "Old Shears (deleted)", active=False)
    Product.objects.create(company=company, name="Hose, 25 ft", sku="HOSE-25")
    Product.objects.create(company=company, name="rake")
    Product.objects.create(company=company, name="Shears", qbo_item_id="13")

    page.goto("/products/")
    expect(page.get_by_text("Inactive in QuickBooks")).to_be_visible()
    page.get_by_role("link", name="Import from QuickBooks").click()
    expect(page.get_by_role("heading", name="Import products from QuickBooks")).to_be_visible()
    expect(page.get_by_label("Action for Garden Hose")).to_have_value("link")
    expect(page.get_by_label("Action for Spade")).to_have_value("create")
    shots(page, "preview")

    page.get_by_label("Action for Rake").select_option("skip")
    page.get_by_role("button", name="Apply these 3 choices").click()
    expect(page.get_by_text("1 created, 1 linked, 1 skipped")).to_be_visible()
    shots(page, "applied")
    assert Product.objects.get(company=company, sku="HOSE-25").qbo_item_id == "10"
    assert Product.objects.get(company=company, qbo_item_id="12").name == "Spade"
    assert Product.objects.get(company=company, name="rake").qbo_item_id == ""

    page.goto("/products/")
    expect(page.get_by_role("cell", name="Garden Hose")).to_be_visible()
    shots(page, "products")
    assert Item.objects.filter(company=company).count() == 4


def test_a_new_customer_with_addresses_then_an_edit(
    page,
    company,
    connected,
    qbo,
    shots,  # noqa: F811
):
    page.goto("/customers/")
    page.get_by_role("link", name="New customer").click()
    page.get_by_label("Name", exact=True).fill("Harbor Outfitters")
    page.get_by_label("Email").fill("ap@harbor.test")
    page.get_by_label("Phone").fill("(503) 555-0100")
    billing = page.get_by_role("group", name="Billing address")
    billing.get_by_label("Street").fill("12 Harbor Rd")
    billing.get_by_label("City").fill("Portland")
    billing.get_by_label("State / province").fill("OR")
    billing.get_by_label("Postal code").fill("97201")
    shipping = page.get_by_role("group", name="Shipping address")
    shipping.get_by_label("Shipping address is the billing address").uncheck()
    shipping.get_by_label("Street").fill("800 Desert Way")
    shipping.get_by_label("City").fill("Phoenix")
    shipping.get_by_label("State / province").fill("AZ")
    shipping.get_by_label("Postal code").fill("85001")
    shots(page, "new-customer")
    page.get_by_role("button", name="Create in QuickBooks").click()

    expect(page.get_by_role("heading", name="Harbor Outfitters")).to_be_visible()
    expect(page.get_by_text("800 Desert Way")).to_be_visible()
    shots(page, "created")
    customer = Customer.objects.get(company=company, display_name="Harbor Outfitters")
    live = qbo.state.companies[connected.realm_id].get("Customer", customer.qbo_id)
    assert live["ShipAddr"]["CountrySubDivisionCode"] == "AZ"

    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Phone").fill("(503) 555-0199")
    page.get_by_role("button", name="Save in QuickBooks").click()
    expect(page.get_by_text("(503) 555-0199")).to_be_visible()
    shots(page, "edited")
    live = qbo.state.companies[connected.realm_id].get("Customer", customer.qbo_id)
    assert live["PrimaryPhone"]["FreeFormNumber"] == "(503) 555-0199"
