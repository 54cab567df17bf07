"""The API client at the wire: what it sends, and how Intuit's answers map to our errors."""

import json
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from qbo_sandbox.samples import SAMPLES  # Intuit's recorded payloads, with their sources
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice

from qbo import environments
from qbo.client import open_client
from qbo.errors import RateLimited, ReconnectNeeded, Rejected, StaleObject, Unavailable
from qbo.models import QBOCall

pytestmark = pytest.mark.django_db

BASE = "https://sandbox-quickbooks.api.intuit.com/v3/company/9341453050"
TOKEN_URL = environments.OAUTH_ENDPOINTS["sandbox"]["token_endpoint"]


def _query(call) -> dict:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_reads_with_stored_token_minorversion_and_decimals(connection):
    customer = json.loads((SAMPLES / "customer.json").read_text())
    responses.get(f"{BASE}/customer/1", json={"Customer": customer, "time": "x"})
    with open_client(connection.company) as qb:
        found = Customer.get(1, qb=qb)
    sent = responses.calls[0].request
    assert sent.headers["Authorization"] == f"Bearer access-{connection.company_id}-initial"
    assert _query(responses.calls[0])["minorversion"] == ["75"]
    assert found.DisplayName == "Amy's Bird Sanctuary"
    assert found.Balance == Decimal("274.0")
    assert len(responses.calls) == 1  # no token call: the stored token was fresh


@responses.activate
def test_create_sends_requestid(connection):
    responses.post(f"{BASE}/invoice", json={"Invoice": {"Id": "130", "SyncToken": "0"}})
    with open_client(connection.company) as qb:
        qb.create_object("Invoice", json.dumps({"Line": []}), request_id="qbsync-1-1-g0")
    assert _query(responses.calls[0])["requestid"] == ["qbsync-1-1-g0"]
    log = QBOCall.objects.get()
    assert (log.operation, log.request_id, log.status_code) == ("invoice", "qbsync-1-1-g0", 200)


@responses.activate
def test_validation_fault_is_rejected_with_qbo_text(connection):
    responses.post(
        f"{BASE}/customer",
        status=400,
        body=(SAMPLES / "fault_duplicate_name.json").read_text(),
        headers={"intuit_tid": "1-abc"},
    )
    customer = Customer()
    customer.DisplayName = "Amy"
    with open_client(connection.company) as qb, pytest.raises(Rejected) as caught:
        customer.save(qb=qb)
    error = caught.value
    assert (error.code, error.intuit_tid, error.status) == ("6240", "1-abc", 400)
    assert error.message == "Duplicate Name Exists Error"
    assert "already exists" in error.text
    assert not isinstance(error, StaleObject)


@responses.activate
def test_stale_object_is_its_own_error(connection):
    errors = json.loads((SAMPLES / "fault_stale_object_error_array.json").read_text())
    responses.post(
        f"{BASE}/invoice", status=400, json={"Fault": {"Error": errors, "type": "ValidationFault"}}
    )
    with open_client(connection.company) as qb, pytest.raises(StaleObject):
        qb.update_object("Invoice", json.dumps({"Id": "1", "SyncToken": "0"}))


@responses.activate
def test_throttle_xml_body_is_rate_limited_with_retry_after(connection):
    responses.post(
        f"{BASE}/query",
        status=429,
        body=(SAMPLES / "fault_throttle_429.xml").read_text(),
        headers={"Retry-After": "7", "Content-Type": "application/xml"},
    )
    with open_client(connection.company) as qb, pytest.raises(RateLimited) as caught:
        Invoice.query("SELECT * FROM Invoice", qb=qb)
    assert caught.value.retry_after == 7.0
    assert caught.value.code == "3001"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
@responses.activate
def test_server_errors_are_unavailable(connection, status):
    responses.get(f"{BASE}/invoice/9", status=status, body="<html>oops</html>")
    with open_client(connection.company) as qb, pytest.raises(Unavailable):
        Invoice.get(9, qb=qb)


@responses.activate
def test_read_timeout_is_unavailable_and_maybe_committed(connection):
    responses.post(f"{BASE}/invoice", body=requests.ReadTimeout("slow"))
    with open_client(connection.company) as qb, pytest.raises(Unavailable) as caught:
        qb.create_object("Invoice", "{}", request_id="r1")
    assert caught.value.maybe_committed
    assert caught.value.__context__ is None  # requests' error (with the bearer header) dropped


@responses.activate
def test_gateway_403_means_reconnect(connection):
    responses.get(
        f"{BASE}/invoice/9",
        status=403,
        body=(SAMPLES / "fault_403_authorization.json").read_text(),
    )
    with open_client(connection.company) as qb, pytest.raises(ReconnectNeeded) as caught:
        Invoice.get(9, qb=qb)
    assert caught.value.code == "3100"
    connection.refresh_from_db()
    assert connection.status == "needs_reauth"
    assert "3100" in connection.last_error


@responses.activate
def test_401_refreshes_once_and_replays_with_the_same_requestid(connection):
    unauthorized = (SAMPLES / "fault_401_authentication.json").read_text()
    responses.post(f"{BASE}/invoice", status=401, body=unauthorized)
    responses.post(f"{BASE}/invoice", json={"Invoice": {"Id": "5", "SyncToken": "0"}})
    responses.post(
        TOKEN_URL,
        json={
            "access_token": "access-after-refresh",
            "refresh_token": "refresh-after-refresh",
            "expires_in": 3600,
            "x_refresh_token_expires_in": 8726400,
        },
    )
    with open_client(connection.company) as qb:
        result = qb.create_object("Invoice", "{}", request_id="same-id")
    assert result["Invoice"]["Id"] == "5"
    api_calls = [c for c in responses.calls if "/v3/" in c.request.url]
    assert [_query(c)["requestid"] for c in api_calls] == [["same-id"], ["same-id"]]
    assert api_calls[1].request.headers["Authorization"] == "Bearer access-after-refresh"
    connection.refresh_from_db()
    assert connection.token_version == 2


@responses.activate
def test_second_401_after_refresh_marks_needs_reauth(connection, mailoutbox):
    responses.get(f"{BASE}/invoice/1", status=401, body="{}")
    responses.post(
        TOKEN_URL,
        json={"access_token": "a2", "refresh_token": "r2", "expires_in": 3600},
    )
    with open_client(connection.company) as qb, pytest.raises(ReconnectNeeded):
        Invoice.get(1, qb=qb)
    connection.refresh_from_db()
    assert connection.status == "needs_reauth"


def test_open_client_refuses_when_not_connected(company, intuit_sandbox_settings):
    with pytest.raises(ReconnectNeeded), open_client(company):
        pass
