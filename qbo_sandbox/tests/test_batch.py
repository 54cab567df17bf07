"""Batch: python-quickbooks' BatchManager, per-item Faults, the 30-item limit, what items can
see, per-item requestid replays, and throttling (one request, plus 40 batches a minute)."""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET

import pytest
import requests
from quickbooks.batch import BatchManager, batch_create, batch_delete, batch_update
from quickbooks.objects import Customer, Invoice
from quickbooks.objects.base import Ref
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail

from qbo_sandbox.testing import SandboxServer
from sandbox_support import Api, connect

LINE = {
    "Amount": 30,
    "DetailType": "SalesItemLineDetail",
    "SalesItemLineDetail": {"ItemRef": {"value": "1"}},
}


def _invoice(customer_id: str = "1", **fields) -> dict:
    return {"CustomerRef": {"value": customer_id}, "Line": [LINE], **fields}


def _batch(api: Api, items: list[dict], **params) -> requests.Response:
    return api.post("batch", {"BatchItemRequest": items}, **params)


def _count(api: Api, entity: str, where: str = "") -> int:
    text = f"SELECT COUNT(*) FROM {entity}" + (f" WHERE {where}" if where else "")
    return api.rows(text)["totalCount"]


def _customer(name: str) -> Customer:
    customer = Customer()
    customer.DisplayName = name
    return customer


def test_batch_create_through_python_quickbooks_reports_faults_per_item(qb, api):
    made = [_customer("Batch One"), _customer("Amy's Bird Sanctuary"), _customer("Batch Three")]
    result = batch_create(made, qb=qb)
    assert sorted(c.DisplayName for c in result.successes) == ["Batch One", "Batch Three"]
    assert all(c.Id for c in result.successes)
    [fault] = result.faults
    assert fault.original_object is made[1]
    assert (fault.type, fault.Error[0].code) == ("ValidationFault", "6240")
    assert fault.Error[0].Message == "Duplicate Name Exists Error"


def test_batch_manager_sends_one_request_per_30_objects(sandbox, qb, api):
    sandbox.control.clear_request_log()
    result = BatchManager("create").save([_customer(f"Chunked {n}") for n in range(31)], qb=qb)
    assert len(result.successes) == 31 and not result.faults
    assert len(sandbox.control.request_log(path="/batch")) == 2


def test_batch_update_and_delete_through_python_quickbooks(qb, api):
    customer = _customer("Invoiced In Batch").save(qb=qb)
    invoices = []
    for amount in (10, 20):
        line = SalesItemLine()
        line.Amount = amount
        line.SalesItemLineDetail = SalesItemLineDetail()
        line.SalesItemLineDetail.ItemRef = Ref()
        line.SalesItemLineDetail.ItemRef.value = "1"
        invoice = Invoice()
        invoice.CustomerRef, invoice.Line = customer.to_ref(), [line]
        invoices.append(invoice.save(qb=qb))
    for invoice in invoices:
        invoice.PrivateNote = "updated in a batch"
        del invoice.DeliveryInfo  # read-only; python-quickbooks#388
    updated = batch_update(invoices, qb=qb)
    assert not updated.faults
    assert {i.PrivateNote for i in updated.successes} == {"updated in a batch"}
    assert {i.SyncToken for i in updated.successes} == {"1"}
    deleted = batch_delete(updated.successes, qb=qb)
    assert not deleted.faults and {i.status for i in deleted.successes} == {"Deleted"}
    assert _count(api, "Invoice", f"CustomerRef = '{customer.Id}'") == 0


def test_every_operation_in_one_batch_with_faults_kept_per_item(api):
    first = api.post("invoice", _invoice()).json()["Invoice"]
    second = api.post("invoice", _invoice()).json()["Invoice"]
    third = api.post("invoice", _invoice()).json()["Invoice"]
    bad_line = {
        **LINE,
        "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 10},
    }
    items = [
        {"bId": "c1", "operation": "create", "Customer": {"DisplayName": "Batch Made"}},
        {"bId": "c2", "operation": "create", "Invoice": {"CustomerRef": {"value": "1"}}},
        {"bId": "c3", "operation": "create", "Invoice": _invoice(Line=[bad_line])},
        {"bId": "u1", "operation": "update", "Invoice": {**first, "PrivateNote": "batched"}},
        {"bId": "u2", "operation": "update", "Invoice": {**first, "PrivateNote": "stale"}},
        {
            "bId": "s1",
            "operation": "update",
            "Invoice": {"Id": third["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"},
        },
        {"bId": "v1", "operation": "update", "optionsData": "void", "Invoice": third},
        {"bId": "d1", "operation": "delete", "Invoice": {"Id": second["Id"], "SyncToken": "0"}},
        {"bId": "d2", "operation": "delete", "Customer": {"Id": "1", "SyncToken": "0"}},
        {"bId": "q1", "Query": "SELECT * FROM Customer WHERE DisplayName = 'Batch Made'"},
        {"bId": "q2", "operation": "query", "Query": "SELECT * FROM Nothing"},
    ]
    response = _batch(api, items)
    assert response.status_code == 200
    answers = response.json()["BatchItemResponse"]
    assert [a["bId"] for a in answers] == [item["bId"] for item in items]
    outcome = {a["bId"]: a.get("Fault", {}).get("Error", [{}])[0].get("code") for a in answers}
    assert outcome == {
        "c1": None,
        "c2": "2020",
        "c3": "6070",
        "u1": None,
        "u2": "5010",
        "s1": None,
        "v1": "5010",  # the sparse update s1 moved its SyncToken on
        "d1": None,
        "d2": "500",
        "q1": None,
        "q2": "4001",
    }
    by_bid = {a["bId"]: a for a in answers}
    assert by_bid["c1"]["Customer"]["DisplayName"] == "Batch Made"
    assert by_bid["u1"]["Invoice"]["PrivateNote"] == "batched"
    assert by_bid["d1"]["Invoice"] == {"domain": "QBO", "status": "Deleted", "Id": second["Id"]}
    assert by_bid["q1"]["QueryResponse"]["Customer"][0]["Id"] == by_bid["c1"]["Customer"]["Id"]
    assert by_bid["c3"]["Fault"] == {
        "Error": [
            {
                "Message": "Amount calculation incorrect in the request.",
                "Detail": "Amount is not equal to UnitPrice * Qty. Supplied value:30",
                "code": "6070",
                "element": "Line.Amount",
            }
        ],
        "type": "ValidationFault",
    }


def test_void_through_options_data(api):
    invoice = api.post("invoice", _invoice()).json()["Invoice"]
    item = {"bId": "v", "operation": "update", "optionsData": "void", "Invoice": invoice}
    [answer] = _batch(api, [item]).json()["BatchItemResponse"]
    assert answer["Invoice"]["PrivateNote"] == "Voided" and answer["Invoice"]["TotalAmt"] == 0


def test_more_than_30_items_faults_the_whole_request(api):
    before = _count(api, "Customer")
    items = [
        {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"Too Many {n}"}}
        for n in range(31)
    ]
    response = _batch(api, items)
    assert response.status_code == 400
    [error] = response.json()["Fault"]["Error"]
    assert error["code"] == "6000" and "maximum of 30" in error["Detail"]
    assert _count(api, "Customer") == before
    assert _batch(api, items[:30]).status_code == 200


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "2020"),
        ({"BatchItemRequest": []}, "2020"),
        ({"BatchItemRequest": [{"operation": "create", "Customer": {}}]}, "2020"),
        ({"BatchItemRequest": [{"bId": "1", "Query": "x"}, {"bId": "1", "Query": "y"}]}, "6000"),
    ],
)
def test_malformed_batches_fault_as_a_whole(api, body, code):
    response = api.post("batch", body)
    assert response.status_code == 400
    assert response.json()["Fault"]["Error"][0]["code"] == code


def test_items_cannot_reference_what_earlier_items_created(api, realm, sandbox):
    next_id = str(sandbox.state.companies[realm].counters["Customer"] + 1)
    items = [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Created First"}},
        {"bId": "2", "operation": "create", "Invoice": _invoice(next_id)},
        {"bId": "3", "operation": "update", "Customer": {"Id": next_id, "SyncToken": "0"}},
        {"bId": "4", "Query": f"SELECT * FROM Customer WHERE Id = '{next_id}'"},
        {"bId": "5", "operation": "create", "Customer": {"DisplayName": "Created First"}},
    ]
    first, invoice, update, query, again = _batch(api, items).json()["BatchItemResponse"]
    assert first["Customer"]["Id"] == next_id
    assert invoice["Fault"]["Error"][0]["code"] == "610"
    assert update["Fault"]["Error"][0]["code"] == "610"
    assert query["QueryResponse"]["Customer"][0]["Id"] == next_id  # queries see committed items
    assert again["Fault"]["Error"][0]["code"] == "6240"  # and so do uniqueness rules
    assert api.post("invoice", _invoice(next_id)).status_code == 200  # the next request can


def test_requestid_replays_each_item_of_a_30_invoice_batch(api):
    request_id = str(uuid.uuid4())  # 36 characters, Intuit's documented maximum
    items = [
        {"bId": f"b{n}", "operation": "create", "Invoice": _invoice(DocNumber=f"RQ-{n}")}
        for n in range(30)
    ]
    first = _batch(api, items, requestid=request_id)
    assert first.status_code == 200
    assert _count(api, "Invoice", "DocNumber LIKE 'RQ-%'") == 30
    again = _batch(api, items, requestid=request_id)
    assert again.json()["BatchItemResponse"] == first.json()["BatchItemResponse"]
    assert _count(api, "Invoice", "DocNumber LIKE 'RQ-%'") == 30
    # The same requestid with a new bId is a new item (requestid + bId is the item's id).
    renamed = [{**items[0], "bId": "b30", "Invoice": _invoice(DocNumber="RQ-new")}]
    [fresh] = _batch(api, renamed, requestid=request_id).json()["BatchItemResponse"]
    assert fresh["Invoice"]["DocNumber"] == "RQ-new"


def test_faulted_items_run_again_on_replay(api):
    items = [
        {"bId": "ok", "operation": "create", "Customer": {"DisplayName": "Replay Fine"}},
        {"bId": "clash", "operation": "create", "Customer": {"DisplayName": "Replay Clash"}},
    ]
    api.post("customer", {"DisplayName": "Replay Clash"})
    first = _batch(api, items, requestid="replay-faults").json()["BatchItemResponse"]
    assert first[1]["Fault"]["Error"][0]["code"] == "6240"
    blocker = api.rows("SELECT * FROM Customer WHERE DisplayName = 'Replay Clash'")["Customer"][0]
    api.post("customer", {**blocker, "DisplayName": "Out Of The Way"})
    second = _batch(api, items, requestid="replay-faults").json()["BatchItemResponse"]
    assert second[0] == first[0]
    assert second[1]["Customer"]["DisplayName"] == "Replay Clash"
    assert _count(api, "Customer", "DisplayName = 'Replay Fine'") == 1


def test_requestid_plus_bid_over_50_characters_faults_that_item(api):
    request_id = "r" * 45
    items = [
        {"bId": "12345", "operation": "create", "Customer": {"DisplayName": "Fits In 50"}},
        {"bId": "123456", "operation": "create", "Customer": {"DisplayName": "Is 51"}},
    ]
    fits, too_long = _batch(api, items, requestid=request_id).json()["BatchItemResponse"]
    assert fits["Customer"]["DisplayName"] == "Fits In 50"
    [error] = too_long["Fault"]["Error"]
    assert error["code"] == "6000"
    assert error["Detail"].endswith("You tried entering rrrrrrrrrr..., which is 51 characters.")


def test_a_batch_dropped_after_commit_is_answered_on_retry_without_duplicates(sandbox, api):
    items = [
        {"bId": f"b{n}", "operation": "create", "Invoice": _invoice(DocNumber=f"DROP-{n}")}
        for n in range(5)
    ]
    sandbox.control.add_fault(r"/batch$", "drop_after_commit", count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        _batch(api, items, requestid="dropped-batch")
    retry = _batch(api, items, requestid="dropped-batch")
    assert retry.status_code == 200
    assert [a["Invoice"]["DocNumber"] for a in retry.json()["BatchItemResponse"]] == [
        f"DROP-{n}" for n in range(5)
    ]
    assert _count(api, "Invoice", "DocNumber LIKE 'DROP-%'") == 5


def test_a_batch_counts_once_toward_the_minute_and_40_a_minute_of_its_own():
    with SandboxServer(requests_per_minute=4, batch_requests_per_minute=2) as sandbox:
        realm = next(iter(sandbox.state.companies))
        api = Api(sandbox, realm, connect(sandbox, realm_id=realm).access_token)
        items = [
            {"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"Counted {n}"}}
            for n in range(10)
        ]
        assert _batch(api, items).status_code == 200  # 10 items, one request
        assert _batch(api, [{"bId": "q", "Query": "SELECT * FROM Term"}]).status_code == 200
        refused = _batch(api, [{"bId": "q", "Query": "SELECT * FROM Term"}])
        assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
        fault = ET.fromstring(refused.content)  # noqa: S314 - our own server's reply
        assert fault.find(".//{*}Error").get("code") == "3001"
        assert [api.get("customer/1").status_code for _ in range(3)] == [200, 200, 429]
        sandbox.control.advance_clock(61)
        assert _batch(api, items[:1]).status_code == 200
        assert sandbox.control.limits()["batch_requests_per_minute"] == 2


def test_the_batch_limit_can_be_changed_at_runtime(sandbox, api):
    sandbox.control.set_limits(batch_requests_per_minute=1)
    query = [{"bId": "q", "Query": "SELECT * FROM Term"}]
    assert [_batch(api, query).status_code for _ in range(2)] == [200, 429]
    assert json.loads(json.dumps(sandbox.control.limits()))["batch_requests_per_minute"] == 1
