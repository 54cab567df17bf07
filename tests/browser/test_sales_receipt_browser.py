"""An order paid at checkout, made in a real Chromium against the local sandbox: "Paid at
checkout" with a payment method and deposit account from QuickBooks, then the order page shows
it paid by its sales receipt, and refuses to cancel it. Screenshots:
tests/artifacts/screenshots/<test>/."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from invoicing import drains
from invoicing.models import Order
from tests.browser.support import launch_chromium, new_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(live_server, client, connected):
    """A tab signed in as Alice (owner), whose company is connected to the sandbox."""
    cache.clear()
    with launch_chromium() as browser:
        yield new_page(browser, live_server.url, session_of=client)


def test_an_order_paid_at_checkout_shows_paid_by_its_sales_receipt(
    signed_in, shots, qbo, sandbox_realm, company
):
    page = signed_in
    page.goto("/orders/new/")
    page.get_by_label("New customer name").fill("Counter Buyer")
    row = page.locator("#lines-body tr").nth(0)
    row.get_by_label("Description").fill("Garden design")
    row.get_by_label("Quantity").fill("2")
    row.get_by_label("Unit price").fill("75.00")
    page.get_by_label("Paid at checkout").check()
    page.get_by_label("Payment method").select_option(label="Visa")
    page.get_by_label("Deposit to").select_option(label="Checking")
    shots(page, "order-form-paid-at-checkout")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    expect(page.locator("#qbo-form")).to_contain_text("Sales receipt (paid at checkout, Visa")

    drains.drain(company.pk)  # the worker's part
    page.reload()
    order = Order.objects.get(company=company)
    assert (order.push_status, order.payment_status) == ("synced", "paid"), order.last_error
    receipt = qbo.state.companies[sandbox_realm].get("SalesReceipt", order.qbo_invoice_id)
    assert receipt["Balance"] == 0 and receipt["PaymentMethodRef"]["name"] == "Visa"
    expect(page.locator("#payment-state")).to_have_text(
        f"Paid — sales receipt {order.qbo_doc_number}"
    )
    expect(page.locator("#push-status")).to_contain_text("Sales receipt number")
    expect(page.locator("#receipt-paid-note")).to_have_text(
        "Paid at checkout: refund rather than edit."
    )
    expect(page.get_by_role("link", name="Edit order")).to_have_count(0)
    shots(page, "paid-by-sales-receipt")

    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator("#refused")).to_have_text("The sales receipt is paid: refund it first.")
    shots(page, "cancel-refused")
