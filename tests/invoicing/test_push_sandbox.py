"""Orders become invoices in the local sandbox, over real HTTP, exactly once."""

import time
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from invoicing import drains, push
from invoicing.models import InvoicingSettings, Order, Product
from qbo import sync
from tests.support import order_post

pytestmark = pytest.mark.django_db


def invoices_for(server, realm, order) -> list[dict]:
    marker = f"[qbsync:{order.company_id}:{order.pk}]"
    rows = server.state.companies[realm].rows("Invoice")
    return [inv for inv in rows if marker in (inv.get("PrivateNote") or "")]


@pytest.fixture
def synced(connected, qbo):
    """Connected, and the sandbox company's customers pulled into the mirror."""
    sync.sync_company(connected.company_id)
    return connected


def test_an_order_made_on_the_page_becomes_exactly_one_invoice(
    client, synced, qbo, sandbox_realm, company
):
    customer = Customer.objects.filter(company=company, active=True).order_by("qbo_id").first()
    product = Product.objects.create(
        company=company, name="Garden design", unit_price=Decimal("75.00"), taxable=True
    )
    data = order_post(
        {"product": str(product.pk), "quantity": "2", "unit_price": "75.00"},
        {"description": "Site visit", "quantity": "1.5", "unit_price": "40.00", "taxable": None},
        customer=str(customer.pk),
        customer_search=customer.display_name,
        order_date="2026-03-02",
        due_date="2026-04-01",
        memo="Thank you for your business",
    )
    assert client.post("/orders/new/", data).status_code == 302
    order = Order.objects.get(company=company)
    drains.drain(company.pk)

    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    [invoice] = invoices_for(qbo, sandbox_realm, order)
    assert invoice["Id"] == order.qbo_invoice_id
    assert invoice["CustomerRef"]["value"] == customer.qbo_id
    assert (invoice["TxnDate"], invoice["DueDate"]) == ("2026-03-02", "2026-04-01")
    assert invoice["CustomerMemo"]["value"] == "Thank you for your business"
    lines = [ln for ln in invoice["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert [Decimal(str(ln["Amount"])) for ln in lines] == [Decimal("150"), Decimal("60")]
    assert [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in lines] == ["TAX", "NON"]
    # QuickBooks calculates the tax (automated sales tax, on the TAX line only).
    tax = Decimal(str(invoice["TxnTaxDetail"]["TotalTax"]))
    assert tax > 0 and order.qbo_tax == tax
    assert order.total == Decimal("210.00")
    assert Decimal(str(invoice["TotalAmt"])) == order.qbo_total == Decimal("210.00") + tax
    assert not order.total_differs_in_qbo
    assert order.qbo_doc_number == invoice["DocNumber"]
    product.refresh_from_db()
    assert product.qbo_item_id  # created in QBO as a service item

    page = client.get(f"/orders/{order.pk}/")
    assert order.qbo_doc_number in page.text
    assert f"{tax:,.2f}" in page.text and "(QuickBooks)" in page.text
    pdf = client.get(f"/orders/{order.pk}/invoice.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_custom_transaction_numbers_use_the_order_number(client, user, company, qbo):
    realm = qbo.control.create_company(name="Numbered Ltd", custom_txn_numbers=True)
    from tests.support import connect_through_consent

    client.force_login(user)
    connect_through_consent(client, qbo, realm_id=realm)
    assert (
        client.post(
            "/orders/new/",
            order_post({"description": "Work", "unit_price": "10"}, new_customer_name="Zed"),
        ).status_code
        == 302
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.push_status == "synced", order.last_error
    assert order.qbo_doc_number == order.number == "1001"
    assert order.customer.display_name == "Zed"


def test_new_customer_named_like_a_vendor_gets_a_customer_suffix(client, synced, qbo, company):
    vendor = qbo.state.companies[synced.realm_id].rows("Vendor")[0]["DisplayName"]
    client.post(
        "/orders/new/",
        order_post({"description": "Work", "unit_price": "5"}, new_customer_name=vendor),
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.push_status == "synced", order.last_error
    assert order.customer.display_name == f"{vendor} (customer)"


def test_existing_qbo_customer_is_found_by_email_not_duplicated(client, synced, qbo, company):
    with_email = Customer.objects.filter(company=company).exclude(email="")
    emails = list(with_email.values_list("email", flat=True))
    customer = next(c for c in with_email if emails.count(c.email) == 1)
    before = len(qbo.state.companies[synced.realm_id].rows("Customer"))
    client.post(
        "/orders/new/",
        order_post(
            {"description": "Work", "unit_price": "5"},
            new_customer_name="Someone Else",
            new_customer_email=customer.email,
        ),
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.customer == customer
    assert len(qbo.state.companies[synced.realm_id].rows("Customer")) == before


def test_validation_fault_shows_qbos_message_and_retry_succeeds(client, synced, qbo, company):
    product = Product.objects.create(
        company=company, name="Ghost", unit_price=Decimal("9.00"), qbo_item_id="999999"
    )
    client.post(
        "/orders/new/",
        order_post(
            {"product": str(product.pk), "unit_price": "9.00"}, new_customer_name="Fault Test"
        ),
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.push_status == "failed"
    assert order.last_error_code and order.last_error_tid
    page = client.get(f"/orders/{order.pk}/")
    assert "Something you&#x27;re trying to use has been made inactive" in page.text
    assert order.last_error_tid in page.text and "Retry" in page.text

    Product.objects.filter(pk=product.pk).update(qbo_item_id="")  # the cause, fixed
    assert client.post(f"/orders/{order.pk}/retry/").status_code == 302
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error
    assert len(invoices_for(qbo, synced.realm_id, order)) == 1


def test_non_us_company_without_a_tax_code_fails_before_calling_qbo(client, user, company, qbo):
    realm = qbo.control.create_company(name="Maple Ltd", country="CA")
    from tests.support import connect_through_consent

    client.force_login(user)
    connect_through_consent(client, qbo, realm_id=realm)
    client.post(
        "/orders/new/",
        order_post({"description": "Work", "unit_price": "10"}, new_customer_name="Bob"),
    )
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.push_status == "failed"
    assert "tax code" in order.last_error
    settings_row = InvoicingSettings.objects.get(company=company)
    codes = [t for t in qbo.state.companies[realm].rows("TaxCode") if t["Id"] not in ("TAX", "NON")]
    settings_row.tax_code_id = codes[0]["Id"]
    settings_row.save()
    client.post(f"/orders/{order.pk}/retry/")
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced", order.last_error


def test_many_orders_go_through_the_batch_endpoint(client, synced, qbo, company):
    for n in range(40):
        client.post(
            "/orders/new/",
            order_post(
                {"description": f"Item {n}", "unit_price": "3"}, new_customer_name="Batch Buyer"
            ),
        )
    qbo.control.clear_request_log()
    drains.drain(company.pk)
    assert set(Order.objects.values_list("push_status", flat=True)) == {"synced"}
    posts = qbo.control.request_log(method="POST")
    assert sum(1 for r in posts if r["path"].endswith("/batch")) == 2  # 30 + 10
    assert not any(r["path"].endswith("/invoice") for r in posts)
    for order in Order.objects.all():
        assert len(invoices_for(qbo, synced.realm_id, order)) == 1


def test_needs_reauth_parks_orders_and_reconnect_resumes_them(
    client, synced, qbo, company, django_capture_on_commit_callbacks
):
    client.post(
        "/orders/new/",
        order_post({"description": "Work", "unit_price": "5"}, new_customer_name="Wait Co"),
    )
    qbo.control.revoke_tokens(synced.realm_id)
    type(synced).objects.filter(pk=synced.pk).update(access_expires_at="2000-01-01T00:00:00Z")
    drains.drain(company.pk)
    order = Order.objects.get(company=company)
    assert order.push_status == "waiting"
    page = client.get(f"/orders/{order.pk}/")
    assert "reconnect" in page.text.lower()

    from tests.support import connect_through_consent

    with django_capture_on_commit_callbacks(execute=True):
        connect_through_consent(client, qbo, realm_id=synced.realm_id)
    order.refresh_from_db()
    assert order.push_status == "pending"
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced"


def test_a_thousand_orders_stay_inside_intuits_limits(synced, qbo, company):
    """The sandbox enforces 500 requests/min, 10 concurrent and 40 batches/min."""
    from tests.invoicing.faultrun import make_orders

    make_orders(company, 1000)
    qbo.control.clear_request_log()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        drains.drain(company.pk)
        waiting = Order.objects.filter(company=company, push_status="pending")
        if not waiting.exists():
            break
        # As the doorbell's countdown would: come back when the next retry is due.
        due = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True)[0]
        if due:
            time.sleep(min(30, max(0.05, (due - timezone.now()).total_seconds())))
    statuses = set(Order.objects.values_list("push_status", flat=True))
    assert statuses == {"synced"}
    log = [r for r in qbo.control.request_log() if "/v3/company/" in r["path"]]
    throttled = sum(1 for r in log if r["status"] == 429)
    assert throttled <= 0.01 * len(log)


def _one_order(client, company, name="Exactly Once") -> Order:
    client.post(
        "/orders/new/",
        order_post({"description": "Work", "unit_price": "10"}, new_customer_name=name),
    )
    return Order.objects.get(company=company)


def test_an_answer_lost_after_the_invoice_was_made_is_found_not_repeated(
    client, synced, qbo, company
):
    order = _one_order(client, company)
    qbo.control.add_fault(r"/v3/company/.*/invoice$", "drop_after_commit", count=1, method="POST")
    drains.drain(company.pk)
    order.refresh_from_db()
    assert (order.push_status, order.needs_lookup) == ("pending", True)

    Order.objects.filter(pk=order.pk).update(next_attempt_at=None)
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced"
    assert len(invoices_for(qbo, synced.realm_id, order)) == 1
    creates = qbo.control.request_log(method="POST", path=r"/invoice")
    assert [r["requestid"] for r in creates if r["path"].endswith("/invoice")] == [order.request_id]


def test_a_retry_after_a_server_error_reuses_the_request_id(client, synced, qbo, company):
    order = _one_order(client, company)
    qbo.control.add_fault(r"/v3/company/.*/invoice$", "status", count=1, status=503, method="POST")
    drains.drain(company.pk)
    Order.objects.filter(pk=order.pk).update(next_attempt_at=None)
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced"
    creates = [r for r in qbo.control.request_log(method="POST") if r["path"].endswith("/invoice")]
    assert [r["status"] for r in creates] == [503, 200]
    assert {r["requestid"] for r in creates} == {order.request_id}
    assert len(invoices_for(qbo, synced.realm_id, order)) == 1


def test_the_sweeper_takes_back_a_dead_workers_claim(client, synced, qbo, company):
    from datetime import timedelta

    order = _one_order(client, company)
    [claimed] = push.claim_due(company.pk, 30)  # a worker claims it, then dies
    Order.objects.filter(pk=claimed.pk).update(
        claimed_at=timezone.now() - push.claim_lease() - timedelta(seconds=1)
    )
    drains.sweep()
    order.refresh_from_db()
    assert (order.push_status, order.needs_lookup) == ("pending", True)
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced"
    assert len(invoices_for(qbo, synced.realm_id, order)) == 1


def test_a_timed_out_push_waits_until_the_request_can_no_longer_commit(
    client, synced, qbo, company, settings
):
    """A request that timed out may still create the invoice at Intuit: a lookup and retry
    before then would find nothing and make a second one."""
    from datetime import timedelta

    settings.QBO_READ_TIMEOUT = 0.5
    settings.QBO_AMBIGUOUS_SETTLE = 1.5
    order = _one_order(client, company)
    qbo.control.add_fault(
        r"/v3/company/.*/invoice$", "latency", count=1, seconds=1.0, method="POST"
    )
    drains.drain(company.pk)
    order.refresh_from_db()
    assert (order.push_status, order.needs_lookup) == ("pending", True)
    assert order.next_attempt_at >= timezone.now() + timedelta(seconds=1)

    drains.drain(company.pk)  # too early: the order waits
    order.refresh_from_db()
    assert order.push_status == "pending"

    time.sleep(max(0, (order.next_attempt_at - timezone.now()).total_seconds()) + 0.1)
    drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == "synced"
    assert len(invoices_for(qbo, synced.realm_id, order)) == 1


def test_a_second_product_for_one_quickbooks_item_is_refused_naming_both(
    client, synced, qbo, company
):
    first = Product.objects.create(company=company, name="Hedge trimming", unit_price=30)
    line = {"product": str(first.pk), "unit_price": "30.00"}
    client.post("/orders/new/", order_post(line, new_customer_name="Item Test"))
    drains.drain(company.pk)
    first.refresh_from_db()
    assert first.qbo_item_id
    first.name = "Hedge trimming (old)"  # renamed in qbsync only: the item keeps its name
    first.save()
    second = Product.objects.create(company=company, name="Hedge trimming", unit_price=30)
    line = {"product": str(second.pk), "unit_price": "30.00"}
    client.post("/orders/new/", order_post(line, new_customer_name="Item Test Two"))

    drains.drain(company.pk)

    order = Order.objects.filter(company=company).latest("pk")
    assert order.push_status == "failed"
    assert (
        'Products "Hedge trimming" and "Hedge trimming (old)" would both be QuickBooks item '
        '"Hedge trimming". Rename one of them, then retry.'
    ) in order.last_error
    second.refresh_from_db()
    assert second.qbo_item_id == ""
    assert len(invoices_for(qbo, synced.realm_id, order)) == 0
