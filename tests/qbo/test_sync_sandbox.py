"""Pulling from the local sandbox over real HTTP: the first import, catch-ups, webhooks."""

from decimal import Decimal

import pytest
from django.db.models.signals import post_save

from customers.models import Customer
from qbo import sync
from qbo.models import QBOCall, SyncCursor

pytestmark = pytest.mark.django_db


def test_first_connect_imports_every_customer_with_progress(
    client, connected, qbo, company, settings
):
    settings.QBO_IMPORT_PROGRESS_SECONDS = 0  # after every page (default: at most every 5 s)
    qbo.control.seed_customers(connected.realm_id, 2500)
    expected = len(qbo.state.companies[connected.realm_id].rows("Customer"))
    progress = []

    def record(sender, instance, **kwargs):  # what the settings page's progress bar reads
        if instance.entity == "Customer" and instance.state == "importing":
            progress.append((instance.import_done, instance.import_total))

    post_save.connect(record, sender=SyncCursor)
    try:
        sync.sync_company(company.pk)
    finally:
        post_save.disconnect(record, sender=SyncCursor)

    assert Customer.objects.filter(company=company).count() == expected
    assert progress[0] == (0, expected)
    assert progress[-1] == (expected, expected)
    assert len(progress) >= 4  # 2,500+ customers arrive in pages of 1,000
    pages = QBOCall.objects.filter(operation="query Customer").count()
    assert pages == 1 + -(-expected // 1000)  # COUNT, then each page
    cursor = SyncCursor.objects.get(company=company, entity="Customer")
    assert (cursor.state, cursor.import_percent) == ("idle", 100)
    page = client.get("/settings/quickbooks/")
    assert b"Up to date" in page.content


def test_a_long_imports_progress_is_saved_at_most_as_often_as_configured(
    connected, qbo, company, settings
):
    """Two statements a page at full speed: the progress isn't a third on every page."""
    settings.QBO_IMPORT_PROGRESS_SECONDS = 3600
    qbo.control.seed_customers(connected.realm_id, 2500)
    expected = len(qbo.state.companies[connected.realm_id].rows("Customer"))
    saves = []

    def record(sender, instance, update_fields=None, **kwargs):
        if instance.entity == "Customer" and update_fields and "import_done" in update_fields:
            saves.append((instance.state, instance.import_done, instance.import_total))

    post_save.connect(record, sender=SyncCursor)
    try:
        sync.sync_company(company.pk)
    finally:
        post_save.disconnect(record, sender=SyncCursor)

    # The start (0 of all), then once after the last of the three pages, not after each.
    assert saves == [("importing", 0, expected), ("importing", expected, expected)]
    assert Customer.objects.filter(company=company).count() == expected


def test_a_small_companys_first_import_is_one_query_per_entity(connected, qbo, company):
    """No COUNT when the first page isn't full: the scale run's first round was all calls."""
    sync.sync_company(company.pk)
    queries = list(
        QBOCall.objects.filter(operation__startswith="query ").values_list("operation", flat=True)
    )
    assert sorted(queries) == [
        "query CreditMemo",
        "query Customer",
        "query Invoice",
        "query Item",
        "query Payment",
        "query RefundReceipt",
        "query SalesReceipt",  # orders paid at checkout (invoicing registers it)
    ]
    cursor = SyncCursor.objects.get(company=company, entity="Customer")
    expected = len(qbo.state.companies[connected.realm_id].rows("Customer"))
    assert (cursor.import_done, cursor.import_total, cursor.import_percent) == (
        expected,
        expected,
        100,
    )
    assert cursor.high_water is not None


def test_inactive_customers_are_imported_too(connected, qbo, company):
    sync.sync_company(company.pk)
    total_in_qbo = len(qbo.state.companies[connected.realm_id].rows("Customer"))
    assert Customer.objects.filter(company=company).count() == total_in_qbo


def test_payments_and_balances_are_mirrored(connected, qbo, company):
    sync.sync_company(company.pk)
    from payments.models import Payment

    sandbox_payments = qbo.state.companies[connected.realm_id].rows("Payment")
    assert Payment.objects.filter(company=company).count() == len(sandbox_payments)
    sample = sandbox_payments[0]
    mirrored = Payment.objects.get(company=company, qbo_id=sample["Id"])
    assert mirrored.total_amount == Decimal(str(sample["TotalAmt"]))
    customer = Customer.objects.get(company=company, qbo_id=sample["CustomerRef"]["value"])
    assert mirrored.customer == customer


def test_one_sync_per_company_at_a_time(connected, company):
    from django.core.cache import cache

    cache.add(f"qbo:sync:lock:{company.pk}", 1, timeout=60)
    with pytest.raises(sync.SyncBusy):
        sync.sync_company(company.pk)


def test_sync_now_button_queues_a_sync(client, connected, company, published_tasks):
    response = client.post("/settings/quickbooks/sync/", follow=True)
    assert b"Syncing with QuickBooks now" in response.content
    assert published_tasks[-1] == ("qbo.tasks.sync_company", (company.pk,))


def test_resync_reads_chosen_customers_again(connected, qbo, company):
    sync.sync_company(company.pk)
    customer = Customer.objects.filter(company=company, active=True).first()
    Customer.objects.filter(pk=customer.pk).update(display_name="stale name")
    assert sync.resync_objects(company.pk, "Customer", [customer.qbo_id]) == 1
    customer.refresh_from_db()
    assert customer.display_name != "stale name"


def test_the_settings_page_follows_a_requested_sync_until_it_has_run(client, connected, company):
    sync.sync_company(company.pk)  # an earlier sync: its cursors finished before the request
    client.post("/settings/quickbooks/sync/")
    assert 'hx-trigger="every 2s"' in client.get("/settings/quickbooks/sync-status/").text
    sync.sync_company(company.pk)  # what the worker runs for that request
    assert 'hx-trigger="every 2s"' not in client.get("/settings/quickbooks/sync-status/").text


def test_an_object_seen_twice_in_one_page_is_upserted_once(connected, company):
    from customers.sync import upsert_customers

    older = {"Id": "900", "SyncToken": "1", "DisplayName": "Old name", "Active": True}
    newer = {"Id": "900", "SyncToken": "2", "DisplayName": "New name", "Active": True}
    assert upsert_customers(company.pk, [older, newer, older]) == 1
    assert Customer.objects.get(company=company, qbo_id="900").display_name == "New name"
