"""The order pages in a real Chromium: lines, product prices, live totals, customer picking."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoicing.models import Order, Product
from tests.browser.support import launch_chromium, new_page
from tests.invoicing.support import make_customer
from tests.support import store_connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(live_server, client, user, company):
    client.force_login(user)
    with launch_chromium() as browser:
        yield new_page(browser, live_server.url, session_of=client)


def test_creates_an_order_with_live_totals(page, company):
    make_customer(company, "Globex Corporation", email="ap@globex.test")
    Product.objects.create(company=company, name="Widget", unit_price=Decimal("12.50"))
    page.goto("/orders/new/")

    page.get_by_label("Customer", exact=True).fill("glob")
    page.get_by_role("option", name="Globex Corporation").click()
    expect(page.get_by_label("Customer", exact=True)).to_have_value("Globex Corporation")

    page.get_by_label("Product").select_option(label="Widget")
    expect(page.get_by_label("Unit price")).to_have_value("12.50")
    page.get_by_label("Quantity").fill("2")

    page.get_by_role("button", name="Add line").click()
    page.get_by_role("button", name="Add line").click()
    rows = page.locator("#lines-body tr")
    rows.nth(1).get_by_label("Description").fill("Scrap me")
    rows.nth(2).get_by_label("Description").fill("Setup")
    rows.nth(2).get_by_label("Quantity").fill("1.5")
    rows.nth(2).get_by_label("Unit price").fill("0.03")
    rows.nth(1).get_by_role("button", name="Remove").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#order-subtotal")).to_have_text("25.05")

    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    order = Order.objects.get(company=company)
    assert order.total == Decimal("25.05")
    assert [line.description for line in order.lines.all()] == ["", "Setup"]
    assert order.customer.display_name == "Globex Corporation"

    # The status card polls until the push settles (and links into the connected realm).
    store_connection(company, realm_id="9130", environment="local")
    Order.objects.filter(pk=order.pk).update(
        push_status=Order.PushStatus.SYNCED, qbo_invoice_id="146", qbo_doc_number="1001"
    )
    link = page.get_by_role("link", name="Open in QuickBooks")
    expect(link).to_be_visible()
    assert link.get_attribute("href").endswith("/ui/companies/9130/invoices/146")


def test_errors_keep_every_line_typed(page, company):
    page.goto("/orders/new/")
    page.get_by_label("Description").fill("Consulting")
    page.get_by_label("Unit price").fill("100")
    page.get_by_role("button", name="Add line").click()
    page.locator("#lines-body tr").nth(1).get_by_label("Description").fill("Travel")
    page.locator("#lines-body tr").nth(1).get_by_label("Unit price").fill("-5")
    page.get_by_role("button", name="Create order").click()

    expect(page.get_by_text("Pick a customer, or enter a new customer name.")).to_be_visible()
    expect(page.get_by_text("The unit price can't be negative.")).to_be_visible()
    expect(page.locator("#lines-body tr")).to_have_count(2)
    expect(page.locator("#lines-body tr").nth(1).get_by_label("Description")).to_have_value(
        "Travel"
    )

    page.get_by_label("New customer name").fill("Initech")
    page.locator("#lines-body tr").nth(1).get_by_label("Unit price").fill("5")
    expect(page.locator("#order-subtotal")).to_have_text("105.00")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    assert Order.objects.get(company=company).total == Decimal("105.00")


def test_picking_a_product_fills_its_lines_tax_code_and_class(page, client, company, qbo):
    """A UK company tracking a class per line: the product's defaults show on its line."""
    from qbo.client import open_client
    from tests.support import connect_through_consent

    realm = qbo.control.create_company(country="GB", features={"class_tracking": "line"})
    assert connect_through_consent(client, qbo, realm_id=realm).status_code == 302
    with open_client(company) as qb:
        design = str(qb.create("Class", {"Name": "Design"}, request_id="t-class")["Id"])
    Product.objects.create(
        company=company,
        name="Widget",
        unit_price=Decimal("10.00"),
        qbo_tax_code_id="4",
        qbo_tax_code_name="0.0% Z",
        qbo_class_id=design,
        qbo_class_name="Design",
    )
    page.goto("/orders/new/")
    expect(page.get_by_label("Tax code")).to_have_value("")
    page.get_by_label("Product").select_option(label="Widget")
    expect(page.get_by_label("Tax code")).to_have_value("4")
    expect(page.get_by_label("Class")).to_have_value(design)
    page.get_by_label("Tax code").select_option(label="20.0% S")  # a choice of its own
    page.get_by_label("New customer name").fill("Initech")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    line = Order.objects.get(company=company).lines.get()
    assert (line.qbo_tax_code_id, line.qbo_class_id) == ("2", design)
