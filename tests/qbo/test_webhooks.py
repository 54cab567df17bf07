"""The webhook receiver: verify over the raw body, parse both formats, store once, enqueue once."""

import hashlib
import hmac
import json
import threading

import pytest
from django.test import Client
from qbo_sandbox.samples import SAMPLES  # Intuit's recorded payloads, with their sources

from qbo import webhooks
from qbo.models import QuickBooksConnection, WebhookEvent
from tests.qbo.webhook_support import URL, VERIFIER, cloud_events, post, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def realm(company, settings):
    settings.QBO_WEBHOOK_VERIFIER_TOKEN = VERIFIER
    QuickBooksConnection.objects.create(company=company, realm_id="310687", environment="local")
    return "310687"


def test_parses_intuits_cloudevents_sample():
    [event] = webhooks.parse_events((SAMPLES / "webhook_cloudevents.json").read_bytes())
    assert (event.realm_id, event.entity, event.entity_id, event.operation) == (
        "310687",
        "Account",
        "1234",
        "Create",
    )
    assert event.event_id == "88cd52aa-33b6-4351-9aa4-47572edbd068"
    assert event.occurred_at.year == 2025


def test_parses_intuits_legacy_sample():
    [event] = webhooks.parse_events((SAMPLES / "webhook_legacy_blog.json").read_bytes())
    assert (event.realm_id, event.entity_id, event.operation) == ("310687", "1234", "Create")
    assert event.payload_format == "legacy"
    # The same change always gets the same id, so a redelivery collapses onto it.
    [again] = webhooks.parse_events((SAMPLES / "webhook_legacy_blog.json").read_bytes())
    assert again.event_id == event.event_id


def test_merge_events_carry_the_merged_away_id():
    [event] = webhooks.parse_events(
        cloud_events("1", ("customer", "5", "merged"), data={"deletedid": "27"})
    )
    assert (event.entity, event.operation, event.deleted_id) == ("Customer", "Merge", "27")
    legacy = json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": "1",
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "id": "5",
                                "operation": "Merge",
                                "name": "Customer",
                                "lastUpdated": "2015-10-05T14:42:19-0700",
                                "deletedId": "27",
                            }
                        ]
                    },
                }
            ]
        }
    ).encode()
    [event] = webhooks.parse_events(legacy)
    assert (event.operation, event.deleted_id) == ("Merge", "27")


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "empty",
        "wrong key",
        "one byte altered",
        "re-serialized JSON",
        "not base64",
        "hex digest",
    ],
)
def test_signature_matrix_answers_401_and_stores_nothing(client, realm, case, published_tasks):
    body = cloud_events(realm, ("customer", "1", "updated"))
    signature = {
        "missing": None,
        "empty": "",
        "wrong key": sign(body, "some-other-verifier"),
        "one byte altered": sign(body[:-2] + b" ]"),
        "re-serialized JSON": sign(json.dumps(json.loads(body), indent=2).encode()),
        "not base64": "%%%not-base64%%%",
        "hex digest": hmac.new(VERIFIER.encode(), body, hashlib.sha256).hexdigest(),
    }[case]
    response = post(client, body, signature)
    assert response.status_code == 401
    assert WebhookEvent.objects.count() == 0
    assert published_tasks == []


def test_valid_delivery_is_stored_and_enqueued_once(client, realm, published_tasks):
    body = cloud_events(realm, ("customer", "1", "updated"), ("invoice", "7", "created"))
    response = post(client, body, sign(body))
    assert response.status_code == 200
    assert WebhookEvent.objects.count() == 2
    assert {e.entity for e in WebhookEvent.objects.all()} == {"Customer", "Invoice"}
    assert published_tasks == [("qbo.tasks.process_webhook_events", (realm_company(realm),))]
    # A redelivery stores nothing new and rings nothing.
    assert post(client, body, sign(body)).status_code == 200
    assert WebhookEvent.objects.count() == 2
    assert len(published_tasks) == 1


def realm_company(realm: str) -> int:
    return QuickBooksConnection.objects.get(realm_id=realm).company_id


def test_unknown_realm_is_acknowledged_and_ignored(client, realm, published_tasks):
    body = cloud_events("999999", ("customer", "1", "updated"))
    assert post(client, body, sign(body)).status_code == 200
    assert WebhookEvent.objects.count() == 0
    assert published_tasks == []


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b'[{"specversion": "1.0"}]', b'{"eventNotifications": [{}]}']
)
def test_malformed_signed_payload_is_400(client, realm, body):
    assert post(client, body, sign(body)).status_code == 400
    assert WebhookEvent.objects.count() == 0


def test_only_post_and_no_csrf_token_needed(realm):
    csrf_client = Client(enforce_csrf_checks=True)
    body = cloud_events(realm, ("customer", "1", "updated"))
    assert post(csrf_client, body, sign(body)).status_code == 200
    assert csrf_client.get(URL).status_code == 405


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_delivery_fifty_times_concurrently_stores_one_event_and_one_sync(
    realm, published_tasks
):
    body = cloud_events(realm, ("customer", "1", "updated"))
    signature = sign(body)
    barrier = threading.Barrier(50)
    statuses = []

    def deliver():
        from django.db import connection

        barrier.wait()
        statuses.append(post(Client(), body, signature).status_code)
        connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 50
    assert WebhookEvent.objects.count() == 1
    assert len(published_tasks) == 1
