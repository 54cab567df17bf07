"""Per-realm throttling: 429 with Intuit's XML body past N requests/minute or /second, or N in
flight."""

from __future__ import annotations

import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects import Customer

from qbo_sandbox.testing import SandboxServer
from sandbox_support import Api, connect, quickbooks_for

NS = {"q": "http://schema.intuit.com/finance/v3"}


def _wait_for_in_flight(sandbox, realm: str, expected: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while sandbox.control.in_flight(realm) != expected:
        assert time.monotonic() < deadline, "requests never arrived"
        time.sleep(0.01)


@pytest.fixture
def tiny():
    with SandboxServer(requests_per_minute=5, max_concurrent=2) as server:
        realm = next(iter(server.state.companies))
        api = Api(server, realm, connect(server, realm_id=realm).access_token)
        yield server, realm, api


def test_requests_past_the_per_minute_limit_get_429_in_xml(tiny):
    _, _, api = tiny
    assert [api.get("customer/1").status_code for _ in range(5)] == [200] * 5
    response = api.get("customer/1")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["intuit_tid"]
    answered = ET.fromstring(response.content)  # noqa: S314 - our own server's reply
    fault = answered.find("q:Fault", NS)
    assert fault.get("type") == "SERVICE"
    error = fault.find("q:Error", NS)
    assert error.get("code") == "3001"
    assert error.find("q:Message", NS).text == (
        "message=ThrottleExceeded; errorCode=003001; statusCode=429"
    )


def test_requests_past_the_per_second_limit_get_429_until_the_second_passes():
    with SandboxServer(requests_per_second=3) as sandbox:
        realm = next(iter(sandbox.state.companies))
        api = Api(sandbox, realm, connect(sandbox, realm_id=realm).access_token)
        codes = [api.get("customer/1").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert api.get("customer/1").headers.get("Retry-After") == "1"
        sandbox.control.advance_clock(1.5)
        assert api.get("customer/1").status_code == 200


def test_the_window_slides_with_the_sandbox_clock(tiny):
    sandbox, _, api = tiny
    for _ in range(5):
        api.get("customer/1")
    assert api.get("customer/1").status_code == 429
    sandbox.control.advance_clock(61)
    assert api.get("customer/1").status_code == 200


def test_python_quickbooks_sees_throttling_as_an_unreadable_response(tiny, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    sandbox, realm, _ = tiny
    qb = quickbooks_for(sandbox, connect(sandbox, realm_id=realm))
    for _ in range(5):
        Customer.get(1, qb=qb)
    with pytest.raises(QuickbooksException) as caught:
        Customer.get(1, qb=qb)
    assert caught.value.error_code == 10000
    assert "Error reading json response" in caught.value.message


def test_limits_are_per_realm(tiny):
    sandbox, _, api = tiny
    for _ in range(6):
        api.get("customer/1")
    other_realm = sandbox.control.create_company("Unthrottled")
    other = Api(sandbox, other_realm, connect(sandbox, realm_id=other_realm).access_token)
    assert other.get("customer/1").status_code == 200


def test_concurrent_requests_past_the_limit_get_429(tiny):
    sandbox, realm, api = tiny
    sandbox.control.set_limits(requests_per_minute=500)
    sandbox.control.add_fault(r"/customer/1$", "hang", count=2)
    outcomes = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(_swallow(api.get, "customer/1")))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    _wait_for_in_flight(sandbox, realm, 2)
    third = api.get("customer/2")
    assert third.status_code == 429 and third.headers["Retry-After"] == "1"
    sandbox.control.release_hung()
    for thread in threads:
        thread.join(5)
    assert outcomes == ["ConnectionError", "ConnectionError"]
    _wait_for_in_flight(sandbox, realm, 0)
    assert api.get("customer/2").status_code == 200


def _swallow(call, *args):
    try:
        return call(*args).status_code
    except requests.exceptions.ConnectionError:
        return "ConnectionError"


def test_concurrency_is_counted_exactly_under_many_threads():
    with SandboxServer(max_concurrent=10) as sandbox:
        realm = next(iter(sandbox.state.companies))
        api = Api(sandbox, realm, connect(sandbox, realm_id=realm).access_token)
        sandbox.control.add_fault(r"/customer/1$", "hang")
        barrier = threading.Barrier(30)

        def call():
            barrier.wait()
            return _swallow(api.get, "customer/1")

        with ThreadPoolExecutor(30) as pool:
            futures = [pool.submit(call) for _ in range(30)]
            _wait_for_in_flight(sandbox, realm, 10)
            deadline = time.monotonic() + 5
            while sum(f.done() for f in futures) < 20:
                assert time.monotonic() < deadline, "the refused requests never came back"
                time.sleep(0.01)
            assert [f.result() for f in futures if f.done()] == [429] * 20
            sandbox.control.release_hung()
            results = [f.result() for f in futures]
        assert results.count("ConnectionError") == 10
        _wait_for_in_flight(sandbox, realm, 0)


def test_fifty_concurrent_clients_create_distinct_customers(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    with SandboxServer(max_concurrent=100, requests_per_second=100) as sandbox:
        realm = next(iter(sandbox.state.companies))
        client = connect(sandbox, realm_id=realm)
        barrier = threading.Barrier(50)

        def create(number: int) -> str:
            qb = quickbooks_for(sandbox, client)
            customer = Customer()
            customer.DisplayName = f"Concurrent {number}"
            barrier.wait()
            return customer.save(qb=qb).Id

        with ThreadPoolExecutor(50) as pool:
            ids = list(pool.map(create, range(50)))
        assert len(set(ids)) == 50
        company = sandbox.state.companies[realm]
        assert len(company.tables["Customer"]) == 29 + 50
        creates = [c for c in company.changes if c.entity == "Customer" and c.source == "api"]
        assert sorted(c.id for c in creates) == sorted(ids)
