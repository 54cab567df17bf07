"""Delivering webhooks from a background thread, the way Intuit does.

Events queue per realm. When a realm's oldest waiting event is `window` seconds old, its
events go out together, at most 100 per POST, one realm per delivery. A realm's deliveries
go strictly in order: until the endpoint answers 200 to one, the rest wait (and new events
gather behind it). Failures are retried after 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h, 6 h,
then every 6 h, each multiplied by `retry_scale`. Timing runs on the real monotonic clock;
event times come from the sandbox clock.

Chaos (seeded, for the app's tests): drop a delivery (never sent, treated as acknowledged:
the app must repair with CDC), duplicate it (POSTed twice), or reorder it (held back until
the realm's next delivery has gone, or for max(1 s, 2 x window)).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import requests

from qbo_sandbox.books.store import Change, SandboxState
from qbo_sandbox.config import WEBHOOK_FORMATS, SandboxConfig
from qbo_sandbox.feed import events as webhooks
from qbo_sandbox.feed.delivery_log import DeliveryLog

logger = logging.getLogger(__name__)
RETRY_SCHEDULE = (10, 20, 30, 300, 1200, 7200, 14400, 21600)  # then every 6 h
MAX_EVENTS = 100
TIMEOUT = 3.0  # Intuit expects a 200 within 3 seconds


@dataclass
class Settings:
    url: str | None
    format: str
    window: float
    retry_scale: float

    def describe(self) -> dict:
        return {
            "url": self.url,
            "format": self.format,
            "window": self.window,
            "retry_scale": self.retry_scale,
        }


@dataclass
class Delivery:
    id: int
    realm: str
    events: list[webhooks.Event]
    body: bytes
    format: str
    attempts: int = 0
    next_at: float = 0.0
    reordered: bool = False


@dataclass
class RealmQueue:
    pending: list[webhooks.Event] = field(default_factory=list)
    first_at: float = 0.0
    outbox: deque[Delivery] = field(default_factory=deque)
    held: Delivery | None = None
    held_until: float = 0.0


class Chaos:
    """Percentages of deliveries to drop, duplicate or reorder; the RNG restarts on each set."""

    KINDS = ("drop", "duplicate", "reorder")

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.set()

    def set(self, drop: float = 0, duplicate: float = 0, reorder: float = 0) -> None:
        values = {"drop": drop, "duplicate": duplicate, "reorder": reorder}
        for kind, value in values.items():
            if not 0 <= float(value) <= 100:
                raise ValueError(f"{kind} must be a percentage between 0 and 100")
        self.percent = {kind: float(value) for kind, value in values.items()}
        self._random = random.Random(self.seed)  # noqa: S311 - reproducible, not security

    def roll(self, kind: str) -> bool:
        percent = self.percent[kind]
        return percent > 0 and self._random.random() * 100 < percent


class Dispatcher:
    """Listens to committed changes (`notice`) and delivers them from one daemon thread."""

    def __init__(self, config: SandboxConfig, state: SandboxState) -> None:
        self.config = config
        self.state = state
        self.source = webhooks.source_for(config.client_id)
        self.log = DeliveryLog(state.clock)
        self._cond = threading.Condition()
        self._session = requests.Session()
        self._thread: threading.Thread | None = None
        self._stopping = False
        # flush() waits until the thread has done a pass for its request (never reset: a
        # flush may be waiting across a reset).
        self._flush_asked = self._flush_done = 0
        self._flushed: set[int] = set()  # deliveries already tried in the current flush
        self.reset()

    # --- settings and switches -------------------------------------------------------------
    def reset(self) -> None:
        """Back to start-up: settings from the config, nothing queued, no chaos, not paused."""
        config = self.config
        with self._cond:
            self.settings = Settings(
                config.webhook_url or None,
                config.webhook_format,
                config.webhook_window,
                config.webhook_retry_scale,
            )
            self.chaos = Chaos(config.fault_seed)
            self.paused = False
            self._queues: dict[str, RealmQueue] = {}
            self._next_id = 0
            self._cond.notify_all()
        self.log.clear()

    def configure(self, **changes: object) -> dict:
        """Change url, format, window or retry_scale at runtime; an empty url turns webhooks off
        (and forgets what was queued)."""
        with self._cond:
            new = Settings(**self.settings.describe())
            if "url" in changes:
                new.url = str(changes["url"] or "") or None
            if changes.get("format") is not None:
                if changes["format"] not in WEBHOOK_FORMATS:
                    raise ValueError(f"format must be one of {WEBHOOK_FORMATS}")
                new.format = str(changes["format"])
            if changes.get("window") is not None:
                new.window = _at_least(str(changes["window"]), 0, "window")
            if changes.get("retry_scale") is not None:
                new.retry_scale = _at_least(str(changes["retry_scale"]), 1e-6, "retry_scale")
            self.settings = new
            if new.url is None:
                self._queues.clear()
            self._cond.notify_all()
            return new.describe()

    def set_chaos(self, **percent: float) -> dict:
        with self._cond:
            self.chaos.set(**percent)
            return dict(self.chaos.percent)

    def pause(self, paused: bool = True) -> None:
        with self._cond:
            self.paused = paused
            self._cond.notify_all()

    def status(self) -> dict:
        with self._cond:
            queued = {
                realm: {
                    "pending_events": len(q.pending),
                    "deliveries": len(q.outbox) + (q.held is not None),
                    "attempts_of_first": q.outbox[0].attempts if q.outbox else 0,
                }
                for realm, q in self._queues.items()
                if q.pending or q.outbox or q.held
            }
            return {
                **self.settings.describe(),
                "paused": self.paused,
                "chaos": dict(self.chaos.percent),
                "queued": queued,
            }

    # --- the listener ------------------------------------------------------------------------
    def notice(self, realm_id: str, change: Change) -> None:
        """Called on commit (under the company lock): queue an event, nothing slow."""
        if self.settings.url is None:
            return
        event = webhooks.event_for(realm_id, change)
        if event is None or not self.state.oauth.connected(realm_id, self.config.client_id):
            return  # Intuit notifies only realms connected to the app
        with self._cond:
            queue = self._queues.setdefault(realm_id, RealmQueue())
            if not queue.pending:
                queue.first_at = time.monotonic()
            queue.pending.append(event)
            self._start()
            self._cond.notify_all()

    # --- flush and stop ----------------------------------------------------------------------
    def flush(self, timeout: float = 10.0) -> bool:
        """Send what is waiting now: events regardless of the window, and one attempt for each
        realm's first delivery regardless of its retry delay. Held (reordered) deliveries stay
        held. Returns False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._start()
            self._flush_asked += 1
            asked = self._flush_asked
            self._cond.notify_all()
            while self._flush_done < asked and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            # An attempt in flight can take up to TIMEOUT; the daemon thread ends on its own.
            self._thread.join(timeout=0.5)
        self._session.close()

    def _start(self) -> None:
        if self._thread is None and not self._stopping:
            self._thread = threading.Thread(
                target=self._loop, name="qbo-sandbox-webhooks", daemon=True
            )
            self._thread.start()

    # --- the delivery thread -----------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                if job is None:
                    return
                delivery, drop, copies, url = job
            outcomes = [] if drop else [self._post(url, delivery) for _ in range(copies)]
            with self._cond:
                self._settle(delivery, drop, outcomes)

    def _next_job(self) -> tuple[Delivery, bool, int, str] | None:
        """Wait for the next due delivery (holding the condition's lock); None when stopping."""
        while not self._stopping:
            now = time.monotonic()
            flushing = self._flush_done < self._flush_asked
            self._form(now, flushing)
            delivery = self._due(now, flushing)
            if delivery is not None and self.settings.url is not None:
                if flushing:
                    self._flushed.add(delivery.id)
                delivery.attempts += 1
                first = delivery.attempts == 1
                drop = first and self.chaos.roll("drop")
                copies = 2 if first and not drop and self.chaos.roll("duplicate") else 1
                return delivery, drop, copies, self.settings.url
            if flushing:
                self._flush_done, self._flushed = self._flush_asked, set()
                self._cond.notify_all()
                continue
            self._cond.wait(self._sleep(now))
        return None

    def _form(self, now: float, flushing: bool) -> None:
        """Turn a realm's waiting events into deliveries once its window has passed and
        nothing of it is still unacknowledged."""
        for realm, queue in self._queues.items():
            if queue.held is not None and now >= queue.held_until and not queue.outbox:
                queue.outbox.append(queue.held)
                queue.held = None
            ready = flushing or now >= queue.first_at + self.settings.window
            if not queue.pending or queue.outbox or not ready:
                continue
            events, queue.pending = queue.pending, []
            for start in range(0, len(events), MAX_EVENTS):
                self._enqueue(queue, self._new_delivery(realm, events[start : start + MAX_EVENTS]))

    def _enqueue(self, queue: RealmQueue, delivery: Delivery) -> None:
        if queue.held is None and self.chaos.roll("reorder"):
            delivery.reordered = True
            queue.held = delivery
            queue.held_until = time.monotonic() + max(1.0, 2 * self.settings.window)
            return
        queue.outbox.append(delivery)
        if queue.held is not None:  # the held one goes right after the one that overtook it
            queue.outbox.append(queue.held)
            queue.held = None

    def _new_delivery(self, realm: str, events: list[webhooks.Event]) -> Delivery:
        self._next_id += 1
        fmt = self.settings.format
        body = webhooks.payload(fmt, realm, events, self.source)
        return Delivery(self._next_id, realm, events, body, fmt)

    def _due(self, now: float, flushing: bool) -> Delivery | None:
        if self.paused or self.settings.url is None:
            return None
        heads = [q.outbox[0] for q in self._queues.values() if q.outbox]
        due = [d for d in heads if d.next_at <= now or (flushing and d.id not in self._flushed)]
        return min(due, key=lambda d: (d.next_at, d.id), default=None)

    def _sleep(self, now: float) -> float | None:
        """Seconds until something could become due (None: until notified)."""
        moments = []
        for queue in self._queues.values():
            if queue.pending and not queue.outbox:
                moments.append(queue.first_at + self.settings.window)
            if queue.outbox and not self.paused:
                moments.append(queue.outbox[0].next_at)
            if queue.held is not None and not queue.outbox:
                moments.append(queue.held_until)
        return max(0.0, min(moments) - now) if moments else None

    def _post(self, url: str, delivery: Delivery) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            webhooks.SIGNATURE_HEADER: webhooks.sign(delivery.body, self.config.verifier_token),
            "User-Agent": "qbo-sandbox-webhooks",
        }
        try:
            response = self._session.post(url, data=delivery.body, headers=headers, timeout=TIMEOUT)
        except Exception as error:  # any failure is a failed attempt; the thread must live on
            return None, f"{type(error).__name__}: {error}"[:300]
        response.close()
        return response.status_code, None

    def _settle(
        self, delivery: Delivery, drop: bool, outcomes: list[tuple[int | None, str | None]]
    ) -> None:
        """Log the attempt; acknowledge (only a 200 counts) or schedule the retry."""
        if drop:
            self.log.record(delivery, None, "dropped (chaos)", "drop")
        for copy, (status, error) in enumerate(outcomes):
            chaos = "duplicate" if copy else ("reorder" if delivery.reordered else None)
            self.log.record(delivery, status, error, chaos)
        queue = self._queues.get(delivery.realm)
        if queue is None or not queue.outbox or queue.outbox[0] is not delivery:
            return  # reset or switched off meanwhile
        if drop or outcomes[0][0] == 200:
            queue.outbox.popleft()
        else:
            delay = RETRY_SCHEDULE[min(delivery.attempts, len(RETRY_SCHEDULE)) - 1]
            delivery.next_at = time.monotonic() + delay * self.settings.retry_scale
        self._cond.notify_all()


def _at_least(value: float | str, minimum: float, name: str) -> float:
    number = float(value)
    if number < minimum:
        raise ValueError(f"{name} must be >= {minimum}")
    return number
