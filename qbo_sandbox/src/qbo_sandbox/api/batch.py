"""POST /v3/company/{realm}/batch: up to 30 BatchItemRequests, each answered on its own.

Items run serially through the same mutation path and rules as single requests; a failing
item gets its own Fault and the others still run (HTTP 200). References cannot see objects
created by earlier items of the same batch (Intuit's documented limitation); uniqueness
checks and queries do see them, because each item commits as it runs.

`requestid`: QBO joins the batch's requestid and each bId into the item's own request id
(QuickBooks-V3-Java-SDK#180: a 32-character requestid with 36-character bIds faulted every
item with "... which is 68 characters"). So replays are per item: an item whose
requestid + bId already succeeded gets its first answer again, and one over 50 characters
gets a 6000 Fault of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from qbo_sandbox.api import latency
from qbo_sandbox.api.responses import json_body
from qbo_sandbox.books import errors, mutations, wire
from qbo_sandbox.books.store import Company, Reply
from qbo_sandbox.entities import entity_type
from qbo_sandbox.query import run as querying

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

logger = logging.getLogger(__name__)
MAX_ITEMS = 30
MAX_ITEM_REQUEST_ID = 50
ITEM_KEYS = frozenset({"bId", "operation", "optionsData", "Query"})


def run(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    items = _items(wire.request_object(request.get_data(as_text=True)))
    request_id = request.args.get("requestid")
    created: set[tuple[str, str]] = set()
    answers = []
    for item in items:
        bid = str(item["bId"])
        if not request_id:
            answers.append({"bId": bid, **_answer(app, company, item, created)})
            continue
        item_request_id = f"{request_id}{bid}"
        if len(item_request_id) > MAX_ITEM_REQUEST_ID:
            answers.append({"bId": bid, **_fault(errors.request_id_too_long(item_request_id))})
            continue
        answer = _once(
            app, company, item_request_id, lambda i=item: _answer(app, company, i, created)
        )
        answers.append({"bId": bid, **answer})
    latency.note(request.environ, items=len(items))
    return json_body(app, {"BatchItemResponse": answers})


def _items(payload: dict) -> list[dict]:
    """Whole-request checks: a Fault for these and nothing runs."""
    items = payload.get("BatchItemRequest")
    if not isinstance(items, list) or not items:
        raise errors.required_param("BatchItemRequest")
    if len(items) > MAX_ITEMS:
        # Unverified: Intuit documents the limit, not the error it answers past it.
        raise errors.business_rule(
            f"The number of batch items ({len(items)}) exceeds the maximum of {MAX_ITEMS}."
        )
    bids: set[str] = set()
    for item in items:
        if not isinstance(item, dict) or item.get("bId") in (None, ""):
            raise errors.required_param("bId")
        bid = str(item["bId"])
        if bid in bids:
            raise errors.business_rule(f"Duplicate bId {bid}: each batch item needs its own.")
        bids.add(bid)
    return items


def _once(app: SandboxApp, company: Company, key: str, answer: Callable[[], dict]) -> dict:
    """An item's first successful answer again for the same requestid + bId; faults re-run."""
    stored_key = f"batch:{key}"
    with company.lock:
        reply = company.replies.get(stored_key)
        if reply is not None:
            return wire.loads(reply.body)
        result = answer()
        if "Fault" not in result:
            body = wire.dumps(result).encode()
            reply = Reply(200, body, "application/json", app.state.clock.timestamp())
            company.remember_reply(stored_key, reply)
        return result


def _answer(app: SandboxApp, company: Company, item: dict, created: set) -> dict:
    try:
        return _execute(app, company, item, created)
    except errors.QBOError as error:
        return _fault(error)
    except Exception:
        logger.exception("sandbox batch item failed")
        return _fault(errors.system_fault())


def _fault(error: errors.QBOError) -> dict:
    """A batch item's Fault: the single-request Fault body without `time`."""
    return {"Fault": error.body("")["Fault"]}


def _execute(app: SandboxApp, company: Company, item: dict, created: set) -> dict:
    operation = str(item.get("operation") or "").lower()
    if "Query" in item and operation in ("", "query"):
        return {"QueryResponse": querying.run(company, str(item["Query"]))}
    name, payload = _entity_payload(item)
    etype = entity_type(name)
    if etype is None:
        raise errors.unsupported_operation(f"Operation Could not find resource for entity {name}")
    state, hidden = app.state, frozenset(created)
    if operation == "create":
        obj = mutations.create(state, company, etype.name, payload, hidden=hidden)
        created.add((etype.name, obj["Id"]))
    elif operation == "update" and str(item.get("optionsData") or "").lower() == "void":
        obj = mutations.void(state, company, etype.name, payload, hidden=hidden)
    elif operation == "update":
        sparse = str(payload.get("sparse", "false")).lower() == "true"
        obj = mutations.update(state, company, etype.name, payload, sparse=sparse, hidden=hidden)
    elif operation == "delete":
        obj = mutations.delete(state, company, etype.name, payload, hidden=hidden)
    else:
        raise errors.unsupported_operation(f"Operation {operation or '(none)'} is not supported.")
    return {etype.name: obj}


def _entity_payload(item: dict) -> tuple[str, dict]:
    names = [key for key in item if key not in ITEM_KEYS]
    if len(names) != 1:
        raise errors.required_param("an entity (or Query) per BatchItemRequest")
    payload = item[names[0]]
    if not isinstance(payload, dict):
        raise errors.invalid_property(f"{names[0]} must be an object")
    return names[0], payload
