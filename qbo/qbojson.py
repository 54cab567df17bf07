"""QBO JSON in and out: Decimal money as JSON numbers, QBO timestamps, raw copies to store."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any


def _number(value: Decimal) -> int | float:
    # Money and quantities here have at most a few decimals, which floats carry exactly
    # through repr(); Intuit's samples send numbers, not strings.
    return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)


_SCALARS = frozenset({str, int, bool, float, type(None)})


def plain(value: Any) -> Any:
    """A copy with every Decimal turned back into a JSON number (for JSONField storage)."""
    # Imports run this over every object; scalars (most values) are passed without a call.
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _SCALARS else plain(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [item if type(item) in _SCALARS else plain(item) for item in value]
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def dumps(payload: Any) -> str:
    """Serialise a request body for Intuit."""
    return json.dumps(plain(payload), separators=(",", ":"))


def parse_time(value: str | None) -> datetime | None:
    """QBO's ISO-8601 timestamps ('2015-07-24T10:35:08-07:00', with or without millis, 'Z')."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def decimal(value: Any, default: str = "0") -> Decimal:
    if value in (None, ""):
        return Decimal(default)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def ref_value(ref: Any) -> str:
    """The id inside a reference object such as CustomerRef {"value": "1", "name": "..."}."""
    return str(ref.get("value", "")) if isinstance(ref, dict) else ""


def escape(value: str) -> str:
    """Quote a value for the QBO query language (backslash, then single quote)."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


Where = dict[str, object] | Sequence[str] | None


def equals(field: str, value: object) -> str:
    """`field = 'value'`, the value escaped."""
    return f"{field} = '{escape(str(value))}'"


def one_of(field: str, values: Sequence[object]) -> str:
    """`field IN ('a','b')`, every value escaped."""
    quoted = ",".join(f"'{escape(str(value))}'" for value in values)
    return f"{field} IN ({quoted})"


def since(field: str, moment: datetime) -> str:
    """`field >= '<moment in UTC>'`."""
    return f"{field} >= '{iso(moment)}'"


def iso(moment: datetime) -> str:
    """A moment as QBO's queries and CDC take it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _conditions(where: Where) -> list[str]:
    if not where:
        return []
    if isinstance(where, dict):
        return [equals(field, value) for field, value in where.items()]
    return [c for c in where if c]


def select(
    entity: str,
    where: Where = None,
    *,
    order_by: str = "",
    start: int | None = None,
    max_results: int | None = None,
    count: bool = False,
) -> str:
    """A QBO query (its own language, sent to Intuit — not SQL), every value escaped.

    `where` is {field: value} (equalities) or conditions made by equals/one_of/since.
    """
    sql = f"SELECT {'COUNT(*)' if count else '*'} FROM {entity}"  # noqa: S608 - not SQL
    if conditions := _conditions(where):
        sql += " WHERE " + " AND ".join(conditions)
    if order_by:
        sql += f" ORDERBY {order_by}"
    if start is not None:
        sql += f" STARTPOSITION {start}"
    if max_results is not None:
        sql += f" MAXRESULTS {max_results}"
    return sql


def latest_by_id(objects: list[dict]) -> list[dict]:
    """One version per Id, the newest (highest SyncToken): paging by a changing timestamp
    can return an object twice, and one INSERT … ON CONFLICT can't touch a row twice."""
    latest: dict[str, dict] = {}
    for obj in objects:
        key = str(obj["Id"])
        kept = latest.get(key)
        if kept is None or int(obj.get("SyncToken") or 0) >= int(kept.get("SyncToken") or 0):
            latest[key] = obj
    return list(latest.values())
