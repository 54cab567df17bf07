"""Webhooks over real HTTP to a local endpoint: signing, both formats, aggregation, ordered
retries, the connected-realm rule, pause, chaos, and a prompt stop."""

from __future__ import annotations

import itertools
import time
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
import requests

from qbo_sandbox.control import ControlError
from qbo_sandbox.testing import SandboxServer
from sandbox_support import Api, connect, edit_customer_in_ui, ui_post, unpaced
from webhook_receiver import WebhookReceiver


def _invoice_for(customer_id: str) -> dict:
    line = {
        "Amount": 40,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
    }
    return {"CustomerRef": {"value": customer_id}, "Line": [line]}


def _create_customer(hooked, name: str) -> str:
    response = hooked.api.post("customer", {"DisplayName": name})
    assert response.status_code == 200, response.text
    return response.json()["Customer"]["Id"]


def test_a_customer_edited_in_the_ui_arrives_as_signed_cloudevents(hooked):
    edit_customer_in_ui(hooked.sandbox, hooked.realm, "3", "Cool Cars Ltd")
    [delivery] = hooked.receiver.wait_for(1)
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.signed_by(hooked.sandbox.config.verifier_token)
    assert not delivery.signed_by("some-other-verifier")
    [event] = delivery.json()
    assert event["specversion"] == "1.0"
    assert event["type"] == "qbo.customer.updated.v1"
    assert (event["intuitentityid"], event["intuitaccountid"]) == ("3", hooked.realm)
    assert event["source"].startswith("intuit.") and event["data"] == {}
    assert uuid.UUID(event["id"]) and event["time"].endswith("Z")
    assert abs(datetime.fromisoformat(event["time"]).timestamp() - time.time()) < 60


def test_legacy_format_when_configured(receiver):
    with SandboxServer(
        webhook_url=receiver.url, webhook_window=0.05, webhook_format="legacy"
    ) as sandbox:
        realm = next(iter(sandbox.state.companies))
        connect(sandbox, realm_id=realm)
        edit_customer_in_ui(sandbox, realm, "3", "Cool Cars Legacy")
        [delivery] = receiver.wait_for(1)
    assert delivery.signed_by(sandbox.config.verifier_token)
    [notification] = delivery.json()["eventNotifications"]
    assert notification["realmId"] == realm
    [entity] = notification["dataChangeEvent"]["entities"]
    assert (entity["name"], entity["id"], entity["operation"]) == ("Customer", "3", "Update")
    assert entity["lastUpdated"].endswith("Z") and "deletedId" not in entity


def test_the_format_can_be_switched_at_runtime(hooked):
    assert hooked.control.set_webhooks(format="legacy")["format"] == "legacy"
    _create_customer(hooked, "Legacy Now")
    assert "eventNotifications" in hooked.receiver.wait_for(1)[0].json()
    hooked.control.set_webhooks(format="cloudevents")
    _create_customer(hooked, "CloudEvents Again")
    assert hooked.receiver.wait_for(2)[1].json()[0]["type"] == "qbo.customer.created.v1"
    with pytest.raises(ControlError):
        hooked.control.set_webhooks(format="xml")


def test_receiving_a_payment_in_the_ui_notifies_the_payment_and_the_invoice(hooked):
    company = hooked.sandbox.state.companies[hooked.realm]
    invoice = next(inv for inv in company.tables["Invoice"].values() if inv["Balance"] > 0)
    path = f"/ui/companies/{hooked.realm}/invoices/{invoice['Id']}/receive-payment"
    ui_post(hooked.sandbox, path, {"amount": str(invoice["Balance"]), "payment_method": "1"})
    [delivery] = hooked.receiver.wait_for(1)
    types = [(e["type"], e["intuitentityid"]) for e in delivery.json()]
    payment_id = list(company.tables["Payment"])[-1]
    assert types == [
        ("qbo.payment.created.v1", payment_id),
        ("qbo.invoice.updated.v1", invoice["Id"]),
    ]


def test_events_gather_per_window_at_most_100_per_delivery_in_order(hooked):
    hooked.control.pause_webhooks()
    created = hooked.control.seed_customers(hooked.realm, 150)
    hooked.control.resume_webhooks()
    first, second = hooked.receiver.wait_for(2)
    assert [len(first.json()), len(second.json())] == [100, 50]
    ids = [e["intuitentityid"] for d in (first, second) for e in d.json()]
    assert ids == [str(i) for i in range(int(created["first_id"]), int(created["last_id"]) + 1)]
    assert len({e["id"] for d in (first, second) for e in d.json()}) == 150


def test_only_connected_realms_are_notified(hooked):
    other = hooked.control.create_company("Never Connected")
    hooked.control.seed_customers(other, 3)
    hooked.control.revoke_tokens(hooked.realm)
    edit_customer_in_ui(hooked.sandbox, hooked.realm, "3", "Edited While Disconnected")
    assert hooked.control.flush_webhooks()
    assert hooked.receiver.received == []
    reconnected = connect(hooked.sandbox, realm_id=hooked.realm)
    Api(hooked.sandbox, hooked.realm, reconnected.access_token).post(
        "customer", {"DisplayName": "Connected Again"}
    )
    [delivery] = hooked.receiver.wait_for(1)
    assert {e["intuitaccountid"] for e in delivery.json()} == {hooked.realm}


def test_a_failing_endpoint_gets_retries_on_the_compressed_schedule_and_later_events_wait(
    hooked,
):
    hooked.control.set_webhooks(retry_scale=0.01)  # 100 ms, 200 ms, 300 ms, ...
    hooked.receiver.answer(500, 503, 500)
    first_id = _create_customer(hooked, "Retried")
    hooked.receiver.wait_for(1)
    later_id = _create_customer(hooked, "Waits Its Turn")
    received = hooked.receiver.wait_for(5)
    bodies = [[e["intuitentityid"] for e in r.json()] for r in received]
    assert bodies == [[first_id]] * 4 + [[later_id]]
    assert [r.answered for r in received] == [500, 503, 500, 200, 200]
    gaps = [b.at - a.at for a, b in itertools.pairwise(received[:4])]
    for gap, expected in zip(gaps, (0.1, 0.2, 0.3), strict=True):
        assert gap >= expected * 0.9, gaps
    assert hooked.control.flush_webhooks()  # the last attempt is settled and logged
    log = hooked.control.webhook_deliveries(realm=hooked.realm)
    assert [(row["attempt"], row["status"]) for row in log] == [
        (1, 500),
        (2, 503),
        (3, 500),
        (4, 200),
        (1, 200),
    ]
    assert log[0]["event_ids"] == [received[0].json()[0]["id"]]


def test_an_endpoint_slower_than_3_seconds_counts_as_a_failure(hooked):
    hooked.receiver.delay = 3.5
    _create_customer(hooked, "Slow Endpoint")
    hooked.receiver.wait_for(1)
    hooked.receiver.delay = 0
    received = hooked.receiver.wait_for(2, timeout=6)
    assert received[0].body == received[1].body
    assert hooked.control.flush_webhooks()
    log = hooked.control.webhook_deliveries()
    assert log[0]["status"] is None and "Timeout" in log[0]["error"]
    assert (log[1]["attempt"], log[1]["status"]) == (2, 200)


def test_pause_holds_deliveries_until_resume(hooked):
    assert hooked.control.pause_webhooks()["paused"] is True
    _create_customer(hooked, "Paused One")
    assert hooked.control.flush_webhooks()
    assert hooked.receiver.received == []
    assert hooked.control.webhooks()["queued"][hooked.realm]["deliveries"] == 1
    hooked.control.resume_webhooks()
    assert len(hooked.receiver.wait_for(1)[0].json()) == 1


def test_dropped_deliveries_are_lost_and_logged_but_cdc_still_has_the_change(hooked):
    since = hooked.control.clock()["now"][:19]  # UTC, to the second
    hooked.control.set_webhook_chaos(drop=100)
    lost = _create_customer(hooked, "Lost Webhook")
    assert hooked.control.flush_webhooks()
    assert hooked.receiver.received == []
    [row] = hooked.control.webhook_deliveries()
    assert (row["chaos"], row["status"]) == ("drop", None)
    hooked.control.set_webhook_chaos(drop=0)
    kept = _create_customer(hooked, "Kept Webhook")
    assert hooked.receiver.wait_for(1)[0].json()[0]["intuitentityid"] == kept
    changed = hooked.api.get("cdc", entities="Customer", changedSince=f"{since}+00:00").json()
    ids = [c["Id"] for c in changed["CDCResponse"][0]["QueryResponse"][0]["Customer"]]
    assert lost in ids and kept in ids


def test_duplicated_deliveries_arrive_twice_identical(hooked):
    hooked.control.set_webhook_chaos(duplicate=100)
    _create_customer(hooked, "Twice")
    first, second = hooked.receiver.wait_for(2)
    assert first.body == second.body
    assert first.headers["intuit-signature"] == second.headers["intuit-signature"]
    assert hooked.control.flush_webhooks()
    assert [row["chaos"] for row in hooked.control.webhook_deliveries()] == [None, "duplicate"]


def test_a_reordered_delivery_arrives_after_the_next_one(hooked):
    hooked.control.set_webhook_chaos(reorder=100)
    earlier = _create_customer(hooked, "Sent Second")
    assert hooked.control.flush_webhooks()
    assert hooked.receiver.received == []  # held back
    later = _create_customer(hooked, "Sent First")
    assert hooked.control.flush_webhooks()
    first, second = hooked.receiver.wait_for(2)
    assert first.json()[0]["intuitentityid"] == later
    assert second.json()[0]["intuitentityid"] == earlier


def test_chaos_percentages_are_seeded_and_repeatable(hooked):
    unpaced(hooked)

    def pattern(run: int) -> list[bool]:
        hooked.control.set_webhook_chaos(drop=50)  # restarts the seeded RNG
        outcomes = []
        for number in range(20):
            _create_customer(hooked, f"Chaos {run}-{number}")
            assert hooked.control.flush_webhooks()
            outcomes.append(hooked.control.webhook_deliveries()[-1]["chaos"] == "drop")
        return outcomes

    first = pattern(1)
    assert 3 <= sum(first) <= 17
    assert pattern(2) == first
    assert len(hooked.receiver.received) == 40 - 2 * sum(first)


def test_a_merge_carries_the_merged_away_id_in_both_formats(hooked):
    merged = _create_customer(hooked, "Merged Away")
    invoice = hooked.api.post("invoice", _invoice_for(merged)).json()["Invoice"]
    hooked.receiver.wait_for(1)
    survivor = hooked.control.merge_customers(hooked.realm, merged, "1")
    assert survivor["Id"] == "1"
    events = [
        (e["type"], e["intuitentityid"], e["data"]) for e in hooked.receiver.wait_for(2)[1].json()
    ]
    assert events == [
        ("qbo.invoice.updated.v1", invoice["Id"], {}),
        ("qbo.customer.merged.v1", "1", {"deletedid": merged}),
    ]

    hooked.control.set_webhooks(format="legacy")
    other = _create_customer(hooked, "Merged Away Too")
    hooked.receiver.wait_for(3)
    hooked.control.merge_customers(hooked.realm, other, "1")
    entities = hooked.receiver.wait_for(4)[3].json()["eventNotifications"][0]["dataChangeEvent"]
    assert entities["entities"] == [
        {
            "id": "1",
            "operation": "Merge",
            "name": "Customer",
            "lastUpdated": entities["entities"][0]["lastUpdated"],
            "deletedId": other,
        }
    ]


def test_webhooks_can_be_pointed_elsewhere_or_turned_off(hooked):
    with WebhookReceiver() as elsewhere:
        hooked.control.set_webhooks(url=elsewhere.url, window=0)
        _create_customer(hooked, "Elsewhere")
        assert len(elsewhere.wait_for(1)) == 1
    assert hooked.control.set_webhooks(url="")["url"] is None
    _create_customer(hooked, "Nowhere")
    assert hooked.control.flush_webhooks()
    assert hooked.receiver.received == [] and hooked.control.webhooks()["queued"] == {}


def test_batch_writes_are_notified_like_single_ones(hooked):
    items = [
        {"bId": f"b{n}", "operation": "create", "Customer": {"DisplayName": f"Batch Hook {n}"}}
        for n in range(3)
    ]
    assert hooked.api.post("batch", {"BatchItemRequest": items}).status_code == 200
    events = hooked.receiver.wait_for(1)[0].json()
    assert [e["type"] for e in events] == ["qbo.customer.created.v1"] * 3


def test_stop_returns_promptly_with_a_delivery_in_flight(receiver):
    receiver.delay = 10
    sandbox = SandboxServer(webhook_url=receiver.url, webhook_window=0).start()
    realm = next(iter(sandbox.state.companies))
    Api(sandbox, realm, connect(sandbox, realm_id=realm).access_token).post(
        "customer", {"DisplayName": "In Flight"}
    )
    receiver.wait_for(1)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 2
    with pytest.raises(requests.ConnectionError):
        requests.get(sandbox.url, timeout=1)


def test_invoice_void_and_email_have_their_own_event_types(hooked):
    company = hooked.sandbox.state.companies[hooked.realm]
    invoice = next(
        inv
        for inv in company.tables["Invoice"].values()
        if inv["Balance"] == inv["TotalAmt"] > Decimal(0)
    )
    hooked.api.post(f"invoice/{invoice['Id']}/send", sendTo="ap@example.com")
    hooked.receiver.wait_for(1)
    sent = company.get("Invoice", invoice["Id"])
    hooked.api.post("invoice", {"Id": sent["Id"], "SyncToken": sent["SyncToken"]}, operation="void")
    types = [e["type"] for r in hooked.receiver.wait_for(2) for e in r.json()]
    assert types == ["qbo.invoice.emailed.v1", "qbo.invoice.voided.v1"]
