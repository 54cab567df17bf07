"""The items mirror against the local sandbox over real HTTP: the first import with progress,
edits arriving with the catch-up (CDC) and through a webhook, linked products following."""

import base64
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from catalog.models import Item
from catalog.sync import upsert_items
from invoicing.models import Product
from qbo import sync
from qbo.client import open_client
from qbo.models import QBOCall, SyncCursor, WebhookEvent
from qbo.tasks import process_webhook_events
from tests.catalog.support import income_account, sandbox_item, seed_items

pytestmark = pytest.mark.django_db


def sparse_update(company, obj: dict, **fields) -> dict:
    """Another QuickBooks user edits an item (a sparse update through the API)."""
    body = {"Id": obj["Id"], "SyncToken": obj["SyncToken"], "sparse": True, **fields}
    with open_client(company) as qb:
        return qb.update_object("Item", json.dumps(body))["Item"]


def test_three_thousand_items_import_with_progress(client, connected, qbo, company, settings):
    settings.QBO_IMPORT_PROGRESS_SECONDS = 0  # after every page (default: at most every 5 s)
    seed_items(qbo, connected.realm_id, 3000)
    expected = len(qbo.state.companies[connected.realm_id].rows("Item"))
    assert expected > 3000  # the seeded ones and the sample company's own
    progress = []

    def record(sender, instance, **kwargs):  # what the settings page's progress bar reads
        if instance.entity == "Item" and instance.state == "importing":
            progress.append((instance.import_done, instance.import_total))

    post_save.connect(record, sender=SyncCursor)
    try:
        with CaptureQueriesContext(connection) as queries:
            sync.sync_company(company.pk)
    finally:
        post_save.disconnect(record, sender=SyncCursor)

    items = Item.objects.filter(company=company)
    # A page of items is two statements: the call log's row and the upsert (linked products'
    # renames inside it); here also the progress, saved after every page.
    item_pages = -(-expected // 1000)
    upserts = [q for q in queries if 'INSERT INTO "catalog_item"' in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(upserts) == item_pages
        assert not [q for q in queries if 'FROM "invoicing_product"' in q["sql"]]
    assert items.count() == expected
    assert progress[0] == (0, expected)
    assert progress[-1] == (expected, expected)
    assert len(progress) == 1 + -(-expected // 1000)
    assert QBOCall.objects.filter(operation="query Item").count() == 1 + -(-expected // 1000)
    # Inactive items are mirrored too (QBO leaves them out unless asked).
    assert items.filter(active=False).count() == 3000 // 7
    seeded = items.get(sku="GEN-000042")
    # QuickBooks renames an inactive item "<name> (deleted)", as for names.
    assert (seeded.name, seeded.type, seeded.active) == (
        "Generated Item 000042 (deleted)",
        "Service",
        False,
    )
    assert seeded.unit_price == Decimal("42.42")
    assert seeded.income_account_id == income_account(qbo, connected.realm_id)["value"]
    inventory = items.filter(type="Inventory").first()
    assert inventory is not None and inventory.track_qty_on_hand
    assert inventory.qty_on_hand == Decimal(str(inventory.raw["QtyOnHand"]))
    cursor = SyncCursor.objects.get(company=company, entity="Item")
    assert (cursor.state, cursor.import_percent) == ("idle", 100)


def test_an_edit_in_quickbooks_arrives_with_the_catch_up(connected, qbo, company):
    realm = connected.realm_id
    seed_items(qbo, realm, 5)
    sync.sync_company(company.pk)
    renamed, deactivated = Item.objects.filter(
        company=company, sku__startswith="GEN-", active=True
    )[:2]
    sparse_update(company, sandbox_item(qbo, realm, renamed.qbo_id), Name="Renamed In QBO")
    sparse_update(company, sandbox_item(qbo, realm, deactivated.qbo_id), Active=False)

    sync.sync_company(company.pk)  # the scheduled catch-up: CDC from the high-water mark

    renamed.refresh_from_db()
    deactivated.refresh_from_db()
    assert renamed.name == "Renamed In QBO"
    assert renamed.sync_token == str(sandbox_item(qbo, realm, renamed.qbo_id)["SyncToken"])
    assert deactivated.active is False
    assert QBOCall.objects.filter(operation="cdc").exists()


def test_a_linked_product_follows_its_items_rename_and_keeps_the_link(connected, qbo, company):
    realm = connected.realm_id
    seed_items(qbo, realm, 1)
    sync.sync_company(company.pk)
    item = Item.objects.get(company=company, sku="GEN-000001")
    product = Product.objects.create(
        company=company, name="Our Widget", qbo_item_id=item.qbo_id, qbo_item_name=item.name
    )
    sparse_update(company, sandbox_item(qbo, realm, item.qbo_id), Name="Widget (renamed)")
    sync.sync_company(company.pk)
    product.refresh_from_db()
    assert (product.qbo_item_id, product.qbo_item_name) == (item.qbo_id, "Widget (renamed)")
    assert product.name == "Our Widget"  # the product is ours: only the item's name follows


def _sign(body: bytes, token: str) -> str:
    return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


def test_an_item_webhook_brings_the_edit_in(client, connected, qbo, company, settings):
    realm = connected.realm_id
    seed_items(qbo, realm, 2)
    sync.sync_company(company.pk)
    item = Item.objects.get(company=company, sku="GEN-000001")
    updated = sparse_update(company, sandbox_item(qbo, realm, item.qbo_id), UnitPrice="12.34")
    event = {
        "specversion": "1.0",
        "id": "item-event-1",
        "source": "intuit.test",
        "type": "qbo.item.updated.v1",
        "time": updated["MetaData"]["LastUpdatedTime"],
        "intuitentityid": item.qbo_id,
        "intuitaccountid": realm,
        "datacontenttype": "application/json",
        "data": {},
    }
    body = json.dumps([event]).encode()
    response = client.post(
        "/quickbooks/webhooks/",
        body,
        content_type="application/json",
        HTTP_INTUIT_SIGNATURE=_sign(body, settings.QBO_WEBHOOK_VERIFIER_TOKEN),
    )
    assert response.status_code == 200
    stored = WebhookEvent.objects.get(company=company, entity="Item", entity_id=item.qbo_id)
    process_webhook_events(company.pk)  # what the worker runs for the enqueued message
    item.refresh_from_db()
    stored.refresh_from_db()
    assert item.unit_price == Decimal("12.34")
    assert stored.status == "processed"


def test_an_item_seen_twice_in_one_page_is_upserted_once(company):
    older = {"Id": "900", "SyncToken": "1", "Name": "Old name", "Type": "Service"}
    newer = {"Id": "900", "SyncToken": "2", "Name": "New name", "Type": "Service"}
    assert upsert_items(company.pk, [older, newer, older]) == 1
    assert Item.objects.get(company=company, qbo_id="900").name == "New name"


def test_an_unknown_item_type_is_kept_as_other(company):
    upsert_items(company.pk, [{"Id": "901", "Name": "Kit", "Type": "Assembly"}])
    assert Item.objects.get(company=company, qbo_id="901").type == "Other"


def test_a_page_of_items_is_one_statement_and_linked_products_follow_in_it(company, other_company):
    """The shared bulk path (qbo.bulk): the upsert and the renames of linked products are one
    statement on PostgreSQL; another company's product with the same item id is left alone."""
    upsert_items(company.pk, [{"Id": str(i), "Name": f"Item {i}"} for i in range(1, 1001)])
    ours = Product.objects.create(
        company=company, name="Ours", qbo_item_id="7", qbo_item_name="Item 7"
    )
    theirs = Product.objects.create(
        company=other_company, name="Theirs", qbo_item_id="7", qbo_item_name="Their 7"
    )
    page = [{"Id": str(i), "Name": f"Item {i} v2", "SyncToken": "1"} for i in range(1, 1001)]
    with CaptureQueriesContext(connection) as queries:
        assert upsert_items(company.pk, page) == 1000
    if connection.vendor == "postgresql":  # SQLite: bulk_create split by its bind limit, +2
        assert len(queries) == 1
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.qbo_item_name == "Item 7 v2"
    assert theirs.qbo_item_name == "Their 7"
    assert Item.objects.filter(company=company, name__endswith="v2").count() == 1000
    assert Item.objects.get(company=company, qbo_id="7").sync_token == "1"
