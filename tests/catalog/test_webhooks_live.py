"""An item edited in QuickBooks reaches the mirror within seconds: the sandbox signs and
delivers the webhook to the live app over HTTP and a real Celery worker syncs."""

import time

import pytest

from catalog.models import Item
from tests.catalog.support import sandbox_item
from tests.catalog.test_sync import sparse_update
from tests.qbo.test_webhooks_live import eventually

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_item_edit_in_quickbooks_arrives_within_seconds(company, live_sandbox, live_connected):
    item = Item.objects.filter(company=company, active=True).first()
    assert item is not None  # the first import brought the sample company's items
    live = sandbox_item(live_sandbox, live_connected, item.qbo_id)
    sparse_update(company, live, Name="Renamed Through A Webhook")
    started = time.monotonic()
    eventually(
        lambda: Item.objects.filter(pk=item.pk, name="Renamed Through A Webhook").exists(),
        timeout=30,
    )
    elapsed = time.monotonic() - started
    print(f"item webhook arrived after {elapsed:.1f} s")
