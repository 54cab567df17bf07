"""Injected faults: matched by method and path regex, for the next N requests or a percentage.

Kinds: status (500/503), throttle (429), latency (sleep, then serve), hang (no answer until
shutdown, release or N seconds, then the connection drops), drop_after_commit (serve and
commit, then close the TCP connection without a response).
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass

KINDS = ("status", "throttle", "latency", "hang", "drop_after_commit")


@dataclass
class FaultRule:
    id: int
    path_regex: str
    kind: str
    method: str | None = None
    count: int | None = None  # remaining; None = no limit
    percent: float | None = None
    status: int | None = None
    seconds: float | None = None
    hits: int = 0

    def describe(self) -> dict:
        return {
            "id": self.id,
            "path_regex": self.path_regex,
            "kind": self.kind,
            "method": self.method,
            "count": self.count,
            "percent": self.percent,
            "status": self.status,
            "seconds": self.seconds,
            "hits": self.hits,
        }


class FaultInjector:
    def __init__(self, seed: int = 1234) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 0
        self._seed = seed
        self._random = random.Random(seed)  # noqa: S311 - reproducible, not security
        # Hung requests wait on the current event; release() sets it and starts a new one.
        self._release = threading.Event()
        self._closed = False

    def add(
        self,
        path_regex: str,
        kind: str,
        *,
        count: int | None = None,
        percent: float | None = None,
        status: int | None = None,
        seconds: float | None = None,
        method: str | None = None,
    ) -> FaultRule:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}")
        re.compile(path_regex)
        if kind == "status" and status not in (None, 500, 502, 503, 504):
            raise ValueError("status faults are 500, 502, 503 or 504")
        if kind == "latency" and seconds is None:
            raise ValueError("latency needs seconds")
        if percent is not None and not 0 <= percent <= 100:
            raise ValueError("percent must be between 0 and 100")
        with self._lock:
            self._next_id += 1
            rule = FaultRule(
                self._next_id,
                path_regex,
                kind,
                method and method.upper(),
                count,
                percent,
                status or (500 if kind == "status" else None),
                seconds,
            )
            self._rules.append(rule)
            return rule

    def match(self, method: str, path: str) -> FaultRule | None:
        """The first rule that applies to this request, consuming one of its uses."""
        with self._lock:
            for rule in self._rules:
                if rule.method and rule.method != method.upper():
                    continue
                if not re.search(rule.path_regex, path):
                    continue
                if rule.percent is not None and self._random.random() * 100 >= rule.percent:
                    continue
                rule.hits += 1
                if rule.count is not None:
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                return rule
            return None

    def rules(self) -> list[dict]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._random = random.Random(self._seed)  # noqa: S311
        self.release()

    def hang_event(self) -> threading.Event:
        """What a hung request waits on (already set once the server is shutting down)."""
        with self._lock:
            return self._release

    def release(self) -> None:
        """Wake every hung request (they drop their connections)."""
        with self._lock:
            self._release.set()
            if not self._closed:
                self._release = threading.Event()

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self.release()
