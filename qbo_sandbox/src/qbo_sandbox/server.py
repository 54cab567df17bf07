"""Serving the app with Werkzeug's threaded server, in the foreground or in a thread."""

from __future__ import annotations

import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from qbo_sandbox.app import SandboxApp


class QuietHandler(WSGIRequestHandler):
    """No per-request access log line (tests and benchmarks make thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def build_server(app: SandboxApp, host: str, port: int, *, quiet: bool = False) -> BaseWSGIServer:
    handler = QuietHandler if quiet else WSGIRequestHandler
    return make_server(host, port, app, threaded=True, request_handler=handler)


class BackgroundServer:
    """A server on its own daemon thread; `stop` returns promptly even with hung requests."""

    def __init__(
        self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0, *, quiet: bool = True
    ) -> None:
        self.app = app
        self.server = build_server(app, host, port, quiet=quiet)
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="qbo-sandbox",
            daemon=True,
        )

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.app.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
