"""The Accounting API v3 under /v3/company/{realmId}/: reads, writes, queries, PDF, send.

The gateway runs before every handler, in Intuit's order: bearer token (401 with the
gateway's lower-case body), realm and scope (403, code 3100), throttling (429), then the
service; `requestid` replays a stored success without running anything again. CDC and
batch live in their own modules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from qbo_sandbox.api import batch, exchange, latency, pdf, reports, upload
from qbo_sandbox.api.responses import entity_response, fault_response, json_body, once
from qbo_sandbox.books import errors, mutations, wire
from qbo_sandbox.books.clock import response_time
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities import entity_type, schema
from qbo_sandbox.entities.base import EntityType
from qbo_sandbox.feed import cdc
from qbo_sandbox.oauth.tokens import ACCOUNTING, AuthFailure
from qbo_sandbox.query import run as querying

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

logger = logging.getLogger(__name__)
PREFIX = "/v3/company/<realm>"
MAX_REQUEST_ID = 50
Handler = Callable[["SandboxApp", Request, Company, dict], Response]

RULES = [
    Rule(f"{PREFIX}/query", endpoint="api.query", methods=["GET", "POST"]),
    Rule(f"{PREFIX}/cdc", endpoint="api.cdc", methods=["GET"]),
    Rule(f"{PREFIX}/batch", endpoint="api.batch", methods=["POST"]),
    Rule(f"{PREFIX}/upload", endpoint="api.upload", methods=["POST"]),
    Rule(f"{PREFIX}/reports/<report>", endpoint="api.report", methods=["GET"]),
    Rule(f"{PREFIX}/exchangerate", endpoint="api.exchangerate", methods=["GET"]),
    Rule(f"{PREFIX}/<entity>/<ident>/pdf", endpoint="api.pdf", methods=["GET"]),
    Rule(f"{PREFIX}/<entity>/<ident>/send", endpoint="api.send", methods=["POST"]),
    Rule(f"{PREFIX}/<entity>/<ident>", endpoint="api.read", methods=["GET"]),
    Rule(f"{PREFIX}/<entity>", endpoint="api.entity", methods=["GET", "POST"]),
    Rule(f"{PREFIX}/<path:rest>", endpoint="api.unknown"),
]


# --- gateway ---------------------------------------------------------------------------------
def serve(
    app: SandboxApp, request: Request, endpoint: str, values: dict, delay: Callable
) -> Response:
    """Authenticate, authorise, throttle, then run the handler (with any injected delay)."""
    realm = values["realm"]
    refusal = _gate(app, request, realm)
    if refusal is not None:
        return refusal
    retry_after = app.throttle.enter(realm, batch=endpoint == "api.batch")
    if retry_after is not None:
        return throttled(app, retry_after)
    try:
        delay()
        started = time.monotonic()
        response = _run(app, request, app.state.company(realm), endpoint, values)
        _model_latency(app, request, endpoint, started)
        return response
    finally:
        app.throttle.leave(realm)


def _model_latency(app: SandboxApp, request: Request, endpoint: str, started: float) -> None:
    """Answer as late as Intuit would (the work already done counts toward it)."""
    environ = request.environ
    seconds = app.latency.draw(
        latency.kind_of(request.method, endpoint),
        rows=environ.get("sandbox.rows", 0),
        items=environ.get("sandbox.items", 0),
    )
    entry = environ.get("sandbox.log_entry")
    if entry is not None:
        entry["latency"] = round(seconds, 4)
    remaining = seconds - (time.monotonic() - started)
    if remaining > 0:
        app.shutdown_event.wait(remaining)


def _gate(app: SandboxApp, request: Request, realm: str) -> Response | None:
    """The gateway's 401 (token) and 403 (realm, scope), in its lower-case `fault` body."""
    now_ms = int(app.state.clock.timestamp() * 1000)
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    try:
        grant = app.state.oauth.authenticate(token)
    except AuthFailure as failure:
        body = errors.authentication_failed(str(failure), now_ms)
        headers = {"WWW-Authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
        return Response(wire.dumps(body), 401, headers=headers, mimetype="application/json")
    if ACCOUNTING not in grant.scopes:
        detail = "The access token does not have sufficient scope"
    elif grant.realm_id != realm or app.state.company(realm) is None:
        detail = None  # as in the recorded 403 body
    else:
        return None
    body = errors.authorization_failed(detail, now_ms)
    return Response(wire.dumps(body), 403, mimetype="application/json")


def throttled(app: SandboxApp, retry_after: int) -> Response:
    # Real QBO answers 429 in XML even when JSON was asked for (python-quickbooks#43).
    body = errors.throttle_xml(response_time(app.state.clock.now()))
    return Response(
        body, 429, headers={"Retry-After": str(retry_after)}, mimetype="application/xml"
    )


def _run(
    app: SandboxApp, request: Request, company: Company, endpoint: str, values: dict
) -> Response:
    handler = HANDLERS[endpoint]
    request_id = request.args.get("requestid")
    try:
        # A batch keys its replies per item (requestid + bId), so it handles requestid itself.
        if request.method != "POST" or not request_id or endpoint == "api.batch":
            return handler(app, request, company, values)
        if len(request_id) > MAX_REQUEST_ID:
            raise errors.request_id_too_long(request_id)
        return once(app, company, request_id, lambda: handler(app, request, company, values))
    except errors.QBOError as error:
        return fault_response(app, error)
    except Exception:
        logger.exception("sandbox API handler failed")
        return fault_response(app, errors.system_fault())


# --- handlers ----------------------------------------------------------------------------------
def _etype(name: str) -> EntityType:
    etype = entity_type(name)
    if etype is None:
        raise errors.unsupported_operation(f"Operation Could not find resource for entity {name}")
    return etype


def read(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    etype = _etype(values["entity"])
    # CompanyInfo is read as /companyinfo/{realmId}; its own Id is "1".
    ident = "1" if etype.kind == "singleton" else values["ident"]
    if not schema.is_id(ident):
        raise errors.invalid_id(values["ident"])
    obj = company.get(etype.name, ident)
    if obj is None:
        raise errors.object_not_found(etype.name, values["ident"])
    return entity_response(app, etype.name, etype.render(obj))


def entity(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    etype = _etype(values["entity"])
    if request.method == "GET":
        if etype.kind != "singleton":
            raise errors.unsupported_operation(f"Operation GET is not supported for {etype.name}.")
        return entity_response(app, etype.name, etype.render(company.get(etype.name, "1") or {}))
    return entity_response(app, etype.name, write(app, request, company, etype))


def write(app: SandboxApp, request: Request, company: Company, etype: EntityType) -> dict:
    """Create, update (full/sparse), delete or void, chosen the way QBO chooses."""
    operation = request.args.get("operation", "").lower()
    include = {part.strip().lower() for part in request.args.get("include", "").split(",")}
    payload = _payload(request)
    state, name = app.state, etype.name
    if operation == "delete":
        return mutations.delete(state, company, name, payload)
    if operation == "void" or (operation == "update" and "void" in include):
        return mutations.void(state, company, name, payload)
    if etype.kind == "singleton":
        payload = {"Id": "1", **payload}
    if payload.get("Id") not in (None, "") or operation == "update":
        sparse = str(payload.get("sparse", "false")).lower() == "true"
        return mutations.update(
            state, company, name, payload, sparse=sparse, options=frozenset(include)
        )
    return mutations.create(state, company, name, payload, options=frozenset(include))


def _payload(request: Request) -> dict:
    text = request.get_data(as_text=True)
    if not text.strip():
        raise errors.empty_body()
    return wire.request_object(text)


def query(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    text = request.args.get("query", "")
    if request.method == "POST" and request.get_data():
        text = request.get_data(as_text=True)
    answer = querying.run(company, text)
    rows = sum(len(value) for value in answer.values() if isinstance(value, list))
    latency.note(request.environ, rows=rows)
    return json_body(app, {"QueryResponse": answer})


# GET /{entity}/{id}/pdf: Intuit documents it for Invoice and SalesReceipt (python-quickbooks
# mixes QuickbooksPdfDownloadable into exactly those two, and Estimate).
PDF_ENTITIES = ("Invoice", "SalesReceipt")


def invoice_pdf(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    etype = _etype(values["entity"])
    if etype.name not in PDF_ENTITIES:
        raise errors.unsupported_operation(f"Operation PDF is not supported for {etype.name}.")
    if not schema.is_id(values["ident"]):
        raise errors.invalid_id(values["ident"])
    invoice = company.get(etype.name, values["ident"])
    if invoice is None:
        raise errors.object_not_found(etype.name, values["ident"])
    body = pdf.invoice_pdf(company.name, etype.render(invoice), title=etype.name)
    return Response(body, mimetype="application/pdf")


def send(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    etype = _etype(values["entity"])
    obj = mutations.send_form(
        app.state, company, values["ident"], request.args.get("sendTo"), entity=etype.name
    )
    return entity_response(app, etype.name, obj)


def unknown(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    raise errors.unsupported_operation(
        f"Operation Could not find resource for relative : {request.path} "
        f"of full path: {request.url}"
    )


HANDLERS: dict[str, Handler] = {
    "api.read": read,
    "api.entity": entity,
    "api.query": query,
    "api.pdf": invoice_pdf,
    "api.send": send,
    "api.unknown": unknown,
    "api.cdc": cdc.changes,
    "api.batch": batch.run,
    "api.upload": upload.upload,
    "api.report": reports.run,
    "api.exchangerate": exchange.read,
}
