"""requestid: a repeated id for the same realm replays the first response and writes nothing."""

from __future__ import annotations

import pytest
import requests

from sandbox_support import Api, connect


def _count(api: Api, where: str) -> int:
    return api.rows(f"SELECT COUNT(*) FROM Customer WHERE {where}")["totalCount"]


def test_same_requestid_replays_the_first_response_and_creates_nothing(api):
    first = api.post("customer", {"DisplayName": "Once Only"}, requestid="cust-1")
    second = api.post("customer", {"DisplayName": "Once Only"}, requestid="cust-1")
    assert first.status_code == second.status_code == 200
    assert second.content == first.content  # byte for byte, `time` included
    assert first.headers["intuit_tid"] != second.headers["intuit_tid"]
    assert _count(api, "DisplayName = 'Once Only'") == 1


def test_replay_ignores_a_changed_body(api):
    first = api.post("customer", {"DisplayName": "First Body"}, requestid="cust-2")
    second = api.post("customer", {"DisplayName": "Second Body"}, requestid="cust-2")
    assert second.json() == first.json()
    assert _count(api, "DisplayName = 'Second Body'") == 0


def test_requestids_are_scoped_to_the_realm(sandbox, api):
    other_realm = sandbox.control.create_company("Second Realm", seed=False)
    other = Api(sandbox, other_realm, connect(sandbox, realm_id=other_realm).access_token)
    a = api.post("customer", {"DisplayName": "Realm A"}, requestid="shared-id").json()
    b = other.post("customer", {"DisplayName": "Realm B"}, requestid="shared-id").json()
    assert a["Customer"]["DisplayName"] == "Realm A"
    assert b["Customer"]["DisplayName"] == "Realm B"


def test_a_failed_request_is_not_replayed(api):
    clash = api.post("customer", {"DisplayName": "Cool Cars"}, requestid="cust-3")
    assert clash.json()["Fault"]["Error"][0]["code"] == "6240"
    fixed = api.post("customer", {"DisplayName": "Cooler Cars"}, requestid="cust-3")
    assert fixed.json()["Customer"]["DisplayName"] == "Cooler Cars"


def test_requestid_longer_than_50_characters_is_rejected(api):
    response = api.post("customer", {"DisplayName": "Long Id"}, requestid="x" * 51)
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == "6000"


def test_retry_after_a_dropped_connection_gets_the_committed_object(sandbox, api):
    sandbox.control.add_fault(r"/customer$", "drop_after_commit", count=1, method="POST")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("customer", {"DisplayName": "Dropped Once"}, requestid="cust-4")
    assert _count(api, "DisplayName = 'Dropped Once'") == 1  # committed before the drop
    retry = api.post("customer", {"DisplayName": "Dropped Once"}, requestid="cust-4")
    assert retry.status_code == 200
    assert _count(api, "DisplayName = 'Dropped Once'") == 1


def test_python_quickbooks_request_id_is_honoured(qb, api):
    from quickbooks.objects import Customer

    for _ in range(2):
        customer = Customer()
        customer.DisplayName = "PQB Request Id"
        customer.save(qb=qb, request_id="pqb-1")
    assert _count(api, "DisplayName = 'PQB Request Id'") == 1
