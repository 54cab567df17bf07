"""Fault runs: 200 orders each, faults injected in the sandbox; 0 duplicates, 0 lost.

Two workers race in each run (two threads draining the same company at once); the process
version with SIGKILLs and a broker outage is tests/invoicing/test_push_chaos.py.
"""

import threading

import pytest

from invoicing import drains
from tests.invoicing.faultrun import check_exactly_once, make_orders, wait_until_settled

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ORDERS = 200
API = r"/v3/company/.*"


@pytest.fixture
def fast_retries(settings):
    settings.QBO_READ_TIMEOUT = 0.5
    settings.QBO_CONNECT_TIMEOUT = 0.5
    settings.QBO_PUSH_BACKOFF_BASE = 0.05
    settings.QBO_PUSH_BACKOFF_CAP = 0.5
    settings.QBO_AMBIGUOUS_SETTLE = 1.5  # the injected latency (1 s) plus a margin


def _race_two_workers(company_id: int) -> None:
    """Two workers drain the same company at once (as if the drain lock had been lost)."""

    def worker():
        from django.db import connection

        try:
            drains.drain_slice(company_id)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    drains.sweep()


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param([("status", 15, 500), ("latency", 15, None)], id="30%-errors-and-timeouts"),
        pytest.param([("drop_after_commit", 10, None)], id="10%-commit-then-drop"),
    ],
)
def test_fault_run_creates_each_invoice_exactly_once(connected, qbo, fast_retries, faults):
    company_id = connected.company_id
    make_orders(connected.company, ORDERS)
    for kind, percent, status in faults:
        qbo.control.add_fault(
            API, kind, percent=percent, status=status, seconds=1.0 if kind == "latency" else None
        )
    wait_until_settled(company_id, timeout=240, step=lambda: _race_two_workers(company_id))
    qbo.control.clear_faults()
    wait_until_settled(company_id, timeout=60, step=lambda: _race_two_workers(company_id))
    outcome = check_exactly_once(qbo, connected.realm_id, company_id)
    assert outcome["synced"] == ORDERS, outcome
    # The faults really hit the run (so the zero duplicates above were earned).
    faulted = [r for r in qbo.control.request_log() if r.get("fault")]
    assert len(faulted) >= 10
