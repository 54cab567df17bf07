"""The client's writes to existing objects, at the wire: what each sends (sparse, SyncToken,
operation, sendTo, requestid) and what it answers."""

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from qbo.client import open_client
from qbo.errors import Rejected, StaleObject
from qbo.models import QBOCall

pytestmark = pytest.mark.django_db

BASE = "https://sandbox-quickbooks.api.intuit.com/v3/company/9341453050"


def _query(call) -> dict:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_update_is_always_sparse_and_carries_the_sync_token_and_requestid(connection):
    responses.post(f"{BASE}/invoice", json={"Invoice": {"Id": "130", "SyncToken": "4"}})
    with open_client(connection.company) as qb:
        answer = qb.update(
            "Invoice", {"Id": "130", "SyncToken": "3", "Line": []}, request_id="rev-2"
        )
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"Id": "130", "SyncToken": "3", "Line": [], "sparse": True}
    assert _query(responses.calls[0])["requestid"] == ["rev-2"]
    assert answer["SyncToken"] == "4"


@responses.activate
def test_update_on_a_stale_token_is_stale_object(connection):
    fault = {
        "Error": [{"Message": "Stale Object Error", "code": "5010"}],
        "type": "ValidationFault",
    }
    responses.post(f"{BASE}/invoice", json={"Fault": fault}, status=400)
    with open_client(connection.company) as qb, pytest.raises(StaleObject):
        qb.update("Invoice", {"Id": "130", "SyncToken": "0"}, request_id="rev-1")


@responses.activate
def test_void_and_delete_name_their_operation(connection):
    responses.post(f"{BASE}/invoice", json={"Invoice": {"Id": "130", "TotalAmt": 0}})
    responses.post(f"{BASE}/invoice", json={"Invoice": {"Id": "131", "status": "Deleted"}})
    with open_client(connection.company) as qb:
        voided = qb.void("Invoice", "130", "2", request_id="void-1")
        deleted = qb.delete("Invoice", "131", "0", request_id="delete-1")
    void_call, delete_call = responses.calls
    assert _query(void_call)["operation"] == ["void"]
    assert _query(delete_call)["operation"] == ["delete"]
    assert json.loads(void_call.request.body) == {"Id": "130", "SyncToken": "2"}
    assert (_query(void_call)["requestid"], _query(delete_call)["requestid"]) == (
        ["void-1"],
        ["delete-1"],
    )
    assert voided["TotalAmt"] == Decimal("0") and deleted["status"] == "Deleted"
    ops = list(QBOCall.objects.order_by("pk").values_list("operation", flat=True))
    assert ops == ["invoice?operation=void", "invoice?operation=delete"]


@responses.activate
def test_send_posts_to_the_send_endpoint_with_send_to(connection):
    body = {"Invoice": {"Id": "130", "EmailStatus": "EmailSent"}}
    responses.post(f"{BASE}/invoice/130/send", json=body)
    with open_client(connection.company) as qb:
        answer = qb.send("Invoice", "130", send_to="a@b.test", request_id="send-1")
    call = responses.calls[0]
    assert _query(call)["sendTo"] == ["a@b.test"]
    assert _query(call)["requestid"] == ["send-1"]
    assert call.request.headers["Content-Type"] == "application/octet-stream"
    assert answer["EmailStatus"] == "EmailSent"


@responses.activate
def test_a_send_refused_by_quickbooks_is_rejected_in_its_words(connection):
    fault = {
        "Error": [
            {
                "Message": "Business Validation Error",
                "Detail": "Missing email address",
                "code": "6000",
            }
        ],
        "type": "ValidationFault",
    }
    responses.post(f"{BASE}/invoice/130/send", json={"Fault": fault}, status=400)
    with open_client(connection.company) as qb, pytest.raises(Rejected) as refused:
        qb.send("Invoice", "130", request_id="send-2")
    assert refused.value.code == "6000" and "Missing email address" in refused.value.text
    assert "sendTo" not in _query(responses.calls[0])


@responses.activate
def test_read_gets_one_object(connection):
    responses.get(f"{BASE}/invoice/130", json={"Invoice": {"Id": "130", "SyncToken": "7"}})
    with open_client(connection.company) as qb:
        assert qb.read("Invoice", "130")["SyncToken"] == "7"
