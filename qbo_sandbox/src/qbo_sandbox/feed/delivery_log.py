"""The webhook delivery log the control API and the demo UI show: one row per POST attempt."""

from __future__ import annotations

import threading
from collections import deque
from typing import TYPE_CHECKING

from qbo_sandbox.books.clock import Clock, response_time

if TYPE_CHECKING:
    from qbo_sandbox.feed.delivery import Delivery

MAX_ENTRIES = 5_000


class DeliveryLog:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=MAX_ENTRIES)

    def record(
        self, delivery: Delivery, status: int | None, error: str | None, chaos: str | None
    ) -> None:
        entry = {
            "delivery": delivery.id,
            "realm": delivery.realm,
            "attempt": delivery.attempts,
            "format": delivery.format,
            "event_ids": [event.id for event in delivery.events],
            "entities": [
                f"{event.entity} {event.entity_id} {event.operation}" for event in delivery.events
            ],
            "status": status,
            "error": error,
            "chaos": chaos,
            "time": response_time(self.clock.now()),
        }
        with self._lock:
            self._entries.append(entry)

    def entries(self, *, realm: str | None = None, limit: int | None = None) -> list[dict]:
        with self._lock:
            rows = [dict(entry) for entry in self._entries]
        if realm:
            rows = [row for row in rows if row["realm"] == realm]
        return rows[-limit:] if limit else rows

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
