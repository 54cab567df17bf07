"""Change Data Capture: GET /v3/company/{realm}/cdc?entities=A,B&changedSince=...

Built from the company's change log: every object with a change at or after changedSince
comes back as it is now, in the order of its last change (oldest first, so a client that
hits the cap can continue from the last LastUpdatedTime it saw); objects that are gone come
back as tombstones. A merge's row also marks the merged-away customer as changed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from qbo_sandbox.api import latency
from qbo_sandbox.api.responses import json_body
from qbo_sandbox.books import errors
from qbo_sandbox.books.clock import meta_time, parse_moment
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities import entity_type
from qbo_sandbox.entities.base import EntityType

if TYPE_CHECKING:
    from qbo_sandbox.app import SandboxApp

LOOK_BACK = timedelta(days=30)
MAX_OBJECTS = 1000  # per entity per response; there is no paging
NOT_CAPTURED = frozenset({"TaxCode", "TaxRate"})  # Intuit's list of entities CDC does not cover


def changes(app: SandboxApp, request: Request, company: Company, values: dict) -> Response:
    etypes = _entity_types(request.args.get("entities", ""))
    since = _changed_since(request.args.get("changedSince", ""), app.state.clock.now())
    with company.lock:
        latest = _last_changes(company, {etype.name for etype in etypes}, since)
        by_entity: dict[str, list[tuple[str, datetime, dict | None]]] = {}
        for (entity, ident), when in latest.items():
            rows = by_entity.setdefault(entity, [])
            if len(rows) < MAX_OBJECTS:
                rows.append((ident, when, company.get(entity, ident)))
    # Stored objects are never modified in place, so rendering can happen outside the lock.
    responses = [_query_response(etype, by_entity.get(etype.name, [])) for etype in etypes]
    latency.note(request.environ, rows=sum(len(rows) for rows in by_entity.values()))
    return json_body(app, {"CDCResponse": [{"QueryResponse": responses}]})


def _entity_types(text: str) -> list[EntityType]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise errors.required_param("entities")
    etypes: list[EntityType] = []
    for name in names:
        etype = entity_type(name)
        if etype is None or etype.name in NOT_CAPTURED:
            raise errors.unsupported_operation(f"Operation cdc is not supported for entity {name}.")
        if etype not in etypes:
            etypes.append(etype)
    return etypes


def _changed_since(text: str, now: datetime) -> datetime:
    """An ISO date or date-time; without an offset it is the company's local time (what
    python-quickbooks sends). An unencoded "+" arrives as a space and does not parse."""
    if not text.strip():
        raise errors.required_param("changedSince")
    since = parse_moment(text)
    if since is None:
        raise errors.QBOError(
            "2010",
            "Request has invalid or unsupported property",
            f"Property Name:changedSince is not a valid date or date-time: {text}",
            element="changedSince",
        )
    if since < now - LOOK_BACK:
        raise errors.cdc_too_old(text)
    # LastUpdatedTime has whole seconds: count the whole second changedSince falls in.
    return since.replace(microsecond=0)


def _last_changes(
    company: Company, wanted: set[str], since: datetime
) -> dict[tuple[str, str], datetime]:
    """(entity, id) -> time of its last change at or after `since`, in order of that change."""
    latest: dict[tuple[str, str], datetime] = {}
    for change in company.changes:
        if change.entity not in wanted or change.time < since:
            continue
        for ident in (change.id, change.merged_id):
            if ident:
                latest.pop((change.entity, ident), None)
                latest[(change.entity, ident)] = change.time
    return latest


def _query_response(etype: EntityType, rows: list[tuple[str, datetime, dict | None]]) -> dict:
    """One entity's QueryResponse: {} when nothing changed, as QBO answers."""
    if not rows:
        return {}
    objects = [
        etype.render(obj) if obj is not None else _tombstone(ident, when)
        for ident, when, obj in rows
    ]
    return {
        etype.name: objects,
        "startPosition": 1,
        "maxResults": len(objects),
        "totalCount": len(objects),
    }


def _tombstone(ident: str, when: datetime) -> dict:
    return {
        "domain": "QBO",
        "status": "Deleted",
        "Id": ident,
        "MetaData": {"LastUpdatedTime": meta_time(when)},
    }
