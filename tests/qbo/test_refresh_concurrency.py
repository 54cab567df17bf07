"""Single-flight refresh: 50 callers in two processes meet an expired token at the same moment.

The sandbox is in strict mode (a refresh token dies the moment it is used; reusing it revokes
the whole grant), so any second refresh would break the connection.
"""

import multiprocessing

import pytest

from qbo.models import QuickBooksConnection
from tests.processes import child_environment, refresh_worker

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PROCESSES = 2
THREADS = 25
ROUNDS = 20
TOKEN_PATH = "/oauth2/v1/tokens/bearer"


def test_fifty_callers_make_exactly_one_refresh_per_expiry(connected, qbo, sandbox_realm, settings):
    qbo.control.set_token_mode("strict")
    # Every caller of a round calls at once: only the concurrency limit stays.
    qbo.control.set_limits(
        requests_per_minute=100_000, max_concurrent=10, requests_per_second=100_000
    )
    env = child_environment(
        settings,
        QBO_RATE_PER_MINUTE="100000",
        QBO_RATE_PER_SECOND="100000",
        QBO_MAX_CONCURRENT="10",
    )
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES + 1)
    results = context.Queue()
    # The children's threads also meet on one barrier: all 50 are released together.
    callers = context.Barrier(PROCESSES * THREADS)
    workers = [
        context.Process(
            target=refresh_worker,
            args=(env, connected.pk, ROUNDS, THREADS, start, callers, results),
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        _run_rounds(qbo, sandbox_realm, connected, start, results, workers)
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()


def _run_rounds(qbo, realm, connected, start, results, workers):
    token_calls = len(qbo.control.request_log(path=TOKEN_PATH))
    version = QuickBooksConnection.objects.get(pk=connected.pk).token_version
    for round_no in range(ROUNDS):
        QuickBooksConnection.objects.filter(pk=connected.pk).update(
            access_expires_at="2000-01-01T00:00:00Z"
        )
        qbo.control.expire_access_tokens(realm)
        start.wait(timeout=60)  # release the round
        outcomes = [results.get(timeout=120) for _ in range(PROCESSES * THREADS)]
        start.wait(timeout=60)  # round done
        assert {o[0] for o in outcomes} == {round_no}
        errors = [o for o in outcomes if o[1] != "ok"]
        assert errors == [], errors[:3]
        now_calls = len(qbo.control.request_log(path=TOKEN_PATH))
        assert now_calls - token_calls == 1, (
            f"round {round_no}: {now_calls - token_calls} refreshes"
        )
        token_calls = now_calls
        version += 1
        assert {o[2] for o in outcomes} == {version}
        conn = QuickBooksConnection.objects.get(pk=connected.pk)
        assert (conn.status, conn.token_version) == ("connected", version)
