"""Running a parsed query against one company's tables."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from qbo_sandbox.books import errors
from qbo_sandbox.books.clock import parse_moment
from qbo_sandbox.books.store import Company
from qbo_sandbox.entities import entity_type
from qbo_sandbox.entities.base import EntityType
from qbo_sandbox.query.parser import Condition, Query, parse

_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SCALAR_KEYS = ("value", "Address", "FreeFormNumber", "URI")
Row = dict
Predicate = Callable[[Row], bool]


def run(company: Company, text: str) -> dict:
    """The QueryResponse body for a query: rows, a count, or {} when nothing matched."""
    query = parse(text)
    etype = entity_type(query.entity)
    if etype is None:
        raise errors.query_invalid(f"Entity {query.entity} is not supported or invalid")
    predicates = [_predicate(etype, condition) for condition in query.where]
    if "Active" in etype.fields and not any(c.field.lower() == "active" for c in query.where):
        # QBO leaves inactive names out unless the query asks about Active.
        predicates.append(lambda row: row.get("Active", True) is not False)
    matches = filter(_all_of(predicates), company.rows(etype.name))
    if query.count:
        return {"totalCount": sum(1 for _ in matches)}
    page = _page(etype, query, matches)
    if not page:
        return {}
    items = [etype.render(row) for row in page]
    if query.fields is not None:
        items = _project(etype, items, query.fields)
    answer = {etype.name: items, "startPosition": query.start, "maxResults": len(items)}
    if etype.query_total:
        answer["totalCount"] = len(items)  # as nango_invoice_query.json shows for Invoice
    return answer


def _all_of(predicates: list[Predicate]) -> Predicate | None:
    """One predicate for the conditions (the page of a 100,000-row table is a hot path)."""
    if len(predicates) <= 1:
        return predicates[0] if predicates else None
    return lambda row: all(predicate(row) for predicate in predicates)


def _page(etype: EntityType, query: Query, matches: Iterable[Row]) -> list[Row]:
    start = query.start - 1
    order = [(_getter(etype, name), desc) for name, desc in query.order]
    if not order or (len(query.order) == 1 and query.order[0][0].lower() == "id"):
        # Rows are stored in Id order, so the common cases need no sort and stop early.
        if order and order[0][1]:
            matches = reversed(list(matches))
        return list(islice(matches, start, start + query.max_results))
    rows = list(matches)
    for get, descending in reversed(order):
        rows.sort(key=lambda row, get=get: _sort_key(get(row)), reverse=descending)
    return rows[start : start + query.max_results]


def _project(etype: EntityType, rows: list[Row], fields: list[str]) -> list[Row]:
    """SELECT a, b: only those properties of each row."""
    names = [etype.field_map.get(name.split(".")[0].lower(), name) for name in fields]
    return [{name: row[name] for name in names if name in row} for row in rows]


# --- conditions ----------------------------------------------------------------------------
def _getter(etype: EntityType, path: str) -> Callable[[Row], Any]:
    head, *rest = path.split(".")
    canonical = etype.field_map.get(head.lower())
    if canonical is None:
        raise errors.query_invalid(f"Property {head} not found for Entity {etype.name}")

    def get(row: Row) -> Any:
        value = row.get(canonical)
        for segment in rest:
            if isinstance(value, list):  # AttachableRef.EntityRef...: its first element
                value = value[0] if value else None
            if not isinstance(value, dict):
                return None
            value = _lookup(value, segment)
        if isinstance(value, dict):
            return next((value[key] for key in _SCALAR_KEYS if key in value), None)
        return value

    return get


def _lookup(mapping: dict, key: str) -> Any:
    if key in mapping:
        return mapping[key]
    lowered = key.lower()
    return next((value for name, value in mapping.items() if name.lower() == lowered), None)


def _predicate(etype: EntityType, condition: Condition) -> Predicate:
    get = _getter(etype, condition.field)
    if condition.op == "like":
        pattern = _like(str(condition.values[0]))
        return lambda row: isinstance(value := get(row), str) and bool(pattern.fullmatch(value))
    literals = [_Literal(value) for value in condition.values]
    if condition.op == "in":
        return lambda row: any(lit.compare(get(row)) == 0 for lit in literals)
    literal, op = literals[0], condition.op
    accept = {"=": (0,), "<": (-1,), ">": (1,), "<=": (-1, 0), ">=": (1, 0)}[op]
    return lambda row: literal.compare(get(row)) in accept


def _like(text: str) -> re.Pattern:
    parts = [re.escape(part) for part in text.split("%")]
    return re.compile(".*".join(parts), re.IGNORECASE | re.DOTALL)


class _Literal:
    """A query value, compared the way QBO compares: numbers, dates, then text (no case)."""

    def __init__(self, value: str | Decimal | bool) -> None:
        self.value = value
        self.moment = (
            parse_moment(value) if isinstance(value, str) and _DATE_LIKE.match(value) else None
        )
        self.number = _number(value) if isinstance(value, str | Decimal) else None
        self.text = value.casefold() if isinstance(value, str) else None

    def compare(self, other: Any) -> int | None:
        """-1, 0 or 1 for row value vs literal; None when they cannot be compared."""
        if other is None:
            return None
        if isinstance(self.value, bool):
            return 0 if other is self.value else None
        if self.moment is not None and isinstance(other, str):
            moment = parse_moment(other) if _DATE_LIKE.match(other) else None
            if moment is not None:
                return _cmp(moment, self.moment)
        if self.number is not None and not isinstance(other, bool):
            number = _number(other)
            if number is not None:
                return _cmp(number, self.number)
        if self.text is not None and isinstance(other, str):
            return _cmp(other.casefold(), self.text)
        return None


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int | float):
        return Decimal(str(value))
    if isinstance(value, str) and value and (value[0].isdigit() or value[0] == "-"):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


def _cmp(left: Any, right: Any) -> int:
    return (left > right) - (left < right)


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    number = _number(value)
    if number is not None:
        return (1, number)
    if isinstance(value, str) and _DATE_LIKE.match(value):
        moment = parse_moment(value)
        if moment is not None:
            return (2, moment.timestamp())
    if isinstance(value, datetime):
        return (2, value.timestamp())
    return (3, str(value).casefold())
