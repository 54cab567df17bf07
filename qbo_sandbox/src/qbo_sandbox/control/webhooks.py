"""Control endpoints for webhooks (settings, pause, chaos, flush, the delivery log) and for
merging customers, which the API cannot do but QBO's UI can."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.routing import Rule
from werkzeug.wrappers import Request

from qbo_sandbox.books import errors, mutations
from qbo_sandbox.control.endpoints import C, ControlError, company_of, guarded, request_json
from qbo_sandbox.feed.delivery import Chaos

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

W = f"{C}/webhooks"
RULES = [
    Rule(W, endpoint="control.webhooks", methods=["GET", "POST"]),
    Rule(f"{W}/pause", endpoint="control.webhooks_pause", methods=["POST"]),
    Rule(f"{W}/resume", endpoint="control.webhooks_resume", methods=["POST"]),
    Rule(f"{W}/flush", endpoint="control.webhooks_flush", methods=["POST"]),
    Rule(f"{W}/chaos", endpoint="control.webhooks_chaos", methods=["GET", "POST"]),
    Rule(f"{W}/deliveries", endpoint="control.webhooks_deliveries", methods=["GET", "DELETE"]),
    Rule(
        f"{C}/companies/<realm>/customers/<ident>/merge",
        endpoint="control.merge_customer",
        methods=["POST"],
    ),
]


def settings(app: SandboxApp, request: Request) -> dict:
    """GET: settings and queue status; POST {"url", "format", "window", "retry_scale"}."""
    if request.method == "POST":
        body = request_json(request)
        known = {"url", "format", "window", "retry_scale"}
        app.webhooks.configure(**{key: value for key, value in body.items() if key in known})
    return app.webhooks.status()


def pause(app: SandboxApp, request: Request) -> dict:
    app.webhooks.pause(True)
    return app.webhooks.status()


def resume(app: SandboxApp, request: Request) -> dict:
    app.webhooks.pause(False)
    return app.webhooks.status()


def flush(app: SandboxApp, request: Request) -> dict:
    timeout = float(request_json(request).get("timeout", 10.0))
    return {"flushed": app.webhooks.flush(timeout), **app.webhooks.status()}


def chaos(app: SandboxApp, request: Request) -> dict:
    if request.method == "POST":
        body = request_json(request)
        percent = {kind: float(body.get(kind) or 0) for kind in Chaos.KINDS}
        return app.webhooks.set_chaos(**percent)
    return app.webhooks.status()["chaos"]


def deliveries(app: SandboxApp, request: Request) -> dict:
    if request.method == "DELETE":
        app.webhooks.log.clear()
        return {"deliveries": []}
    limit = int(request.args["limit"]) if request.args.get("limit") else None
    rows = app.webhooks.log.entries(realm=request.args.get("realm"), limit=limit)
    return {"deliveries": rows}


def merge_customer(app: SandboxApp, request: Request, realm: str, ident: str) -> dict:
    into = str(request_json(request).get("into") or "")
    if not into:
        raise ControlError("into (the surviving customer's Id) is required")
    try:
        customer = mutations.merge_customers(app.state, company_of(app, realm), ident, into)
    except errors.QBOError as error:
        raise ControlError(f"{error.code} {error.message}: {error.detail}") from None
    return {"Customer": customer}


HANDLERS = {
    f"control.{name}": guarded(func)
    for name, func in {
        "webhooks": settings,
        "webhooks_pause": pause,
        "webhooks_resume": resume,
        "webhooks_flush": flush,
        "webhooks_chaos": chaos,
        "webhooks_deliveries": deliveries,
        "merge_customer": merge_customer,
    }.items()
}
