"""JSON on the wire: Decimal money inside, JSON numbers outside."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from qbo_sandbox.books.errors import invalid_property

CENT = Decimal("0.01")


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # QBO writes 0, Qty 1, UnitPrice 275, and amounts such as 150.0 or 629.1.
        if value == 0 or value.as_tuple().exponent >= 0:
            return int(value)
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(payload: Any) -> str:
    return json.dumps(payload, default=_default, separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """Parse a request body, keeping every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def request_object(text: str) -> dict:
    """A request body that must be a JSON object ({} when empty); malformed JSON is 2010."""
    if not text.strip():
        return {}
    try:
        payload = loads(text)
    except ValueError as error:
        raise invalid_property(f"Unable to parse the request body: {error}") from None
    if not isinstance(payload, dict):
        raise invalid_property("the request body must be a JSON object")
    return payload


def to_decimal(value: Any) -> Decimal | None:
    """Accept JSON numbers and numeric strings (python-quickbooks' use_decimal sends strings)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite():
            raise ValueError(value)
        return number
    raise ValueError(value)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
