"""The per-realm budget: concurrency cap, moving window, Retry-After pause."""

import threading
import time

import pytest

from qbo import throttle
from qbo.errors import RateLimited


def _run_concurrently(realm: str, workers: int, hold: float) -> int:
    """Start workers together; return the most that ever held a slot at once."""
    barrier = threading.Barrier(workers)
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def work():
        barrier.wait()
        with throttle.request_slot(realm, max_wait=30):
            with lock:
                state["now"] += 1
                state["peak"] = max(state["peak"], state["now"])
            time.sleep(hold)
            with lock:
                state["now"] -= 1

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return state["peak"]


def test_concurrency_never_exceeds_the_cap(settings):
    settings.QBO_MAX_CONCURRENT = 3
    assert _run_concurrently("realm-c", workers=10, hold=0.05) == 3


@pytest.mark.redis
def test_concurrency_cap_is_shared_through_redis(settings):
    import redis

    settings.QBO_MAX_CONCURRENT = 2
    realm = f"realm-r-{time.time_ns()}"  # no window left over from an earlier run
    assert _run_concurrently(realm, workers=8, hold=0.05) == 2
    # The budget really lived in Redis (the per-process fallback leaves nothing there).
    client = redis.Redis.from_url(settings.REDIS_URL)
    assert client.zcard(f"qbo:throttle:{realm}:rate") == 8


def test_moving_window_refuses_beyond_the_rate(settings):
    settings.QBO_RATE_PER_MINUTE = 5
    for _ in range(5):
        with throttle.request_slot("realm-w", max_wait=0):
            pass
    with pytest.raises(RateLimited) as caught, throttle.request_slot("realm-w", max_wait=1):
        pass
    assert 50 <= caught.value.retry_after <= 60


def test_pause_holds_every_caller_off_the_realm():
    throttle.pause("realm-p", 30)
    with pytest.raises(RateLimited) as caught, throttle.request_slot("realm-p", max_wait=1):
        pass
    assert caught.value.retry_after > 25
    with throttle.request_slot("other-realm", max_wait=0):
        pass  # other companies are unaffected


def test_batch_requests_have_their_own_budget(settings):
    settings.QBO_BATCH_PER_MINUTE = 2
    for _ in range(2):
        with throttle.request_slot("realm-b", batch=True, max_wait=0):
            pass
    with pytest.raises(RateLimited), throttle.request_slot("realm-b", batch=True, max_wait=1):
        pass
    with throttle.request_slot("realm-b", max_wait=0):
        pass  # plain requests still go


def test_no_more_than_the_per_second_rate(settings):
    settings.QBO_RATE_PER_SECOND = 3
    started = time.monotonic()
    for _ in range(7):
        with throttle.request_slot("realm-s", max_wait=5):
            pass
    assert time.monotonic() - started >= 2.0  # 3 + 3 + 1 requests span two full seconds


def test_a_pause_does_not_bank_per_second_tokens(settings):
    """Callers waiting out a Retry-After pause still start at most N a second after it."""
    settings.QBO_RATE_PER_SECOND = 3
    throttle.pause("realm-p", 1.0)
    starts: list[float] = []
    lock = threading.Lock()

    def call():
        with throttle.request_slot("realm-p", max_wait=10), lock:
            starts.append(time.monotonic())

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    starts.sort()
    assert starts[3] - starts[0] >= 0.9  # the fourth waited for the next second
