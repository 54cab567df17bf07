"""The request log the control API exposes: what clients sent and what they got."""

from __future__ import annotations

import threading
from collections import deque

MAX_ENTRIES = 20_000


class RequestLog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict] = deque(maxlen=MAX_ENTRIES)

    def start(self, entry: dict) -> dict:
        """Log a request as it arrives; the caller fills in status when it is known."""
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(
        self,
        *,
        realm: str | None = None,
        path: str | None = None,
        method: str | None = None,
        requestid: str | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        with self._lock:
            rows = [dict(entry) for entry in self._entries]
        if realm:
            rows = [row for row in rows if row["realm"] == realm]
        if path:
            rows = [row for row in rows if path in row["path"]]
        if method:
            rows = [row for row in rows if row["method"] == method.upper()]
        if requestid:
            rows = [row for row in rows if row["requestid"] == requestid]
        return rows[-limit:] if limit else rows

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
