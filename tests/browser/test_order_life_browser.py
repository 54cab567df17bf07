"""An order's life in a real Chromium, against the local sandbox: edit with its preview,
send, record a payment, refund, credit, cancel (void). Each step is checked in the sandbox,
and screenshotted under tests/artifacts/screenshots/<test>/."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from invoicing import drains
from tests.browser.support import launch_chromium, new_page
from tests.invoicing.lifecycle_support import invoice_in_qbo, line, sales_lines, synced_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(live_server, client, connected):
    """A tab signed in as Alice (owner), whose company is connected to the sandbox."""
    with launch_chromium() as browser:
        yield new_page(browser, live_server.url, session_of=client)


def settle(page, company) -> None:
    """The worker's part, run here: apply the due writes, then look at the page again."""
    drains.drain(company.pk)
    page.reload()


def test_an_orders_whole_life_from_its_page(signed_in, shots, qbo, sandbox_realm, company):
    page = signed_in
    order = synced_order(company, line("Consulting", "1", "100.00"), email="ap@life.test")
    page.goto(f"/orders/{order.pk}/")
    shots(page, "synced")

    # Edit: preview line by line, then one update in QuickBooks.
    page.get_by_role("link", name="Edit order").click()
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Show what changes").click()
    preview = page.locator("#edit-preview")
    expect(preview).to_contain_text("Line 1 quantity")
    expect(preview).to_contain_text("300.00")
    shots(page, "edit-preview")
    page.get_by_role("button", name="Save and update QuickBooks").click()
    expect(page.get_by_text("QuickBooks will be updated.")).to_be_visible()
    settle(page, company)
    expect(page.locator("#history")).to_contain_text("Edit (revision 1)")
    expect(page.locator("#history")).to_contain_text("Done")
    invoice = invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)
    assert sales_lines(invoice) == [("Consulting", Decimal("3"), Decimal("300.00"))]
    shots(page, "edited")

    # Send, to an address changed before sending.
    page.get_by_role("link", name="Send invoice").click()
    page.get_by_label("Send to").fill("billing@life.test")
    shots(page, "send-form")
    page.get_by_role("button", name="Send invoice").click()
    settle(page, company)
    expect(page.locator("#email-state")).to_contain_text("Sent to billing@life.test on")
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["EmailStatus"] == "EmailSent"
    shots(page, "sent")

    # A payment taken in the app, then part of it refunded, then a credit.
    page.get_by_role("link", name="Record payment").click()
    page.get_by_label("Amount").fill("100.00")
    page.get_by_label("Payment method").select_option(label="Visa")
    page.get_by_label("Deposit to").select_option(label="Checking")
    shots(page, "payment-form")
    page.get_by_role("button", name="Record a payment").click()
    settle(page, company)
    expect(page.locator("#money-state")).to_contain_text("Paid in qbsync 100.00")
    assert invoice_in_qbo(qbo, sandbox_realm, order.qbo_invoice_id)["Balance"] == Decimal("200")

    page.get_by_role("link", name="Refund").click()
    page.get_by_label("Amount").fill("20.00")
    page.get_by_label("Refund from").select_option(label="Checking")
    page.get_by_role("button", name="Refund").click()
    settle(page, company)
    expect(page.locator("#money-state")).to_contain_text("Refunded 20.00")

    page.get_by_role("link", name="Credit").click()
    page.get_by_label("Amount").fill("50.00")
    page.get_by_label("Reason (on the credit memo)").fill("Late delivery")
    page.get_by_role("button", name="Credit").click()
    settle(page, company)
    expect(page.locator("#money-state")).to_contain_text("Credited 50.00")
    expect(page.locator("#money-state")).to_contain_text("Balance 150.00")
    shots(page, "paid-refunded-credited")

    # A paid invoice can't be cancelled: the reason is on the page.
    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator("#refused")).to_contain_text("refund or credit it first")
    shots(page, "cancel-refused")

    # An unpaid one is voided.
    unpaid = synced_order(company, line("Setup", "1", "40.00"), name="Another Customer")
    page.goto(f"/orders/{unpaid.pk}/")
    page.get_by_role("button", name="Cancel order").click()
    settle(page, company)
    expect(page.locator("#cancel-state")).to_contain_text(
        f"Cancelled — invoice {unpaid.qbo_doc_number} voided"
    )
    voided = invoice_in_qbo(qbo, sandbox_realm, unpaid.qbo_invoice_id)
    assert voided["TotalAmt"] == 0 and voided["PrivateNote"].startswith("Voided")
    shots(page, "cancelled")


def test_crediting_chosen_lines_from_the_credit_page(signed_in, shots, qbo, sandbox_realm, company):
    page = signed_in
    order = synced_order(company, line("Consulting", "2", "50.00"), line("Travel", "1", "30.00"))
    page.goto(f"/orders/{order.pk}/")
    page.get_by_role("link", name="Credit").click()
    page.get_by_label("These lines").check()
    page.get_by_label("Line 1: Consulting").check()
    page.get_by_label("Quantity of line 1 to credit").fill("1")
    shots(page, "credit-lines-form")
    page.get_by_role("button", name="Credit").click()
    settle(page, company)
    expect(page.locator("#money-state")).to_contain_text("Credited 50.00")
    expect(page.locator("#money-state")).to_contain_text("Balance 80.00")
    shots(page, "credited-lines")
    memo = qbo.state.companies[sandbox_realm].rows("CreditMemo")[-1]
    assert sales_lines(memo) == [("Consulting", Decimal("1"), Decimal("50.00"))]
