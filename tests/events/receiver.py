"""The business's own app, receiving qbsync's events: a local HTTP server that records every
POST and checks its signature the way the README tells a receiver to."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass

from qbo_sandbox.server import QuietHandler
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The README's snippet: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))


@dataclass(frozen=True)
class Delivery:
    body: bytes
    headers: dict[str, str]
    answered: int

    def json(self) -> dict:
        return json.loads(self.body)

    def signed_with(self, secret: str) -> bool:
        return verify(secret, self.headers.get("qbsync-signature", ""), self.body)


class EventReceiver:
    def __init__(self) -> None:
        self.received: list[Delivery] = []
        self.statuses: deque[int] = deque()
        self._cond = threading.Condition()
        self.server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.port}/qbsync-events"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __call__(self, environ: dict, start_response):
        request = Request(environ)
        body = request.get_data()
        with self._cond:
            status = self.statuses.popleft() if self.statuses else 200
            headers = {key.lower(): value for key, value in request.headers.items()}
            self.received.append(Delivery(body, headers, status))
            self._cond.notify_all()
        return Response("ok" if status < 300 else "no", status)(environ, start_response)

    def answer(self, *statuses: int) -> None:
        """The next deliveries get these statuses, in order (then 200)."""
        with self._cond:
            self.statuses.extend(statuses)

    def wait_until(self, check, timeout: float = 10.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not check(self.received):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{len(self.received)} deliveries arrived; not enough"
                self._cond.wait(remaining)
            return list(self.received)

    def __enter__(self) -> EventReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
