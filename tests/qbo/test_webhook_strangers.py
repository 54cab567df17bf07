"""Whatever a holder of the verifier token sends, the receiver answers 2xx or 4xx: deep
nesting, fields longer than their columns, names Intuit never sends, and deliveries of
40,000 entities, which are kept as one row and read off the request."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings, strategies

from qbo import tasks, webhooks
from qbo.models import QuickBooksConnection, WebhookDelivery, WebhookEvent
from tests.qbo.webhook_support import VERIFIER, cloud_events, post, sign

pytestmark = pytest.mark.django_db
REALM = "310687"


@pytest.fixture
def realm(company, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    QuickBooksConnection.objects.create(company=company, realm_id=REALM, environment="local")
    return REALM


def legacy(realm: str, entities: list[dict]) -> bytes:
    notification = {"realmId": realm, "dataChangeEvent": {"entities": entities}}
    return json.dumps({"eventNotifications": [notification]}).encode()


def entity(entity_id: str, **fields) -> dict:
    return {"name": "Customer", "id": entity_id, "operation": "Update", **fields}


@pytest.mark.parametrize("depth", [10_000, 100_000], ids=["parsed here", "kept and read later"])
def test_deeply_nested_json_is_refused_or_recorded_never_a_500(client, realm, depth):
    body = b"[" * depth + b"]" * depth
    response = post(client, body, sign(body))
    assert response.status_code in (200, 400)
    for delivery in WebhookDelivery.objects.all():
        assert webhooks.process_delivery(delivery.pk) == []
        delivery.refresh_from_db()
        assert delivery.processed_at and "not JSON" in delivery.error
    assert WebhookEvent.objects.count() == 0


LONG = "9" * 200


@pytest.mark.parametrize(
    "bad",
    [
        {"intuitentityid": LONG},
        {"intuitaccountid": LONG},
        {"id": "e" * 201},
        {"type": "qbo..updated.v1"},
        {"type": "qbo.customer.updated"},
        {"type": "qbo." + "x" * 41 + ".updated.v1"},
        {"data": {"deletedid": LONG}},
        {"intuitentityid": ["1"]},
        {"id": "evt-\u0000-nul"},
        {"id": "evt with spaces"},
    ],
    ids=lambda bad: next(iter(bad)),
)
def test_one_bad_cloud_event_loses_none_of_its_neighbours(client, realm, bad):
    good = json.loads(
        cloud_events(realm, ("customer", "1", "updated"), ("invoice", "7", "created"))
    )
    body = json.dumps([good[0], {**good[1], "id": "evt-bad", **bad}, good[1]]).encode()
    assert post(client, body, sign(body)).status_code == 200
    stored = WebhookEvent.objects.order_by("entity")
    assert [(e.entity, e.entity_id) for e in stored] == [("Customer", "1"), ("Invoice", "7")]


@pytest.mark.parametrize(
    "bad",
    [
        {"id": LONG},
        {"operation": "U" * 21},
        {"deletedId": LONG},
        {"name": "Cust omer"},
        {"name": None},
        {"id": {"nested": "1"}},
    ],
    ids=lambda bad: next(iter(bad)),
)
def test_one_bad_legacy_entity_loses_none_of_its_neighbours(client, realm, bad):
    body = legacy(realm, [entity("1"), {**entity("2"), **bad}, entity("3")])
    assert post(client, body, sign(body)).status_code == 200
    assert sorted(WebhookEvent.objects.values_list("entity_id", flat=True)) == ["1", "3"]


@pytest.mark.parametrize(
    "when", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2026-13-45", "x" * 100]
)
def test_an_impossible_event_time_is_dropped_not_stored(client, realm, when):
    body = json.dumps(
        [{**json.loads(cloud_events(realm, ("customer", "1", "updated")))[0], "time": when}]
    ).encode()
    assert post(client, body, sign(body)).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.occurred_at is None
    event.refresh_from_db()  # and it reads back


def test_intuits_disconnect_url_takes_only_realm_ids(client, realm):
    for junk in ["%00", "1%002", "x" * 300, REALM + "%00"]:
        assert client.get(f"/quickbooks/disconnected/?realmId={junk}").status_code == 200


def test_lower_case_entity_names_are_spelt_as_intuit_does(client, realm):
    body = cloud_events(realm, ("creditmemo", "4", "created"), ("salesreceipt", "5", "voided"))
    assert post(client, body, sign(body)).status_code == 200
    assert set(WebhookEvent.objects.values_list("entity", "operation")) == {
        ("CreditMemo", "Create"),
        ("SalesReceipt", "Void"),
    }


def test_forty_thousand_entities_are_kept_answered_then_stored(
    client, realm, published_tasks, django_capture_on_commit_callbacks
):
    body = legacy(
        realm, [entity(str(n), lastUpdated="2026-11-20T10:00:00Z") for n in range(40_000)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, body, sign(body))
    assert response.status_code == 200
    # Answered after one row: nothing parsed or stored in the request.
    delivery = WebhookDelivery.objects.get()
    assert (delivery.size, delivery.processed_at, WebhookEvent.objects.count()) == (
        len(body),
        None,
        0,
    )
    assert published_tasks == [("qbo.tasks.process_webhook_delivery", (delivery.pk,))]

    tasks.process_webhook_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.events, delivery.invalid_events) == (40_000, 0) and delivery.processed_at
    assert WebhookEvent.objects.count() == 40_000
    assert published_tasks[-1] == ("qbo.tasks.process_webhook_events", (realm_company(),))
    # Read again (a redelivered message): nothing new.
    tasks.process_webhook_delivery(delivery.pk)
    assert WebhookEvent.objects.count() == 40_000


def realm_company() -> int:
    return QuickBooksConnection.objects.get(realm_id=REALM).company_id


def test_a_kept_delivery_whose_doorbell_was_lost_is_read_by_the_sweeper(realm, published_tasks):
    body = legacy(realm, [entity(str(n)) for n in range(2_000)])
    delivery = webhooks.keep_delivery(body)
    fresh = webhooks.keep_delivery(legacy(realm, [entity("9")]))  # its own message is coming
    WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at="2026-01-01T00:00:00Z")
    tasks.sweep_webhook_deliveries()
    # One message per lost delivery, so one that fails can't hold up the others.
    assert published_tasks == [("qbo.tasks.process_webhook_delivery", (delivery.pk,))]
    tasks.process_webhook_delivery(delivery.pk)
    assert WebhookEvent.objects.count() == 2_000
    assert WebhookDelivery.objects.get(pk=delivery.pk).processed_at is not None
    assert WebhookDelivery.objects.get(pk=fresh.pk).processed_at is None


def test_a_delivery_over_the_limit_is_413_and_an_unsigned_big_one_401(client, realm, settings):
    settings.QBO_WEBHOOK_MAX_BYTES = 100_000
    big = legacy(realm, [entity(str(n)) for n in range(5_000)])
    assert post(client, big, sign(big)).status_code == 413
    settings.QBO_WEBHOOK_MAX_BYTES = 10_000_000
    assert post(client, big, "AAAA").status_code == 401
    assert not WebhookDelivery.objects.exists()


BYTES_TRIED = []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.one_of(strategies.binary(max_size=2048), strategies.text(max_size=512)))
def test_any_bytes_give_events_or_a_malformed_payload_and_nothing_else(raw):
    body = raw.encode() if isinstance(raw, str) else raw
    BYTES_TRIED.append(body)
    try:
        delivery = webhooks.parse_delivery(body)
    except webhooks.MalformedPayload:
        return
    for event in delivery.events:
        assert len(event.entity_id) <= 32 and len(event.realm_id) <= 32
        assert len(event.event_id) <= 200 and len(event.entity) <= 40


# The keys both formats use, so generated payloads reach the per-event checks.
KEYS = [
    "id",
    "type",
    "intuitentityid",
    "intuitaccountid",
    "data",
    "deletedid",
    "name",
    "operation",
    "realmId",
    "dataChangeEvent",
    "entities",
    "eventNotifications",
    "deletedId",
    "lastUpdated",
    "time",
]
json_values = strategies.recursive(
    strategies.none()
    | strategies.booleans()
    | strategies.integers()
    | strategies.floats(allow_nan=False)
    | strategies.text(max_size=60),
    lambda children: (
        strategies.lists(children, max_size=4)
        | strategies.dictionaries(
            strategies.sampled_from(KEYS),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


# `realm` is set up once and only read: nothing it makes changes between examples.
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(json_values)
def test_any_signed_json_is_answered_2xx_or_4xx_by_the_receiver(realm, payload):
    body = json.dumps(payload).encode()
    BYTES_TRIED.append(body)
    response = post(Client(), body, sign(body))
    assert response.status_code in (200, 400)
