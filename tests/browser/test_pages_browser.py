"""Every main page with lived-in data, on a desktop and on a phone, plus keyboard basics:
what a reviewer looks at in the screenshots, and what a keyboard user needs to get around."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import invitations
from accounts.models import Company, Membership, User
from customers.models import Customer
from invoicing.models import Order, OrderLine, Product
from qbo.models import QBOCall, SyncCursor
from tests.browser.support import PHONE, new_page
from tests.support import store_connection

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
    ("dashboard", "/", "Dashboard"),
    ("orders", "/orders/", "Orders"),
    ("new-order", "/orders/new/", "New order"),
    ("customers", "/customers/", "Customers"),
    ("products", "/products/", "Products"),
    ("new-product", "/products/new/", "New product"),
    ("team", "/team/", "Team"),
    ("quickbooks", "/settings/quickbooks/", "QuickBooks"),
    ("change-password", "/accounts/password/change/", "Change password"),
    ("new-company", "/companies/new/", "Start a company"),
]


def order(company, number, status, payment="unpaid", age=timedelta(0), **fields):
    made = Order.objects.create(
        company=company,
        number=str(number),
        customer=Customer.objects.filter(company=company).order_by("qbo_id").first(),
        order_date=timezone.localdate(),
        subtotal=Decimal("240.00"),
        total=Decimal("240.00"),
        push_status=status,
        payment_status=payment,
        **fields,
    )
    OrderLine.objects.create(
        order=made, description="Consulting", quantity=2, unit_price=Decimal("120"), amount=240
    )
    Order.objects.filter(pk=made.pk).update(created_at=timezone.now() - age)
    return made


@pytest.fixture
def lived_in(user, company, settings):
    """A connected company a few weeks in: customers, products, orders in every state, a
    failing payment sync, calls in the log, a colleague and an open invitation."""
    settings.QBO_ENVIRONMENT = "sandbox"
    store_connection(company)
    now = timezone.now()
    for n, name in enumerate(["Amy's Bird Sanctuary", "Cool Cars", "Red Rock Diner"], start=1):
        Customer.objects.create(
            company=company,
            qbo_id=str(n),
            display_name=name,
            email=f"ap{n}@example.test",
            phone="(415) 555-0100",
            balance=Decimal("240.00"),
            currency="USD",
        )
    Product.objects.create(company=company, name="Consulting", unit_price=Decimal("120.00"))
    order(company, 1001, "synced", "paid", qbo_invoice_id="31", qbo_doc_number="1001")
    order(company, 1002, "synced", "partially_paid", qbo_invoice_id="32", qbo_doc_number="1002")
    order(
        company,
        1003,
        "failed",
        last_error="Invalid Reference Id: Item assigned to this transaction has been deleted.",
        last_error_code="2500",
        last_error_tid="1-6650ab12-7a1b2c3d4e5f60718293a4b5",
    )
    order(company, 1004, "pending", age=timedelta(minutes=25), push_attempts=3)
    order(company, 1005, "pending")
    for entity, state in [("Customer", "idle"), ("Invoice", "idle"), ("Payment", "error")]:
        SyncCursor.objects.create(
            company=company,
            entity=entity,
            state=state,
            high_water=now - timedelta(minutes=6),
            last_success_at=now - timedelta(minutes=6),
            last_error="QuickBooks didn't answer (ReadTimeout)" if state == "error" else "",
            last_error_at=now if state == "error" else None,
        )
    for operation, code, tid in [
        ("query Customer", 200, "1-6650ab10-aa"),
        ("invoice", 400, "1-6650ab12-7a1b2c3d4e5f60718293a4b5"),
        ("cdc", None, ""),
    ]:
        QBOCall.objects.create(
            company=company,
            operation=operation,
            method="POST" if operation != "cdc" else "GET",
            status_code=code,
            duration_ms=180,
            request_id="qbsync-1-1003-1" if operation == "invoice" else "",
            intuit_tid=tid,
            error="" if code == 200 else "Read timed out" if code is None else "ValidationFault",
        )
    colleague = User.objects.create_user("bob@example.com", "pw-bob-123", full_name="Bob Lee")
    Membership.objects.create(user=colleague, company=company, role=Membership.Role.MEMBER)
    invitations.create_invitation(
        company=company, email="new.hire@example.com", role="admin", invited_by=user
    )
    second = Company.objects.create(name="Acme Wholesale")
    Membership.objects.create(user=user, company=second, role=Membership.Role.ADMIN)
    return company


def test_every_page_on_desktop_and_phone(browser, live_server, client, user, lived_in, shots):
    client.force_login(user)
    desktop = new_page(browser, live_server.url, session_of=client)
    phone = new_page(browser, live_server.url, viewport=PHONE, session_of=client)
    for name, path, heading in PAGES:
        desktop.goto(path)
        expect(desktop.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        shots(desktop, name)
    failed = Order.objects.get(number="1003")
    desktop.goto(f"/orders/{failed.pk}/")
    expect(desktop.get_by_text("QuickBooks did not accept this invoice:")).to_be_visible()
    shots(desktop, "order-failed")
    customer = Customer.objects.get(display_name="Amy's Bird Sanctuary")
    desktop.goto(f"/customers/{customer.pk}/")
    expect(desktop.get_by_role("heading", name="Amy's Bird Sanctuary")).to_be_visible()
    shots(desktop, "customer")
    for name, path, heading in PAGES:
        phone.goto(path)
        expect(phone.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        shots(phone, f"phone-{name}")
    # Nothing sticks out sideways on a phone.
    for path in ("/", "/orders/", f"/orders/{failed.pk}/", "/team/"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a phone"

    # The dashboard: what needs attention, with the ids Intuit support asks for.
    desktop.goto("/")
    attention = desktop.locator("#attention")
    expect(attention.get_by_role("link", name="Order 1003")).to_be_visible()
    expect(attention.get_by_role("link", name="Order 1004")).to_be_visible()
    expect(attention.get_by_role("link", name="Order 1005")).to_have_count(0)
    expect(desktop.get_by_text("1-6650ab12-7a1b2c3d4e5f60718293a4b5").first).to_be_visible()


def test_pages_work_from_the_keyboard(browser, live_server, client, user, lived_in, shots):
    client.force_login(user)
    page = new_page(browser, live_server.url, session_of=client)
    page.goto("/")
    # The first Tab reaches "Skip to content", which moves focus past the top bar.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    shots(page, "skip-link", full_page=False)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # The account menu opens and closes from the keyboard.
    summary = page.locator("details.menu summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Change password")).to_be_visible()
    shots(page, "account-menu", full_page=False)
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="Change password")).to_be_hidden()
    expect(summary).to_be_focused()

    # Every form control on the main pages has a label.
    for path in ("/", "/orders/new/", "/team/", "/customers/", "/orders/"):
        page.goto(path)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(el => el.type !== 'hidden' && !el.closest('template'))
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
                .map(el => el.name || el.id)"""
        )
        assert unlabelled == [], f"{path}: {unlabelled}"
