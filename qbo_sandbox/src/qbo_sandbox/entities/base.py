"""What every entity type shares: cleaning input, references, numbers, names, stamps."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from qbo_sandbox.books import errors
from qbo_sandbox.books.clock import company_date, meta_time
from qbo_sandbox.books.store import UnitOfWork
from qbo_sandbox.books.wire import to_decimal

COMMON_READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "domain", "sparse", "status", "time"})
USD = {"value": "USD", "name": "United States Dollar"}
DELETED_SUFFIX = re.compile(r" \(deleted(?: \d+)?\)$")
PSEUDO_TAX_CODES = {"TAX": "TAX", "NON": "NON"}


class EntityType:
    """Rules for one QBO entity. Subclasses implement `build` (validate + compute)."""

    name = ""
    kind = "list"  # "name": deactivated, never deleted; "transaction": deletable; "singleton"
    read_only: frozenset[str] = frozenset()
    fields: tuple[str, ...] = ()  # known top-level properties (query validation)
    creatable = True
    voidable = False
    query_total = False  # row queries also carry totalCount (= rows returned)

    def build(
        self, work: UnitOfWork, data: dict, existing: dict | None, options: frozenset
    ) -> dict:
        raise NotImplementedError

    def after_write(self, work: UnitOfWork, old: dict | None, new: dict | None) -> None:
        """Side effects on other objects (balances, links, stock), staged in the same unit."""

    def after_create_many(self, work: UnitOfWork, created: list[dict]) -> None:
        """after_write for objects created together (mutations.create_many): the same effects;
        entities whose effects scan the company do it once for all of them."""
        for obj in created:
            self.after_write(work, None, obj)

    def on_delete(self, work: UnitOfWork, obj: dict) -> None:
        """Staged before the object disappears (e.g. unlink payments)."""

    def void(self, work: UnitOfWork, obj: dict) -> dict:
        raise errors.unsupported_operation(f"Operation Void is not supported for {self.name}.")

    def render(self, obj: dict) -> dict:
        """The wire form of a stored object (stored objects are already in wire shape)."""
        return obj

    def writable(self, obj: dict) -> dict:
        """The fields of a stored object a sparse update starts from."""
        skip = COMMON_READ_ONLY | self.read_only
        return {k: v for k, v in obj.items() if k not in skip and not k.startswith("_")}

    def merge(self, base: dict, patch: dict) -> dict:
        """A sparse update: the fields sent replace the stored ones."""
        return {**base, **patch}

    @cached_property
    def field_map(self) -> dict[str, str]:
        """Query property names, case-insensitively: lower-case name -> property."""
        return {name.lower(): name for name in (*self.fields, "Id", "SyncToken", "MetaData")}


# --- input cleaning ----------------------------------------------------------------------
def clean(value: Any) -> Any:
    """Drop null and empty-string values: QBO treats them as absent on create and full update."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value


def decimal_of(data: dict, key: str, element: str | None = None) -> Decimal | None:
    try:
        return to_decimal(data.get(key))
    except ValueError:
        raise errors.invalid_number(element or key, data.get(key)) from None


def boolean_of(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


# xs:date as QBO binds it: YYYY-MM-DD, optionally with a zone or a time (it keeps the date).
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2}|T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?$")


def date_of(data: dict, key: str, default: date | None = None) -> str | None:
    value = data.get(key)
    if value is None:
        return default.isoformat() if default else None
    match = _DATE.match(str(value).strip())
    try:
        if match is None:
            raise ValueError(value)
        return date.fromisoformat(match.group(1)).isoformat()
    except ValueError:
        raise errors.invalid_date(key, value) from None


def today(work: UnitOfWork) -> date:
    return company_date(work.now)


# --- references --------------------------------------------------------------------------
def ref_value(ref: Any) -> str | None:
    if isinstance(ref, dict) and ref.get("value") not in (None, ""):
        return str(ref["value"])
    return None


def resolve_ref(
    work: UnitOfWork,
    data: dict,
    key: str,
    entity: str,
    *,
    required: bool = False,
    named: bool = True,
    element: str | None = None,
) -> dict | None:
    """Check a reference points at an active object; return it as {value, name}
    (or as sent when `named` is False: QBO echoes some refs, e.g. DepositToAccountRef).
    A value that is not a number is 2030 Invalid ID, naming the reference's `value`."""
    ident = ref_value(data.get(key))
    if ident is None:
        if required:
            raise errors.required_param(element or key)
        return None
    if entity == "TaxCode" and ident in PSEUDO_TAX_CODES:
        return {"value": ident}
    if not ident.strip().isdigit():
        raise errors.invalid_id(ident, f"{element or key}.value")
    target = work.get(entity, ident)
    if target is None or target.get("Active") is False or target.get("_voided"):
        raise errors.object_not_found(entity, ident)
    if not named:
        return {**data[key], "value": ident}
    return {"value": ident, "name": display_of(target)}


def display_of(obj: dict) -> str:
    for key in ("DisplayName", "FullyQualifiedName", "Name"):
        if obj.get(key):
            return str(obj[key])
    return ""


# --- names -------------------------------------------------------------------------------
def base_name(name: str) -> str:
    return DELETED_SUFFIX.sub("", name)


def deactivated_name(work: UnitOfWork, entity: str, name: str, own_id: str | None) -> str:
    """QBO renames an inactive name "X (deleted)"; number further copies to stay unique."""
    candidate, counter = f"{name} (deleted)", 1
    while (owner := work.name_owner(entity, candidate)) and owner != (entity, own_id):
        counter += 1
        candidate = f"{name} (deleted {counter})"
    return candidate


def claim_name(
    work: UnitOfWork, entity: str, name: str, own_id: str | None, kind_label: str
) -> None:
    owner = work.name_owner(entity, name)
    if owner is not None and owner != (entity, own_id):
        label = kind_label if owner[0] == entity else owner[0].lower()
        raise errors.duplicate_name(label)


def check_name_characters(name: str, field: str) -> None:
    if any(char in name for char in ":\t\n"):
        raise errors.business_rule(f"{field} cannot contain a colon (:), tab or newline.")


def active_name(
    work: UnitOfWork, entity: str, name: str, active: bool, own_id: str | None, label: str
) -> str:
    """Apply the " (deleted)" rule and the uniqueness check to a name."""
    name = base_name(" ".join(name.split()))
    if not active:
        return deactivated_name(work, entity, name, own_id)
    claim_name(work, entity, name, own_id, label)
    return name


# --- addresses ---------------------------------------------------------------------------
def stamp_addresses(work: UnitOfWork, obj: dict, existing: dict | None, *keys: str) -> None:
    """QBO gives every stored address an Id (kept on update). It geocodes later, out of band:
    a create's answer has no Lat/Long (nango_customer_create.json, nango_vendor_create.json),
    so the sandbox adds none; addresses copied from a customer keep the customer's."""
    for key in keys:
        address = obj.get(key)
        if not isinstance(address, dict) or not address:
            continue
        address = dict(address)
        if not address.get("Id"):
            previous = (existing or {}).get(key) or {}
            address["Id"] = previous.get("Id") or work.company.next_id("PhysicalAddress")
        obj[key] = address


# --- stamps ------------------------------------------------------------------------------
# The user QBO names in MetaData.LastModifiedByRef of transactions (an Intuit user id).
MODIFIED_BY = {"value": "9341450000000001"}


def stamp_new(obj: dict, ident: str, now: datetime) -> dict:
    stamp = meta_time(now)
    meta = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    return {
        **obj,
        "domain": "QBO",
        "sparse": False,
        "Id": ident,
        "SyncToken": "0",
        "MetaData": meta,
    }


def stamp_update(obj: dict, existing: dict, now: datetime) -> dict:
    meta = {**existing.get("MetaData", {}), "LastUpdatedTime": meta_time(now)}
    token = str(int(existing.get("SyncToken", "0")) + 1)
    return {
        **obj,
        "domain": "QBO",
        "sparse": False,
        "Id": existing["Id"],
        "SyncToken": token,
        "MetaData": meta,
    }


def bumped(obj: dict, changes: dict, now: datetime) -> dict:
    """A system change to another object: new values, SyncToken + 1, LastUpdatedTime now."""
    return stamp_update({**obj, **changes}, obj, now)
