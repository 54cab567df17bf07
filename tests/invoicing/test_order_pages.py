import re
from decimal import Decimal

import pytest

from invoicing import services
from invoicing.models import Order
from qbo.models import QuickBooksConnection
from tests.invoicing.support import make_customer, make_order

pytestmark = pytest.mark.django_db

SYNCED = {
    "push_status": Order.PushStatus.SYNCED,
    "qbo_invoice_id": "146",
    "qbo_doc_number": "1001",
    "qbo_total": Decimal("10.00"),
}
FAILED = {
    "push_status": Order.PushStatus.FAILED,
    "last_error": "Invalid Reference Id: Item assigned to this transaction has been deleted.",
    "last_error_code": "2500",
    "last_error_tid": "1-66f2b0c4-1b2c3d4e5f",
}


# --- List ---------------------------------------------------------------------------------


def numbers(response) -> list[str]:
    return [order.number for order in response.context["page"]]


def test_lists_the_companys_orders_newest_first(owner_client, company, other_company):
    make_order(company, "1001")
    make_order(company, "1002")
    make_order(other_company, "1003")
    response = owner_client.get("/orders/")
    assert numbers(response) == ["1002", "1001"]
    assert '<span class="badge info">Pending</span>' in response.text
    assert '<span class="badge">Unpaid</span>' in response.text


def test_filters_by_push_and_payment_status(owner_client, company):
    make_order(company, "1001", **SYNCED, payment_status=Order.PaymentStatus.PAID)
    make_order(company, "1002", **FAILED)
    make_order(company, "1003", push_status=Order.PushStatus.IN_FLIGHT)
    assert numbers(owner_client.get("/orders/?push_status=failed")) == ["1002"]
    assert numbers(owner_client.get("/orders/?payment_status=paid")) == ["1001"]
    assert numbers(owner_client.get("/orders/?payment_status=unpaid")) == ["1003", "1002"]
    assert "Sending" in owner_client.get("/orders/?push_status=in_flight").text


def test_searches_number_customer_and_invoice_number(owner_client, company, customer):
    make_order(company, "1001", customer=customer, new_customer_name="")
    make_order(company, "1002", new_customer_name="Initech")
    make_order(company, "1003", qbo_doc_number="INV-77")
    assert numbers(owner_client.get("/orders/?q=globex")) == ["1001"]
    assert numbers(owner_client.get("/orders/?q=initech")) == ["1002"]
    assert numbers(owner_client.get("/orders/?q=inv-77")) == ["1003"]
    assert numbers(owner_client.get("/orders/?q=1002")) == ["1002"]


def test_paginates_25_per_page_keeping_the_filters(owner_client, company):
    for n in range(30):
        make_order(company, str(1001 + n), push_status=Order.PushStatus.FAILED)
    first = owner_client.get("/orders/?push_status=failed")
    assert len(first.context["page"]) == 25
    assert "?push_status=failed&amp;page=2" in first.text
    assert len(owner_client.get("/orders/?push_status=failed&page=2").context["page"]) == 5


def test_empty_list_invites_the_first_order(owner_client):
    response = owner_client.get("/orders/")
    assert "Create your first order" in response.text


def test_filtered_empty_list_says_nothing_matches(owner_client, company):
    make_order(company)
    response = owner_client.get("/orders/?q=nothing-like-this")
    assert "No orders match these filters." in response.text
    assert "Create your first order" not in response.text


# --- Detail -------------------------------------------------------------------------------


def test_detail_shows_customer_dates_memo_lines_and_totals(owner_client, company):
    order = make_order(company, memo="Deliver to dock 4", total=Decimal("1234.50"))
    response = owner_client.get(f"/orders/{order.pk}/")
    for shown in ("Order 1001", "Walk-in Customer", "Mar 2, 2026", "Deliver to dock 4"):
        assert shown in response.text
    assert "Consulting" in response.text and "1,234.50" in response.text


def test_pending_order_polls_its_status_fragment(owner_client, company):
    order = make_order(company)
    response = owner_client.get(f"/orders/{order.pk}/")
    assert f'hx-get="/orders/{order.pk}/status/"' in response.text
    assert 'hx-trigger="every 2s"' in response.text
    assert "/static/js/htmx.min.js" in response.text


def test_status_fragment_stops_polling_once_synced(owner_client, company):
    order = make_order(company, push_status=Order.PushStatus.IN_FLIGHT)
    polling = owner_client.get(f"/orders/{order.pk}/status/")
    assert 'hx-trigger="every 2s"' in polling.text and "Sending" in polling.text
    Order.objects.filter(pk=order.pk).update(**SYNCED)
    settled = owner_client.get(f"/orders/{order.pk}/status/")
    assert "hx-trigger" not in settled.text
    assert "<html" not in settled.text
    assert "Synced" in settled.text


def test_waiting_order_keeps_polling_and_explains(owner_client, company):
    order = make_order(company, push_status=Order.PushStatus.WAITING)
    response = owner_client.get(f"/orders/{order.pk}/status/")
    assert "QuickBooks needs reconnecting" in response.text
    assert 'hx-trigger="every 2s"' in response.text


def test_synced_order_shows_invoice_number_and_links(owner_client, company, settings):
    settings.QBO_ENVIRONMENT = "production"
    order = make_order(company, **SYNCED | {"qbo_doc_number": "INV-1001"})
    response = owner_client.get(f"/orders/{order.pk}/")
    assert "INV-1001" in response.text
    assert 'href="https://qbo.intuit.com/app/invoice?txnId=146"' in response.text
    assert "Open in QuickBooks" in response.text
    assert f'href="/orders/{order.pk}/invoice.pdf"' in response.text
    assert "hx-trigger" not in response.text


def test_local_sandbox_link_uses_the_connections_realm(owner_client, company, settings):
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_PUBLIC_URL = "http://localhost:8001/"
    QuickBooksConnection.objects.create(company=company, realm_id="9130", environment="local")
    order = make_order(company, **SYNCED)
    response = owner_client.get(f"/orders/{order.pk}/")
    assert 'href="http://localhost:8001/ui/companies/9130/invoices/146"' in response.text


def test_invoice_url_per_environment(company, settings):
    order = make_order(company, **SYNCED)
    settings.QBO_ENVIRONMENT = "sandbox"
    assert services.invoice_url(order, "9130") == (
        "https://app.sandbox.qbo.intuit.com/app/invoice?txnId=146"
    )
    settings.QBO_ENVIRONMENT = "production"
    assert services.invoice_url(order, "9130") == "https://qbo.intuit.com/app/invoice?txnId=146"
    settings.QBO_ENVIRONMENT = "local"
    settings.QBO_LOCAL_SANDBOX_PUBLIC_URL = "http://127.0.0.1:8001"
    assert services.invoice_url(order, "9130") == (
        "http://127.0.0.1:8001/ui/companies/9130/invoices/146"
    )
    assert services.invoice_url(order, "") == ""  # disconnected: no realm to link into


def test_invoice_url_follows_the_connections_environment(company, settings):
    """A company connected to production keeps production links if the setting changes."""
    order = make_order(company, **SYNCED)
    settings.QBO_ENVIRONMENT = "local"
    assert services.invoice_url(order, "9130", "production") == (
        "https://qbo.intuit.com/app/invoice?txnId=146"
    )


def test_shows_both_totals_when_quickbooks_differs(owner_client, company):
    order = make_order(company, **SYNCED | {"qbo_total": Decimal("10.80")})
    response = owner_client.get(f"/orders/{order.pk}/")
    assert "QuickBooks total" in response.text and "10.80 USD" in response.text
    same = make_order(company, "1002", **SYNCED | {"qbo_invoice_id": "147"})
    assert "QuickBooks total" not in owner_client.get(f"/orders/{same.pk}/").text


def test_failed_order_shows_the_error_the_tid_and_retry(owner_client, company):
    order = make_order(company, **FAILED)
    response = owner_client.get(f"/orders/{order.pk}/")
    assert "Item assigned to this transaction has been deleted." in response.text
    assert "2500" in response.text
    assert "1-66f2b0c4-1b2c3d4e5f" in response.text and "Intuit support" in response.text
    assert f'action="/orders/{order.pk}/retry/"' in response.text
    assert "hx-trigger" not in response.text


def test_retry_button_queues_the_order_again(
    owner_client, company, django_capture_on_commit_callbacks
):
    order = make_order(company, **FAILED)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = owner_client.post(f"/orders/{order.pk}/retry/")
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.push_status == Order.PushStatus.PENDING
    assert len(callbacks) == 1
    assert "will be sent to QuickBooks again" in owner_client.get(response["Location"]).text


def test_retry_of_a_synced_order_changes_nothing(owner_client, company):
    order = make_order(company, **SYNCED)
    response = owner_client.post(f"/orders/{order.pk}/retry/", follow=True)
    assert "isn&#x27;t waiting for a retry" in response.text
    order.refresh_from_db()
    assert order.push_status == Order.PushStatus.SYNCED


def test_pdf_of_an_unsynced_order_explains_instead(owner_client, company):
    order = make_order(company)
    response = owner_client.get(f"/orders/{order.pk}/invoice.pdf", follow=True)
    assert "The invoice isn&#x27;t in QuickBooks yet." in response.text


def test_detail_marks_a_new_customer_but_not_an_existing_one(owner_client, company):
    new = make_order(company, new_customer_name="Initech", new_customer_email="ap@initech.test")
    response = owner_client.get(f"/orders/{new.pk}/")
    assert "Initech" in response.text and "ap@initech.test" in response.text
    assert '<span class="badge info">New</span>' in response.text
    customer = make_customer(company, "Globex Corporation", email="ap@globex.test")
    existing = make_order(company, "1002", customer=customer, new_customer_name="")
    response = owner_client.get(f"/orders/{existing.pk}/")
    assert "Globex Corporation" in response.text and "ap@globex.test" in response.text
    assert '<span class="badge info">New</span>' not in response.text


def test_an_order_with_a_discount_is_edited_with_its_discount(owner_client, company):
    """The edit page carries the discount (and shipping, tax): a line edit keeps it."""
    order = make_order(company, **SYNCED | {"discount": Decimal("1.00")})
    page = owner_client.get(f"/orders/{order.pk}/edit/").text
    assert 'name="discount_value" value="1.00"' in page
    assert '<option value="amount" selected>' in page
    data = {
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "1",
        "lines-0-description": "Consulting",
        "lines-0-quantity": "2",
        "lines-0-unit_price": "10",
    }
    response = owner_client.post(f"/orders/{order.pk}/edit/", data)
    assert response.status_code == 200 and 'name="confirm"' in response.text
    shown = re.sub(r"\s+", " ", response.text)
    assert "Line 1 quantity</td><td>1</td><td><strong>2" in shown
    assert "<td>Discount" not in shown  # unchanged: kept, not listed
    assert order.lines.get().quantity == 1 and not order.writes.exists()
