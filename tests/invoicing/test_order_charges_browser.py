"""The order form in a real Chromium: a QuickBooks item picked from the search, a ship-to,
a discount and shipping, and the order page's totals. Screenshots: tests/artifacts/screenshots/."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoicing.models import Order, Product
from tests.browser.conftest import shots  # noqa: F401 - a fixture
from tests.browser.support import launch_chromium, new_page
from tests.catalog.support import make_item
from tests.invoicing.support import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, client, user, company):
    client.force_login(user)
    with launch_chromium() as browser:
        yield new_page(browser, live_server.url, session_of=client)


def test_item_search_ship_to_discount_and_shipping(page, company, shots):  # noqa: F811
    make_customer(
        company, "Globex Corporation", ship_line1="9 Dock Rd", ship_city="Austin", ship_region="TX"
    )
    widget = Product.objects.create(
        company=company, name="Widget", unit_price=Decimal("12.50"), qbo_item_id="31"
    )
    make_item(company, "31", "Widget", unit_price=Decimal("12.50"), taxable=True)
    make_item(company, "32", "Garden design", unit_price=Decimal("75"), taxable=True)
    page.goto("/orders/new/")

    page.get_by_label("Customer", exact=True).fill("glob")
    page.get_by_role("option", name="Globex Corporation").click()

    # An item with no product fills a line carrying the QuickBooks item.
    page.get_by_label("Add a QuickBooks item").fill("garden")
    matches = page.locator("#item-matches")
    matches.get_by_role("option", name="Garden design").click()
    rows = page.locator("#lines-body tr")
    expect(rows.nth(0).get_by_label("Description")).to_have_value("Garden design")
    expect(rows.nth(0).get_by_label("Unit price")).to_have_value("75.00")
    rows.nth(0).get_by_label("Quantity").fill("2")
    # An item linked to a product picks the product, on a new line.
    page.get_by_label("Add a QuickBooks item").fill("widg")
    matches.get_by_role("option", name="Widget").click()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).get_by_label("Product")).to_have_value(str(widget.pk))
    expect(page.locator("#order-subtotal")).to_have_text("162.50")

    page.get_by_label("Ship-to street").fill("1 Main St")
    page.get_by_label("City", exact=True).fill("Albany")
    page.get_by_label("State or region").fill("NY")
    page.get_by_label("Discount", exact=True).select_option(label="Percent of the lines")
    page.get_by_label("Discount value").fill("10")
    page.get_by_label("Shipping", exact=True).fill("8.00")
    shots(page, "order-form")
    page.get_by_role("button", name="Create order").click()

    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    order = Order.objects.get(company=company)
    assert (order.subtotal, order.discount, order.shipping) == (
        Decimal("162.50"),
        Decimal("16.25"),
        Decimal("8.00"),
    )
    assert order.total == Decimal("154.25") and order.tax is None
    assert (order.ship_line1, order.ship_region) == ("1 Main St", "NY")
    lines = list(order.lines.all())
    assert [(line.qbo_item_id, line.product_id) for line in lines] == [
        ("32", None),
        ("", widget.pk),
    ]
    expect(page.locator("#order-discount")).to_have_text("\u221216.25")
    expect(page.locator("#order-shipping")).to_have_text("8.00")
    expect(page.locator("#order-tax")).to_contain_text("QuickBooks calculates")
    expect(page.locator("#ship-to")).to_contain_text("Albany NY")
    shots(page, "order-page")


def test_the_ship_to_defaults_to_the_customers_shipping_address(page, company):
    make_customer(
        company, "Globex Corporation", ship_line1="9 Dock Rd", ship_city="Austin", ship_region="TX"
    )
    page.goto("/orders/new/")
    page.get_by_label("Customer", exact=True).fill("glob")
    page.get_by_role("option", name="Globex Corporation").click()
    page.get_by_label("Description").fill("Consulting")
    page.get_by_label("Unit price").fill("100")
    page.get_by_label("Discount", exact=True).select_option(label="Amount")
    page.get_by_label("Discount value").fill("150")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_text("The discount is more than the order's lines.")).to_be_visible()
    page.get_by_label("Discount value").fill("15")
    page.get_by_role("button", name="Create order").click()

    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    order = Order.objects.get(company=company)
    assert (order.ship_line1, order.ship_city, order.ship_region) == ("9 Dock Rd", "Austin", "TX")
    assert (order.discount, order.total) == (Decimal("15.00"), Decimal("85.00"))
