"""A user's whole day in real Chromium: log in, connect QuickBooks through the sandbox's consent
page, see customers arrive, create an order and watch its invoice number appear, receive the
payment in the sandbox and see the order turn paid, disconnect, and search customers in the
admin. The app runs on pytest-django's live server with a real Celery worker; QuickBooks is the
local sandbox over real HTTP.
"""

import importlib
import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Company, Membership, User
from invoicing.models import Order
from tests.browser.support import PHONE, watch_csp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo"  # the published development login's password
SLOW = 45_000  # ms: import, push and webhook round trips, with room for a loaded CI machine


def company_staff_group():
    """The "Company staff" group of accounts migration 0003 (a flushed test database has lost
    the rows that data migration made)."""
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("accounts.migrations.0003_company_staff_group")
    group, _ = Group.objects.get_or_create(name=migration.GROUP)
    for label, codename in migration.PERMISSIONS:
        group.permissions.add(
            Permission.objects.get(content_type__app_label=label, codename=codename)
        )
    return group


@pytest.fixture
def demo_user():
    """Like `make run`'s demo login: owner of Demo Company, and staff for the admin."""
    user = User.objects.create_user(
        "demo@example.com", PASSWORD, full_name="Demo User", is_staff=True
    )
    company = Company.objects.create(name="Demo Company")
    Membership.objects.create(user=user, company=company, role=Membership.Role.OWNER)
    user.groups.add(company_staff_group())
    return user


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def reload_until(page, locator, timeout_ms: int = SLOW) -> None:
    """Reload until the locator shows: what a user does waiting for a change from elsewhere."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        try:
            expect(locator).to_be_visible(timeout=2_000)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def test_connect_order_paid_disconnect_and_admin(
    browser, page, live_server, live_sandbox, celery_worker, demo_user, shots
):
    realm = next(iter(live_sandbox.state.companies))
    qbo_name = live_sandbox.state.companies[realm].name

    # Log in.
    page.goto("/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shots(page, "login")
    page.get_by_label("Email address").fill("demo@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.get_by_text("Not connected")).to_be_visible()
    shots(page, "dashboard-before-connecting")

    # Connect QuickBooks through the sandbox's consent page.
    nav(page, "QuickBooks")
    expect(page.get_by_role("heading", name="QuickBooks", exact=True)).to_be_visible()
    shots(page, "quickbooks-settings")
    page.get_by_role("button", name="Connect to QuickBooks").click()
    expect(page).to_have_url(re.compile(f"^{re.escape(live_sandbox.url)}/"))
    page.get_by_label("Company", exact=True).select_option(realm)
    shots(page, "sandbox-consent")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.get_by_text(f"Connected to QuickBooks company {qbo_name}.")).to_be_visible()
    # The settings page follows the first import by itself (customers, invoices, payments, items).
    expect(page.locator("#sync-status").get_by_text("Up to date")).to_have_count(7, timeout=SLOW)
    shots(page, "connected")

    # Customers arrive (the worker runs the first import) and the dashboard says so.
    nav(page, "Dashboard")
    expect(page.locator("#dashboard-sync .badge.ok")).to_have_count(4, timeout=SLOW)
    expect(page.locator("#dashboard-sync")).not_to_have_attribute("hx-trigger", re.compile("."))
    customers = page.locator("#dashboard-sync tr", has_text="Customers").locator("td.num")
    expect(customers).to_have_text(re.compile(r"^[1-9]\d*$"))
    tile = page.locator(".stat", has_text="Customers").locator(".stat-value")
    expect(tile).to_have_text(customers.inner_text())
    shots(page, "dashboard-imported")
    nav(page, "Customers")
    expect(page.get_by_role("link", name="Cool Cars")).to_be_visible()
    shots(page, "customers")

    # An order with two lines becomes an invoice; its number appears by itself.
    nav(page, "Orders")
    page.get_by_role("link", name="New order").first.click()
    page.wait_for_url("**/orders/new/")  # and its scripts: typing too early finds nothing
    page.get_by_label("Customer", exact=True).fill("cool")
    page.get_by_role("option", name="Cool Cars").click()
    rows = page.locator("#lines-body tr")
    rows.nth(0).get_by_label("Description").fill("Detailing, full car")
    rows.nth(0).get_by_label("Quantity").fill("2")
    rows.nth(0).get_by_label("Unit price").fill("120.00")
    page.get_by_role("button", name="Add line").click()
    rows.nth(1).get_by_label("Description").fill("Ceramic coating")
    rows.nth(1).get_by_label("Unit price").fill("85.50")
    expect(page.locator("#order-subtotal")).to_have_text("325.50")
    shots(page, "order-form")
    page.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="Order 1001")).to_be_visible()
    shots(page, "order-sending")
    status = page.locator("#push-status")
    expect(status.get_by_text("Invoice number")).to_be_visible(timeout=SLOW)
    order = Order.objects.get(company__name="Demo Company")
    assert order.qbo_invoice_id and order.qbo_doc_number
    expect(status).to_contain_text(order.qbo_doc_number)
    shots(page, "order-invoiced")

    # Receive the payment in the sandbox's UI, as a bookkeeper would in QuickBooks.
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open in QuickBooks").click()
    sandbox_page = opened.value
    expect(sandbox_page.get_by_text(f"Invoice {order.qbo_doc_number}").first).to_be_visible()
    shots(sandbox_page, "sandbox-invoice")
    sandbox_page.get_by_role("button", name="Receive payment").first.click()
    # The invoice's balance: 325.50 and the sales tax QuickBooks calculated on it.
    received = sandbox_page.get_by_label("Amount received")
    expect(received).to_have_value(re.compile(r"^\d+\.\d{1,2}$"))
    assert Decimal(received.input_value()) == order.qbo_total
    shots(sandbox_page, "sandbox-receive-payment")
    sandbox_page.get_by_role("button", name="Save payment").click()
    expect(sandbox_page.get_by_text("Paid").first).to_be_visible()
    shots(sandbox_page, "sandbox-paid")
    sandbox_page.close()

    # The payment comes back by itself: Intuit's webhook, then a sync of what changed.
    reload_until(page, page.locator(".badge.ok", has_text=re.compile("^Paid$")))
    expect(status).to_contain_text("Balance due")
    expect(status).to_contain_text("0.00")
    shots(page, "order-paid")
    order.refresh_from_db()
    assert order.payment_status == Order.PaymentStatus.PAID

    # The same session on a phone: the dashboard with real data.
    phone_context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, storage_state=page.context.storage_state()
    )
    watch_csp(phone_context)
    phone = phone_context.new_page()
    phone.goto("/")
    expect(phone.get_by_role("heading", name="Dashboard")).to_be_visible()
    shots(phone, "phone-dashboard")
    phone.goto(f"/orders/{order.pk}/")
    shots(phone, "phone-order")
    phone.context.close()

    # Disconnect, confirming on the way.
    nav(page, "QuickBooks")
    page.get_by_role("link", name="Disconnect").click()
    expect(page.get_by_role("heading", name="Disconnect QuickBooks?")).to_be_visible()
    shots(page, "disconnect-confirm")
    page.get_by_role("button", name="Disconnect").click()
    expect(
        page.get_by_text("QuickBooks is disconnected; qbsync's access was revoked.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Connect to QuickBooks")).to_be_visible()
    shots(page, "disconnected")

    # Staff search the synced customers in the admin.
    page.locator("details.menu summary").click()
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Customers", exact=True).click()
    page.locator("#searchbar").fill("kookies")
    page.locator("#searchbar").press("Enter")
    expect(page.get_by_role("link", name="Kookies by Kathy")).to_be_visible()
    expect(page.get_by_role("link", name="Cool Cars")).to_have_count(0)
    shots(page, "admin-customer-search")
