"""Outgoing events: signed, delivered at least once from the ledger, retried with backoff for
three days, resent with the same event id; the app's signals become events."""

import re
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Membership
from events import delivery, signing
from events.models import EventDelivery, OutgoingEvent, WebhookEndpoint
from events.signals import event_recorded
from invoicing import push
from invoicing import signals as order_signals
from invoicing.models import Order
from invoicing.sync import apply_invoice_changes
from qbo.models import QuickBooksConnection
from qbo.signals import connection_needs_reconnect
from tests.events.conftest import SECRET
from tests.invoicing.support import make_order
from tests.support import store_connection

pytestmark = pytest.mark.django_db


def _record(company, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return delivery.record_event(company.pk, "order.synced", data or {"n": 1})


def test_an_event_is_rung_by_id_and_delivered_signed(
    company, endpoint, receiver, published_tasks, django_capture_on_commit_callbacks
):
    event = _record(company, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get(event=event)
    # The doorbell carries the delivery's id only, never the secret or the payload.
    assert published_tasks == [("events.tasks.deliver", (row.pk,))]
    delivery.deliver(row.pk)
    [got] = receiver.received
    assert got.signed_with(SECRET) and not got.signed_with("whsec_other")
    assert got.headers["qbsync-event-id"] == event.event_id
    assert got.json() == {
        "id": event.event_id,
        "type": "order.synced",
        "created": event.created_at.isoformat(),
        "data": {"n": 1},
    }
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    delivery.deliver(row.pk)  # a repeated doorbell sends nothing more
    assert len(receiver.received) == 1


def test_a_refused_delivery_is_retried_with_backoff(
    company, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.EVENTS_RETRY_BASE = 30.0
    event = _record(company, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get(event=event)
    receiver.answer(500, 503)
    delivery.deliver(row.pk)
    row.refresh_from_db()
    first_wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    assert 20 < first_wait <= 30
    delivery.deliver(row.pk)  # not due yet: nothing sent
    assert len(receiver.received) == 1
    EventDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.attempts == 2 and 40 < (row.next_attempt_at - timezone.now()).total_seconds() <= 60
    EventDelivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "delivered" and row.attempts == 3
    ids = {d.headers["qbsync-event-id"] for d in receiver.received}
    assert ids == {event.event_id}  # the same id every time: receivers dedupe on it


def test_delivery_gives_up_after_three_days(
    company, endpoint, receiver, django_capture_on_commit_callbacks
):
    event = _record(company, django_capture_on_commit_callbacks)
    OutgoingEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(hours=71, minutes=59, seconds=50)
    )
    receiver.answer(500)
    row = EventDelivery.objects.get(event=event)
    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and row.next_attempt_at is None


def test_an_unreachable_endpoint_is_a_failed_attempt_not_a_crash(
    company, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(
        company=company,
        url="http://127.0.0.1:9/nothing-listens",
        event_types=["order.synced"],
        secret_encrypted=delivery.seal_secret(company.pk, SECRET),
    )
    event = _record(company, django_capture_on_commit_callbacks)
    row = EventDelivery.objects.get(event=event)
    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and "ConnectionError" in row.last_error


def test_the_sweeper_rings_for_due_and_abandoned_deliveries(
    company, endpoint, published_tasks, django_capture_on_commit_callbacks
):
    due = EventDelivery.objects.get(event=_record(company, django_capture_on_commit_callbacks))
    later = EventDelivery.objects.get(event=_record(company, django_capture_on_commit_callbacks))
    lost = EventDelivery.objects.get(event=_record(company, django_capture_on_commit_callbacks))
    EventDelivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    EventDelivery.objects.filter(pk=lost.pk).update(
        status="sending", claimed_at=timezone.now() - timedelta(minutes=10)
    )
    published_tasks.clear()
    assert delivery.sweep() == 2
    assert sorted(args[0] for _, args in published_tasks) == sorted([due.pk, lost.pk])
    assert EventDelivery.objects.get(pk=lost.pk).status == "pending"


def test_only_endpoints_that_want_the_type_get_it(
    company, endpoint, other_company, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(event_types=["order.paid"])
    WebhookEndpoint.objects.create(
        company=other_company, url="https://b.test/", event_types=["order.synced"]
    )
    assert _record(company, django_capture_on_commit_callbacks) is None
    assert not EventDelivery.objects.exists()


def test_the_signature_helper_refuses_stale_and_forged(company):
    body, now = b'{"id":"evt_1"}', int(time.time())
    header = signing.headers(SECRET, now, body, "evt_1")[signing.SIGNATURE_HEADER]
    assert signing.verify(SECRET, header, body, now=now)
    assert not signing.verify(SECRET, header, body + b" ", now=now)
    assert not signing.verify(SECRET, header, body, now=now + 301)
    assert not signing.verify("whsec_wrong", header, body, now=now)


# --- the app's signals become events ------------------------------------------------------


def _types(company) -> list[str]:
    return list(OutgoingEvent.objects.filter(company=company).values_list("type", flat=True))


def test_order_signals_become_events_with_the_order(
    company, endpoint, django_capture_on_commit_callbacks
):
    order = make_order(company, push_status="synced", qbo_invoice_id="77", qbo_doc_number="1001")
    seen = []
    event_recorded.connect(lambda sender, **kw: seen.append(kw["type"]), weak=False)
    with django_capture_on_commit_callbacks(execute=True):
        for signal in (order_signals.order_synced, order_signals.order_failed):
            order_signals.announce(signal, Order, company_id=company.pk, order_id=order.pk)
        for status in ("partially_paid", "paid"):
            order_signals.announce(
                order_signals.order_paid,
                Order,
                company_id=company.pk,
                order_id=order.pk,
                payment_status=status,
            )
    assert sorted(_types(company)) == sorted(
        ["order.synced", "order.failed", "order.partially_paid", "order.paid"]
    )
    assert sorted(seen) == sorted(_types(company))  # the in-process signal, too
    event = OutgoingEvent.objects.filter(type="order.synced").get()
    assert event.data["order"]["id"] == order.pk
    assert event.data["order"]["invoice"]["number"] == "1001"


def test_an_order_event_is_written_in_the_change_s_own_transaction(
    company, endpoint, django_capture_on_commit_callbacks
):
    order = make_order(company, push_status="in_flight")
    invoice = {"Id": "91", "DocNumber": "1091", "SyncToken": "0", "TotalAmt": 10, "Balance": 10}
    # Rolled back with the change: no event for an order that didn't change.
    with pytest.raises(RuntimeError), transaction.atomic():
        push.record_synced(order, invoice)
        raise RuntimeError("the worker dies before the commit")
    assert _types(company) == []
    # Committed with the change: the row is there before any after-commit callback runs, so
    # a worker dying right after the commit can't lose it.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        push.record_synced(order, invoice)
    assert _types(company) == ["order.synced"] and callbacks


@pytest.mark.postgres
def test_a_fault_recording_an_event_never_undoes_the_order_s_change(company, endpoint):
    order = make_order(company, push_status="in_flight")
    with connection.cursor() as cursor:  # PostgreSQL refuses every new event row
        cursor.execute(
            "ALTER TABLE events_outgoingevent ADD CONSTRAINT no_events CHECK (false) NOT VALID"
        )
    push.record_synced(order, {"Id": "92", "SyncToken": "0", "TotalAmt": 10, "Balance": 10})
    order.refresh_from_db()
    assert (order.push_status, order.qbo_invoice_id, _types(company)) == ("synced", "92", [])


def test_a_void_seen_by_the_sync_is_an_invoice_voided_event(
    company, endpoint, django_capture_on_commit_callbacks
):
    order = make_order(
        company, push_status="synced", qbo_invoice_id="88", qbo_total="10.00", total="10.00"
    )
    voided = {"Id": "88", "TotalAmt": 0, "Balance": 0, "PrivateNote": "Voided", "SyncToken": "2"}
    with django_capture_on_commit_callbacks(execute=True):
        apply_invoice_changes(company.pk, [voided])
    with django_capture_on_commit_callbacks(execute=True):
        apply_invoice_changes(company.pk, [voided])  # seen again: no second event
    assert _types(company) == ["invoice.voided"]
    assert OutgoingEvent.objects.get().data["order"]["id"] == order.pk


def test_needs_reconnect_is_an_event(company, endpoint, django_capture_on_commit_callbacks):
    connection = store_connection(company)
    with django_capture_on_commit_callbacks(execute=True):
        connection_needs_reconnect.send(
            QuickBooksConnection, company_id=company.pk, connection=connection, reason="gone"
        )
    assert OutgoingEvent.objects.get().data == {"reason": "gone"}
    assert _types(company) == ["connection.needs_reconnect"]


# --- the settings page ------------------------------------------------------------------------


def test_add_an_endpoint_send_a_test_event_and_resend_it(
    owner_client, company, receiver, django_capture_on_commit_callbacks
):
    page = owner_client.post(
        "/settings/webhooks/",
        {"url": receiver.url, "description": "Shop", "event_types": ["order.synced"]},
    )
    secret = re.search(r'id="new-endpoint-secret">(whsec_[^<]+)<', page.text)[1]
    endpoint = WebhookEndpoint.objects.get(company=company)
    assert secret not in endpoint.secret_encrypted  # encrypted at rest
    assert secret not in owner_client.get(f"/settings/webhooks/{endpoint.pk}/").text
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/settings/webhooks/{endpoint.pk}/test/")
    row = EventDelivery.objects.get(endpoint=endpoint)
    delivery.deliver(row.pk)
    [got] = receiver.received
    assert got.signed_with(secret) and got.json()["type"] == "endpoint.test"
    log = owner_client.get(f"/settings/webhooks/{endpoint.pk}/").text
    assert "endpoint.test" in log and "Delivered" in log and row.event.event_id in log
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/settings/webhooks/deliveries/{row.pk}/resend/")
    delivery.deliver(row.pk)
    assert [d.json()["id"] for d in receiver.received] == [row.event.event_id] * 2


def test_bad_endpoint_input_is_a_form_error(owner_client, company):
    page = owner_client.post("/settings/webhooks/", {"url": "not a url", "event_types": ["x"]})
    assert page.status_code == 200 and "Enter a valid URL" in page.text
    assert not WebhookEndpoint.objects.exists()


def test_members_cannot_manage_endpoints(client, company, django_user_model):
    member = django_user_model.objects.create_user(email="m@example.com", password="pw-m-1")
    Membership.objects.create(user=member, company=company, role=Membership.Role.MEMBER)
    client.force_login(member)
    assert client.get("/settings/webhooks/").status_code == 403
    body = {"url": "https://x.test/", "event_types": ["order.synced"]}
    assert client.post("/settings/webhooks/", body).status_code == 403
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.1/hook",
        "https://10.0.0.5/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
    ],
)
def test_production_sends_only_to_public_https_addresses(owner_client, company, settings, url):
    settings.PRODUCTION = True
    page = owner_client.post("/settings/webhooks/", {"url": url, "event_types": ["order.synced"]})
    assert page.status_code == 200 and "form-errors" in page.text
    assert not WebhookEndpoint.objects.exists()


def test_a_delivery_to_a_private_address_is_refused_at_send_time(
    company, endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    event = _record(company, django_capture_on_commit_callbacks)
    settings.PRODUCTION = True  # the endpoint (127.0.0.1) was saved before, e.g. DNS changed
    row = EventDelivery.objects.get(event=event)
    delivery.deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and "AddressRefused" in row.last_error
    assert receiver.received == []
