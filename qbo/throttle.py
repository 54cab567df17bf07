"""Per-realm request budget, shared by every worker process: below Intuit's limits.

Intuit allows 500 requests per minute and 10 concurrent requests per realm — its current
limits page also says 10 per second — and 40 batch requests a minute, and answers 429
beyond that (../shared/reference/QBO-API.md §3.1). With Redis, one Lua script keeps a
moving one-minute window, a set of concurrency leases (with an expiry, so a killed worker's
lease frees itself) and a pause set from Retry-After, atomically for all processes. Without
Redis (the embedded default) the same rules hold per process: best effort.
"""

import logging
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import redis

from qbo.conf import qbo_settings
from qbo.errors import RateLimited

logger = logging.getLogger(__name__)

WINDOW_MS = 60_000
POLL_MS = 25

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + tonumber(ARGV[1]) - now)
end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return -1 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 0
"""


@lru_cache(maxsize=1)
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _keys(realm_id: str) -> list[str]:
    return [f"qbo:throttle:{realm_id}:{name}" for name in ("rate", "leases", "pause")]


class _LocalBudget:
    """The same rules inside one process, for machines without Redis."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.starts: dict[str, deque] = defaultdict(deque)
        self.active: dict[str, int] = defaultdict(int)
        self.paused_until: dict[str, float] = {}

    def try_acquire(self, realm_id: str, rate: int, concurrent: int, window_ms: int) -> int:
        with self.lock:
            now = time.monotonic()
            pause = self.paused_until.get(realm_id, 0) - now
            if pause > 0:
                return int(pause * 1000) + 1
            starts = self.starts[realm_id]
            while starts and starts[0] <= now - window_ms / 1000:
                starts.popleft()
            if len(starts) >= rate:
                return int((starts[0] + window_ms / 1000 - now) * 1000) + 1
            if self.active[realm_id] >= concurrent:
                return -1
            starts.append(now)
            self.active[realm_id] += 1
            return 0

    def release(self, realm_id: str) -> None:
        with self.lock:
            self.active[realm_id] = max(0, self.active[realm_id] - 1)

    def pause(self, realm_id: str, seconds: float) -> None:
        with self.lock:
            until = time.monotonic() + seconds
            self.paused_until[realm_id] = max(self.paused_until.get(realm_id, 0), until)


_local = _LocalBudget()


def _try_acquire(
    realm_id: str, lease: str, rate: int, concurrent: int, window_ms: int = WINDOW_MS
) -> int:
    """0 when a slot was taken; else milliseconds to wait (-1: wait for a concurrent slot)."""
    if qbo_settings.REDIS_URL:
        lease_ms = int((qbo_settings.CONNECT_TIMEOUT + qbo_settings.READ_TIMEOUT + 10) * 1000)
        try:
            return int(
                _redis(qbo_settings.REDIS_URL).eval(
                    _ACQUIRE, 3, *_keys(realm_id), window_ms, rate, concurrent, lease, lease_ms
                )
            )
        except redis.RedisError:
            logger.warning("throttle: Redis unreachable, using the per-process budget")
    return _local.try_acquire(realm_id, rate, concurrent, window_ms)


def _release(realm_id: str, lease: str) -> None:
    if qbo_settings.REDIS_URL:
        try:
            _redis(qbo_settings.REDIS_URL).zrem(_keys(realm_id)[1], lease)
            return
        except redis.RedisError:
            logger.warning("throttle: Redis unreachable on release")
    _local.release(realm_id)


def _wait_for(
    budget: str, lease: str, rate: int, concurrent: int, deadline: float, window_ms: int = WINDOW_MS
) -> None:
    while (wait_ms := _try_acquire(budget, lease, rate, concurrent, window_ms)) != 0:
        wait = POLL_MS / 1000 if wait_ms < 0 else wait_ms / 1000
        if time.monotonic() + wait > deadline:
            raise RateLimited(
                "Our QuickBooks request budget for this company is used up for now",
                retry_after=max(wait, 1.0),
            )
        time.sleep(min(wait, 0.5))


@contextmanager
def request_slot(realm_id: str, *, batch: bool = False, max_wait: float = 10.0) -> Iterator[None]:
    """Hold one of the realm's request slots for the duration of one call to Intuit.

    A batch request also takes a token from the realm's batch budget (Intuit allows 40
    batch requests a minute on top of the 500). Waits up to max_wait seconds; beyond that
    raises RateLimited so the caller can reschedule instead of occupying a worker.
    """
    lease = uuid.uuid4().hex
    deadline = time.monotonic() + max_wait
    _wait_for(realm_id, lease, qbo_settings.RATE_PER_MINUTE, qbo_settings.MAX_CONCURRENT, deadline)
    try:
        # The per-second and batch budgets come after the slot (which waits out any
        # Retry-After pause), so callers can't bank them during a pause and then start all
        # at once. Their tokens are spent even if the call never starts: the safe direction.
        _wait_for(f"{realm_id}:second", lease, qbo_settings.RATE_PER_SECOND, 10**6, deadline, 1000)
        _release(f"{realm_id}:second", lease)
        if batch:
            _wait_for(f"{realm_id}:batch", lease, qbo_settings.BATCH_PER_MINUTE, 10**6, deadline)
            _release(f"{realm_id}:batch", lease)
        yield
    finally:
        _release(realm_id, lease)


def pause(realm_id: str, seconds: float) -> None:
    """Stop all calls for a realm for a while (Intuit answered 429 with Retry-After)."""
    seconds = max(1.0, min(seconds, 300.0))
    if qbo_settings.REDIS_URL:
        try:
            _redis(qbo_settings.REDIS_URL).set(_keys(realm_id)[2], "1", px=int(seconds * 1000))
            return
        except redis.RedisError:
            logger.warning("throttle: Redis unreachable on pause")
    _local.pause(realm_id, seconds)


def clear(realm_id: str | None = None) -> None:
    """Forget counters and pauses for one realm (or all), e.g. after Intuit raised a limit."""
    if qbo_settings.REDIS_URL:
        client = _redis(qbo_settings.REDIS_URL)
        keys = _keys(realm_id) if realm_id else list(client.scan_iter("qbo:throttle:*"))
        if keys:
            client.delete(*keys)
    with _local.lock:
        for table in (_local.starts, _local.active, _local.paused_until):
            if realm_id is None:
                table.clear()
            else:
                table.pop(realm_id, None)
