"""Stored tokens that can't be decrypted (a key dropped from QBO_TOKEN_KEYS, a tampered row)
mark the connection "needs reconnecting" and raise the same exception on every path: the
push parks its orders, the sync marks its cursors failed, owners are told once."""

import base64
import os
from datetime import date
from decimal import Decimal

import pytest

from invoicing import drains, services
from invoicing.models import Order
from invoicing.services import NewLine
from qbo import sync
from qbo.errors import ReconnectNeeded
from qbo.models import QuickBooksConnection, SyncCursor
from qbo.registry import synced_entities
from qbo.signals import connection_needs_reconnect
from qbo.vault import TokenDecryptError

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys_lost(settings, connected):
    """The key the tokens were sealed with is no longer configured."""
    settings.QBO_TOKEN_KEYS = "other:" + base64.urlsafe_b64encode(os.urandom(32)).decode()
    return connected


@pytest.fixture
def announced():
    heard = []

    def receive(sender, *, company_id, reason, **kwargs):
        heard.append((company_id, reason))

    connection_needs_reconnect.connect(receive, weak=False)
    yield heard
    connection_needs_reconnect.disconnect(receive)


def _expire_access_token(connection: QuickBooksConnection) -> None:
    # Fresh tokens are read without a refresh; an expired one takes the refresh path too.
    QuickBooksConnection.objects.filter(pk=connection.pk).update(access_expires_at=None)


@pytest.mark.parametrize("expired", [False, True], ids=["fresh token", "refresh path"])
def test_the_sync_marks_its_cursors_and_the_connection(
    keys_lost, announced, company, expired, django_capture_on_commit_callbacks
):
    if expired:
        _expire_access_token(keys_lost)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ReconnectNeeded) as raised:
        sync.sync_company(company.pk)
    assert isinstance(raised.value, TokenDecryptError)
    keys_lost.refresh_from_db()
    assert keys_lost.status == QuickBooksConnection.Status.NEEDS_REAUTH
    assert "can't be read" in keys_lost.last_error
    cursors = SyncCursor.objects.filter(company=company)
    assert cursors.count() == len(synced_entities())  # one per registered entity
    assert {c.state for c in cursors} == {SyncCursor.State.ERROR}
    assert all("can't be read" in c.last_error for c in cursors)
    assert announced == [(company.pk, keys_lost.last_error)]


def test_the_push_parks_its_orders_and_marks_the_connection(
    keys_lost, announced, company, user, django_capture_on_commit_callbacks
):
    order = services.create_order(
        company=company,
        created_by=user,
        new_customer_name="Globex",
        order_date=date(2026, 3, 2),
        lines=[NewLine(None, "Consulting", Decimal("1"), Decimal("100.00"), True)],
    )
    with django_capture_on_commit_callbacks(execute=True):
        drains.drain(company.pk)
    order.refresh_from_db()
    assert order.push_status == Order.PushStatus.WAITING
    assert "reconnected" in order.last_error
    keys_lost.refresh_from_db()
    assert keys_lost.status == QuickBooksConnection.Status.NEEDS_REAUTH
    assert len(announced) == 1
    # Once marked, later attempts say the same thing without announcing it again.
    with pytest.raises(ReconnectNeeded):
        sync.sync_company(company.pk)
    assert len(announced) == 1
