"""Per-realm throttling: requests per minute (sliding window) and concurrent requests."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque

from .clock import Clock
from .config import Limits

WINDOW = 60.0


class Throttle:
    """Counts exactly under threads: one lock guards both counters."""

    def __init__(self, limits: Limits, clock: Clock) -> None:
        self.limits = limits
        self.clock = clock
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = defaultdict(deque)
        self._active: dict[str, int] = defaultdict(int)

    def enter(self, realm_id: str) -> int | None:
        """Admit a request (returns None) or refuse it with a Retry-After in seconds."""
        now = self.clock.timestamp()
        with self._lock:
            recent = self._recent[realm_id]
            while recent and recent[0] <= now - WINDOW:
                recent.popleft()
            if len(recent) >= self.limits.requests_per_minute:
                return max(1, math.ceil(recent[0] + WINDOW - now))
            if self._active[realm_id] >= self.limits.max_concurrent:
                return 1
            recent.append(now)
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
            # In-flight counts stay: those requests are still running and will leave.
