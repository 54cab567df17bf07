"""Injected faults: outages, throttling, latency, hangs and drops after commit."""

from __future__ import annotations

import threading
import time

import pytest
import requests
from intuitlib.exceptions import AuthClientError
from quickbooks.exceptions import QuickbooksException, SevereException
from quickbooks.objects import Customer

from qbo_sandbox.testing import SandboxServer
from sandbox_support import new_auth_client, unpaced


def test_status_500_is_a_json_system_fault(sandbox, api, qb):
    sandbox.control.add_fault(r"/customer/1$", "status", status=500, count=2)
    response = api.get("customer/1")
    error = response.json()["Fault"]["Error"][0]
    assert (response.status_code, error["code"]) == (500, "10000")
    assert response.json()["Fault"]["type"] == "SystemFault"
    with pytest.raises(SevereException):
        Customer.get(1, qb=qb)
    assert api.get("customer/1").status_code == 200  # count=2 used up


def test_status_503_is_the_load_balancers_html_page(sandbox, api, qb):
    sandbox.control.add_fault(r"/customer/", "status", status=503)
    response = api.get("customer/1")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Retry-After"] == "30"
    assert response.headers["intuit_tid"]
    with pytest.raises(QuickbooksException) as caught:
        Customer.get(1, qb=qb)
    assert caught.value.error_code == 10000


def test_throttle_fault_answers_429(sandbox, api):
    sandbox.control.add_fault(r"/query$", "throttle", count=1)
    response = api.query("SELECT * FROM Customer")
    assert response.status_code == 429
    assert b"ThrottleExceeded" in response.content
    assert api.query("SELECT * FROM Customer").status_code == 200


def test_latency_delays_then_serves(sandbox, api):
    sandbox.control.add_fault(r"/customer/1$", "latency", seconds=0.3, count=1)
    started = time.monotonic()
    response = api.get("customer/1")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_hang_never_answers_so_clients_time_out(sandbox, api):
    sandbox.control.add_fault(r"/customer/1$", "hang", count=1)
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.session.get(f"{api.base}/customer/1", timeout=0.3)
    sandbox.control.release_hung()


def test_hang_with_seconds_drops_the_connection_afterwards(sandbox, api):
    sandbox.control.add_fault(r"/customer/1$", "hang", seconds=0.2, count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.get("customer/1")


def test_drop_after_commit_commits_then_closes_without_a_response(sandbox, api, qb):
    sandbox.control.add_fault(r"/customer$", "drop_after_commit", count=1, method="POST")
    customer = Customer()
    customer.DisplayName = "Committed Then Dropped"
    with pytest.raises(requests.exceptions.ConnectionError):
        customer.save(qb=qb)
    assert Customer.filter(DisplayName="Committed Then Dropped", qb=qb)
    log = sandbox.control.request_log(method="POST", path="/customer")
    assert log[-1]["fault"] == "drop_after_commit" and log[-1]["status"] is None


def test_faults_match_the_method(sandbox, api):
    sandbox.control.add_fault(r"/customer", "status", status=500, method="POST")
    assert api.get("customer/1").status_code == 200
    assert api.post("customer", {"DisplayName": "Blocked"}).status_code == 500


def test_percentage_faults_are_reproducible(sandbox, api):
    unpaced(sandbox)

    def pattern() -> list[int]:
        sandbox.control.clear_faults()  # also re-seeds the generator
        sandbox.control.add_fault(r"/customer/1$", "status", status=500, percent=50)
        return [api.get("customer/1").status_code for _ in range(30)]

    first = pattern()
    assert 0 < first.count(500) < 30
    assert pattern() == first


def test_faults_can_be_listed_and_removed(sandbox, api):
    fault_id = sandbox.control.add_fault(r"/customer/1$", "status", status=500)
    assert [f["id"] for f in sandbox.control.faults()] == [fault_id]
    sandbox.control.remove_fault(fault_id)
    assert sandbox.control.faults() == []
    assert api.get("customer/1").status_code == 200


def test_token_endpoint_faults_reach_intuit_oauth(sandbox, auth_client):
    sandbox.control.add_fault(r"/oauth2/v1/tokens/bearer$", "status", status=503, count=1)
    with pytest.raises(AuthClientError) as caught:
        auth_client.refresh()
    assert caught.value.status_code == 503
    auth_client.refresh()


def test_bad_fault_definitions_are_refused(sandbox):
    from qbo_sandbox.control import ControlError

    with pytest.raises(ControlError):
        sandbox.control.add_fault(r"/x", "explode")
    with pytest.raises(ControlError):
        sandbox.control.add_fault(r"(", "hang")
    with pytest.raises(ControlError):
        sandbox.control.add_fault(r"/x", "status", status=404)


def test_stop_returns_promptly_with_hung_requests_in_flight():
    sandbox = SandboxServer().start()
    new_auth_client(sandbox)
    sandbox.control.add_fault(r"/\.well-known/", "hang")
    outcome = []

    def call():
        try:
            requests.get(sandbox.discovery_url, timeout=30)
        except requests.exceptions.ConnectionError:
            outcome.append("dropped")

    thread = threading.Thread(target=call)
    thread.start()
    deadline = time.monotonic() + 5
    while not sandbox.control.request_log(path="/.well-known/")[1:]:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 2
    thread.join(5)
    assert outcome == ["dropped"]
