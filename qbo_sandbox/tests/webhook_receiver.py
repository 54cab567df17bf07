"""A local webhook endpoint for the sandbox's tests: records every POST with its raw body and
headers, and answers with the statuses it is told to (200 once those run out)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from dataclasses import dataclass

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from qbo_sandbox.server import QuietHandler


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival
    answered: int

    def json(self):
        return json.loads(self.body)

    def signed_by(self, verifier_token: str) -> bool:
        """intuit-signature == base64(HMAC-SHA256(token, raw body)), compared in constant time."""
        expected = hmac.new(verifier_token.encode(), self.body, hashlib.sha256).digest()
        claimed = base64.b64decode(self.headers.get("intuit-signature", ""))
        return hmac.compare_digest(expected, claimed)


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.statuses: deque[int] = deque()
        self.delay = 0.0
        self._cond = threading.Condition()
        self._stopped = threading.Event()
        self.server = make_server("127.0.0.1", 0, self, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.port}/quickbooks/webhooks/"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __call__(self, environ: dict, start_response):
        request = Request(environ)
        body = request.get_data()
        with self._cond:
            status = self.statuses.popleft() if self.statuses else 200
            headers = {key.lower(): value for key, value in request.headers.items()}
            self.received.append(Received(body, headers, time.monotonic(), status))
            self._cond.notify_all()
        if self.delay:
            self._stopped.wait(self.delay)
        return Response("ok" if status == 200 else "no", status)(environ, start_response)

    def answer(self, *statuses: int) -> None:
        """The next deliveries get these statuses, in order."""
        with self._cond:
            self.statuses.extend(statuses)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.received) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{len(self.received)} deliveries arrived, not {count}"
                self._cond.wait(remaining)
            return list(self.received)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
