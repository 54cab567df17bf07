"""The WSGI application: routing, intuit_tid, the request log and injected faults."""

from __future__ import annotations

import logging
import secrets
import socket
import threading
import time
from contextlib import suppress

from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from qbo_sandbox.api import gateway as api
from qbo_sandbox.api.latency import LatencyModel
from qbo_sandbox.api.throttle import Throttle
from qbo_sandbox.books import errors, seed, wire
from qbo_sandbox.books.clock import response_time
from qbo_sandbox.books.store import SandboxState
from qbo_sandbox.config import Limits, SandboxConfig
from qbo_sandbox.control import endpoints as control_api
from qbo_sandbox.control import webhooks as control_webhooks
from qbo_sandbox.control.faults import FaultInjector, FaultRule
from qbo_sandbox.control.reqlog import RequestLog
from qbo_sandbox.feed.delivery import Dispatcher
from qbo_sandbox.oauth import endpoints as oauth
from qbo_sandbox.oauth.idtoken import SigningKey
from qbo_sandbox.ui import views as ui

logger = logging.getLogger(__name__)


class DroppedConnection(ConnectionAbortedError):
    """Raised to the server after the socket is shut: the client gets no response at all."""


def new_intuit_tid() -> str:
    return f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"


class SandboxApp:
    def __init__(self, config: SandboxConfig, state: SandboxState | None = None) -> None:
        self.config = config
        self.state = state or SandboxState(token_mode=config.token_mode)
        self.initial_limits = Limits(**vars(config.limits))
        self.throttle = Throttle(config.limits, self.state.clock)
        self.faults = FaultInjector(config.fault_seed)
        self.log = RequestLog()
        self.signing_key = SigningKey()
        self.shutdown_event = threading.Event()
        self.latency = LatencyModel(config.latency_scale)
        # Every committed change, from any source, reaches the webhook dispatcher.
        self.webhooks = Dispatcher(config, self.state)
        self.state.listeners.append(self.webhooks.notice)
        rules = api.RULES + oauth.RULES + control_api.RULES + control_webhooks.RULES + ui.RULES
        self.url_map = Map([rule.empty() for rule in rules])  # a Rule binds to one Map only
        self.handlers = {
            **oauth.HANDLERS,
            **control_api.HANDLERS,
            **control_webhooks.HANDLERS,
            **ui.HANDLERS,
        }
        if config.default_company and not self.state.companies:
            self.create_default_company()

    def create_default_company(self) -> None:
        company = seed.create_company(self.state)
        if self.config.seed_customers:
            seed.seed_customers(self.state, company, self.config.seed_customers, source="seed")
        if self.config.seed_items:
            seed.seed_items(self.state, company, self.config.seed_items, source="seed")

    def close(self) -> None:
        """Wake sleeping and hung requests and stop webhook delivery, so the server can stop
        promptly."""
        self.shutdown_event.set()
        self.faults.shutdown()
        self.webhooks.stop()

    def __call__(self, environ: dict, start_response):
        request = Request(environ)
        tid = new_intuit_tid()
        try:
            response = self.dispatch(request, tid)
        except DroppedConnection:
            sock = environ.get("werkzeug.socket") or environ.get("gunicorn.socket")
            if sock is not None:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            raise  # Werkzeug treats a ConnectionError as the client going away
        except HTTPException as error:  # a handler's NotFound (e.g. an unknown realm's page)
            response = error.get_response()
        except Exception:
            logger.exception("sandbox request failed: %s %s", request.method, request.path)
            response = InternalServerError().get_response()
        response.headers["intuit_tid"] = tid
        return response(environ, start_response)

    def _match(self, request: Request) -> tuple[str | None, dict, HTTPException | None]:
        try:
            endpoint, values = self.url_map.bind_to_environ(request.environ).match()
        except HTTPException as error:  # 404, 405, or a redirect to the slashed path
            return None, {}, error
        return endpoint, values, None

    def dispatch(self, request: Request, tid: str) -> Response:
        endpoint, values, failure = self._match(request)
        if request.path.startswith("/_control"):  # neither logged nor faulted
            if failure is not None:
                return failure.get_response()
            return self.handlers[endpoint](self, request, **values)
        entry = self.log.start(self._log_entry(request, tid, values))
        request.environ["sandbox.log_entry"] = entry
        fault = self.faults.match(request.method, request.path)
        entry["fault"] = fault.kind if fault else None
        if failure is not None:
            response = failure.get_response()
        else:
            response = self.run(request, endpoint, values, fault)
        if fault is not None and fault.kind == "drop_after_commit":
            raise DroppedConnection("drop_after_commit")
        entry["status"] = response.status_code
        return response

    def _log_entry(self, request: Request, tid: str, values: dict) -> dict:
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "requestid": request.args.get("requestid"),
            "status": None,
            "intuit_tid": tid,
            "realm": values.get("realm"),
            "time": response_time(self.state.clock.now()),
            "fault": None,
            "latency": 0.0,
        }

    def run(
        self, request: Request, endpoint: str, values: dict, fault: FaultRule | None
    ) -> Response:
        immediate = self.fault_response(fault)
        if immediate is not None:
            return immediate

        def delay() -> None:
            self.apply_delay(fault)

        if endpoint.startswith("api."):
            return api.serve(self, request, endpoint, values, delay)
        delay()
        try:
            return self.handlers[endpoint](self, request, **values)
        except errors.QBOError as error:
            return api.fault_response(self, error)

    def fault_response(self, fault: FaultRule | None) -> Response | None:
        """Faults answered before anything runs: outages and gateway throttling."""
        if fault is None:
            return None
        if fault.kind == "throttle":
            return api.throttled(self, 60)
        if fault.kind != "status":
            return None
        if fault.status == 500:
            body = errors.system_fault().body(response_time(self.state.clock.now()))
            return Response(wire.dumps(body), 500, mimetype="application/json")
        # 502/503/504 come from the load balancer in front of QBO, as an HTML page.
        return Response(
            errors.SERVICE_UNAVAILABLE_HTML,
            fault.status,
            mimetype="text/html",
            headers={"Retry-After": "30"} if fault.status == 503 else None,
        )

    def apply_delay(self, fault: FaultRule | None) -> None:
        if fault is None:
            return
        if fault.kind == "latency":
            self.shutdown_event.wait(fault.seconds or 0)
        elif fault.kind == "hang":
            self.faults.hang_event().wait(fault.seconds)
            raise DroppedConnection("hang")
