"""Per-realm throttling: requests per minute and per second (sliding windows), concurrent
requests, and the batch endpoint's own requests per minute."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from qbo_sandbox.books.clock import Clock
from qbo_sandbox.config import Limits

WINDOW = 60.0


class Throttle:
    """Counts exactly under threads: one lock guards every counter."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._last_second: dict[str, deque[float]] = defaultdict(deque)
        self._batches: dict[str, deque[float]] = defaultdict(deque)
        self._active: dict[str, int] = defaultdict(int)

    def enter(self, realm_id: str, *, batch: bool = False) -> int | None:
        """Admit a request (returns None) or refuse it with a Retry-After in seconds.

        A batch is one request toward the per-minute and concurrency limits and also counts
        toward the batch endpoint's own per-minute limit (Intuit's limits page lists it apart).
        """
        now = self.clock.timestamp()
        with self._lock:
            recent = _slide(self._recent[realm_id], now)
            if len(recent) >= self.limits.requests_per_minute:
                return _retry_after(recent, now)
            second = _slide(self._last_second[realm_id], now, 1.0)
            if len(second) >= self.limits.requests_per_second:
                return 1
            batches = _slide(self._batches[realm_id], now) if batch else None
            if batches is not None and len(batches) >= self.limits.batch_requests_per_minute:
                return _retry_after(batches, now)
            if self._active[realm_id] >= self.limits.max_concurrent:
                return 1
            recent.append(now)
            second.append(now)
            if batches is not None:
                batches.append(now)
            self._active[realm_id] += 1
            return None

    def leave(self, realm_id: str) -> None:
        with self._lock:
            self._active[realm_id] -= 1

    def in_flight(self, realm_id: str) -> int:
        with self._lock:
            return self._active[realm_id]

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
            self._last_second.clear()
            self._batches.clear()
            # In-flight counts stay: those requests are still running and will leave.


def _slide(times: deque[float], now: float, window: float = WINDOW) -> deque[float]:
    while times and times[0] <= now - window:
        times.popleft()
    return times


def _retry_after(times: deque[float], now: float) -> int:
    return max(1, math.ceil(times[0] + WINDOW - now))
