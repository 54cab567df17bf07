"""The one place every write goes through: the API, the demo UI, the control API and seeding.

Each operation validates against the entity's rules, stages its writes and side effects in
a UnitOfWork, and commits them atomically; the commit appends change-log rows (entity, id,
operation, time) and notifies listeners, which is where CDC and webhooks hook in.
`hidden` (batch items) lists objects the operation must not see.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from qbo_sandbox.books import errors
from qbo_sandbox.books.clock import meta_time
from qbo_sandbox.books.store import Company, SandboxState, UnitOfWork
from qbo_sandbox.entities import entity_type, schema
from qbo_sandbox.entities.base import (
    COMMON_READ_ONLY,
    EntityType,
    bumped,
    clean,
    ref_value,
    stamp_new,
    stamp_update,
)
from qbo_sandbox.entities.ledger import reassign_transactions, refresh_customers, refresh_parents


def _type(name: str) -> EntityType:
    etype = entity_type(name)
    if etype is None:
        raise errors.unsupported_operation(f"Operation Could not find resource for entity {name}")
    return etype


def _input(etype: EntityType, payload: Mapping) -> dict:
    """The writable fields of a request body, with nulls and empty strings dropped."""
    if not isinstance(payload, Mapping):
        raise errors.invalid_property("request body must be a JSON object")
    schema.check(etype.name, dict(payload))
    skip = COMMON_READ_ONLY | etype.read_only
    return {key: value for key, value in clean(dict(payload)).items() if key not in skip}


def _existing(work: UnitOfWork, etype: EntityType, payload: Mapping) -> dict:
    ident = str(payload.get("Id") or "")
    if not ident:
        raise errors.required_param("Id")
    if not schema.is_id(ident):
        raise errors.invalid_id(ident, "Id")
    existing = work.get(etype.name, ident)
    if existing is None:
        raise errors.object_not_found(etype.name, ident)
    if "SyncToken" not in payload or payload.get("SyncToken") in (None, ""):
        raise errors.required_param("SyncToken")
    if str(payload["SyncToken"]) != existing["SyncToken"]:
        raise errors.stale_object()
    return existing


def _finish(state: SandboxState, work: UnitOfWork, etype: EntityType, obj: dict) -> dict:
    """Commit the unit (change rows, listeners) and answer the object's wire form."""
    state.commit(work)
    return etype.render(obj)


def create(
    state: SandboxState,
    company: Company,
    entity: str,
    payload: Mapping,
    *,
    source: str = "api",
    options: frozenset = frozenset(),
    hidden: frozenset = frozenset(),
    extra: dict | None = None,
) -> dict:
    """`extra`: fields the server adds after validation (an uploaded file's content)."""
    etype = _type(entity)
    if not etype.creatable:
        raise errors.unsupported_operation(f"Operation Create is not supported for {etype.name}.")
    with company.lock:
        work = state.begin(company, source, hidden)
        built = etype.build(work, {**_input(etype, payload), **(extra or {})}, None, options)
        obj = stamp_new(built, company.next_id(etype.name), work.now)
        work.put(etype.name, obj, "Create")
        etype.after_write(work, None, obj)
        return _finish(state, work, etype, obj)


def update(
    state: SandboxState,
    company: Company,
    entity: str,
    payload: Mapping,
    *,
    sparse: bool,
    source: str = "api",
    options: frozenset = frozenset(),
    hidden: frozenset = frozenset(),
    extra: dict | None = None,
) -> dict:
    """Full update (omitted writable fields are cleared) or sparse (only sent fields change)."""
    etype = _type(entity)
    with company.lock:
        work = state.begin(company, source, hidden)
        existing = _existing(work, etype, payload)
        data = {**_input(etype, payload), **(extra or {})}
        if sparse:
            # Nulls, "" and [] are "not sent": python-quickbooks sends its constructor
            # defaults (empty dates, an empty Line list) even in sparse updates.
            sent = {key: value for key, value in data.items() if value != []}
            data = etype.merge(etype.writable(existing), sent)
        built = etype.build(work, data, existing, options)
        obj = stamp_update(built, existing, work.now)
        work.put(etype.name, obj, "Update")
        etype.after_write(work, existing, obj)
        return _finish(state, work, etype, obj)


def delete(
    state: SandboxState,
    company: Company,
    entity: str,
    payload: Mapping,
    *,
    source: str = "api",
    hidden: frozenset = frozenset(),
) -> dict:
    """Only transactions can be deleted; names are deactivated instead."""
    etype = _type(entity)
    if etype.kind != "transaction":
        raise errors.unsupported_operation(f"Operation Delete is not supported for {etype.name}.")
    with company.lock:
        work = state.begin(company, source, hidden)
        existing = _existing(work, etype, payload)
        etype.on_delete(work, existing)
        work.remove(etype.name, existing["Id"])
        etype.after_write(work, existing, None)
        state.commit(work)
        return {"domain": "QBO", "status": "Deleted", "Id": existing["Id"]}


def void(
    state: SandboxState,
    company: Company,
    entity: str,
    payload: Mapping,
    *,
    source: str = "api",
    hidden: frozenset = frozenset(),
) -> dict:
    etype = _type(entity)
    if not etype.voidable:
        raise errors.unsupported_operation(f"Operation Void is not supported for {etype.name}.")
    with company.lock:
        work = state.begin(company, source, hidden)
        existing = _existing(work, etype, payload)
        if existing.get("_voided"):
            raise errors.business_rule("This transaction has already been voided.")
        obj = stamp_update(etype.void(work, existing), existing, work.now)
        work.put(etype.name, obj, "Void")
        etype.after_write(work, existing, obj)
        return _finish(state, work, etype, obj)


SENDABLE = ("Invoice", "Estimate", "SalesReceipt")  # the /send endpoints Intuit documents
_ADDRESS = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


def send_form(
    state: SandboxState,
    company: Company,
    ident: str,
    send_to: str | None,
    *,
    entity: str = "Invoice",
    source: str = "api",
) -> dict:
    """POST /{invoice|estimate|salesreceipt}/{id}/send[?sendTo=]: EmailStatus EmailSent,
    DeliveryInfo {Email, time}, BillEmail overwritten by sendTo, SyncToken bumped (quoted
    Intuit reference in minimul/qbo_api; quickbooks-ruby invoice_send.xml; nango_invoice_send.json).
    No address at all, or one that is not an address → 6000 (code and text unverified)."""
    etype = _type(entity)
    if etype.name not in SENDABLE:
        raise errors.unsupported_operation(f"Operation send is not supported for {etype.name}.")
    with company.lock:
        work = state.begin(company, source)
        existing = work.get(etype.name, ident) if schema.is_id(ident) else None
        if existing is None:
            raise errors.object_not_found(etype.name, ident)
        if existing.get("_voided"):
            raise errors.business_rule("A voided transaction cannot be sent.")
        address = send_to or (existing.get("BillEmail") or {}).get("Address")
        if not address:
            raise errors.business_rule("Missing email address: set BillEmail or pass sendTo.")
        if not _ADDRESS.match(address.strip()):
            raise errors.business_rule(f"Invalid email address: {address}")
        changes = {
            "EmailStatus": "EmailSent",
            "BillEmail": {"Address": address.strip()},
            "DeliveryInfo": {"DeliveryType": "Email", "DeliveryTime": meta_time(work.now)},
        }
        obj = stamp_update({**existing, **changes}, existing, work.now)
        work.put(etype.name, obj, "Emailed")
        return _finish(state, work, etype, obj)


def merge_customers(
    state: SandboxState, company: Company, merged_id: str, into_id: str, *, source: str = "control"
) -> dict:
    """Merge customer `merged_id` into `into_id` as QBO does: the merged-away customer is gone
    (a CDC tombstone), its invoices and payments move to the survivor (each bumped, an Update),
    and the survivor is bumped with one Merge row that names the merged-away id."""
    etype = _type("Customer")
    with company.lock:
        work = state.begin(company, source)
        merged, target = work.get("Customer", merged_id), work.get("Customer", into_id)
        if merged is None:
            raise errors.object_not_found("Customer", merged_id)
        if target is None or target.get("Active") is False:
            raise errors.object_not_found("Customer", into_id)
        if merged_id == into_id:
            raise errors.business_rule("A customer cannot be merged into itself.")
        if any(ref_value(c.get("ParentRef")) == merged_id for c in work.values("Customer")):
            # Unverified: QBO's UI asks to move sub-customers first; the sandbox refuses.
            raise errors.business_rule("A customer with sub-customers cannot be merged.")
        reassign_transactions(work, merged_id, {"value": into_id, "name": target["DisplayName"]})
        work.remove("Customer", merged_id, operation=None)
        work.put("Customer", bumped(target, {}, work.now))
        work.record("Customer", into_id, "Merge", merged_id=merged_id)
        refresh_customers(work, [into_id])
        refresh_parents(work, merged)  # a merged-away sub-customer leaves its parent's jobs
        return _finish(state, work, etype, work.get("Customer", into_id))


def insert_fixed(
    state: SandboxState,
    company: Company,
    entity: str,
    obj: dict,
    *,
    ident: str | None = None,
    source: str = "seed",
) -> dict:
    """Insert an object the API cannot create (CompanyInfo, Preferences, TaxCode) as a Create."""
    with company.lock:
        work = state.begin(company, source)
        if ident is None:
            ident = company.next_id(entity)
        else:
            company.counters[entity] = max(company.counters[entity], int(ident))
        stamped = stamp_new(obj, ident, work.now)
        work.put(entity, stamped, "Create")
        state.commit(work)
        return stamped


def create_many(
    state: SandboxState,
    company: Company,
    entity: str,
    payloads: list[dict],
    *,
    source: str,
    options: frozenset = frozenset(),
) -> list[str]:
    """Create many objects in one commit (generated data): the same rules, one lock; their
    effects on other objects (balances, links) are staged once for all (after_create_many)."""
    etype = _type(entity)
    created: list[dict] = []
    with company.lock:
        work = state.begin(company, source)
        for payload in payloads:
            built = etype.build(work, _input(etype, payload), None, options)
            obj = stamp_new(built, company.next_id(etype.name), work.now)
            work.put(etype.name, obj, "Create")
            created.append(obj)
        etype.after_create_many(work, created)
        state.commit(work)
    return [obj["Id"] for obj in created]
