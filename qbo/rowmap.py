"""QBO objects to mirror rows, declared once and run either in Python or inside PostgreSQL.

A mirror declares its columns as paths into QBO's object (`Text("PrimaryEmailAddr.Address",
254)`, `Number("Balance")`, `Flag("Active", default=True)`, `Moment("MetaData.CreateTime")`,
`Whole()` for the object itself). The same declaration gives:

- `RowMap.row(obj)`: the row as a dict, in Python (single writes, SQLite, tests);
- `RowMap.upsert(...)` on PostgreSQL: one ``INSERT … SELECT <the columns as jsonb
  expressions> FROM jsonb_array_elements(<the page>) … ON CONFLICT … DO UPDATE``, so a page of
  QBO objects goes to the server as it came (one JSON document, each object once) and no
  Python runs per row. This is the import's hot path (docs/scaling.md, "Ingest").

Both readings mean the same for what QBO sends and for odd values (a missing key, a null, a
number or boolean where text was expected); tests/qbo/test_rowmap.py holds them to each
other over Intuit's sample payloads and hand-made odd objects. Known to differ: a number in
exponent notation read as text (Python "1E+2", PostgreSQL "100"), which QBO doesn't send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache, cached_property
from typing import Any

import orjson
from django.db import connections, models, router
from django.utils import timezone

from qbo import bulk
from qbo.qbojson import parse_time

_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_MISSING = object()


def _walk(obj: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return _MISSING
        obj = obj[key]
    return obj


def _pointer(path: tuple[str, ...]) -> str:
    """The path as a PostgreSQL text[] literal for `#>` (names are checked: no quoting needed)."""
    return "'{" + ",".join(path) + "}'"


class Column:
    """One column's value from a QBO object (Python) and as an expression over `o` (SQL)."""

    path: tuple[str, ...] = ()

    def value(self, obj: dict) -> Any:
        raise NotImplementedError

    def sql(self) -> str:
        raise NotImplementedError


class _PathColumn(Column):
    def __init__(self, path: str) -> None:
        self.path = tuple(path.split("."))
        if not all(_NAME.match(part) for part in self.path):
            raise ValueError(f"not a QBO field path: {path!r}")

    @property
    def node(self) -> str:
        return f"o #> {_pointer(self.path)}"

    @property
    def text(self) -> str:
        return f"o #>> {_pointer(self.path)}"


class Text(_PathColumn):
    """A string, number or boolean as text (JSON's spelling), cut to `max_length`; "" for
    anything else (missing, null, an object)."""

    def __init__(self, path: str, max_length: int) -> None:
        super().__init__(path)
        self.max_length = max_length

    def value(self, obj: dict) -> str:
        found = _walk(obj, self.path)
        if isinstance(found, str):
            return found[: self.max_length]
        if isinstance(found, bool):
            return "true" if found else "false"
        if isinstance(found, int | Decimal):
            return str(found)[: self.max_length]
        if isinstance(found, float):  # (QBO sends money as numbers; parsed as Decimal here)
            return orjson.dumps(found).decode()[: self.max_length]
        return ""

    def sql(self) -> str:
        return (
            f"CASE WHEN jsonb_typeof({self.node}) IN ('string', 'number', 'boolean') "
            f"THEN left({self.text}, {self.max_length}) ELSE '' END"
        )


class Number(_PathColumn):
    """A decimal; `default` when missing, null or ""."""

    def __init__(self, path: str, default: str = "0") -> None:
        super().__init__(path)
        self.default = Decimal(default)

    def value(self, obj: dict) -> Decimal:
        found = _walk(obj, self.path)
        if found is _MISSING or found is None or found == "":
            return self.default
        if isinstance(found, bool):
            raise ValueError(f"{'.'.join(self.path)} is not a number: {found!r}")
        return found if isinstance(found, Decimal) else Decimal(str(found))

    def sql(self) -> str:
        return f"COALESCE(NULLIF({self.text}, ''), '{self.default}')::numeric"


class Flag(_PathColumn):
    """A boolean; `default` when the key is missing, otherwise JSON's truthiness
    (null, false, 0, "", [] and {} are false)."""

    def __init__(self, path: str, default: bool) -> None:
        super().__init__(path)
        self.default = default

    def value(self, obj: dict) -> bool:
        found = _walk(obj, self.path)
        return self.default if found is _MISSING else bool(found)

    def sql(self) -> str:
        node, text = self.node, self.text
        return (
            f"CASE jsonb_typeof({node}) WHEN 'boolean' THEN ({node})::boolean "
            f"WHEN 'null' THEN false WHEN 'string' THEN {text} <> '' "
            f"WHEN 'number' THEN ({text})::numeric <> 0 "
            f"WHEN 'array' THEN jsonb_array_length({node}) > 0 "
            f"WHEN 'object' THEN {node} <> '{{}}'::jsonb ELSE {str(self.default).lower()} END"
        )


class Moment(_PathColumn):
    """A QBO timestamp ('2015-07-24T10:35:08-07:00'); None when missing, null or ""."""

    def value(self, obj: dict):
        found = _walk(obj, self.path)
        return None if found is _MISSING else parse_time(found)

    def sql(self) -> str:
        return f"NULLIF({self.text}, '')::timestamptz"


class Whole(Column):
    """The object itself (a JSON column): what QBO sent, numbers digit for digit."""

    def value(self, obj: dict) -> dict:
        return obj

    def sql(self) -> str:
        return "o"


class Const(Column):
    """The same value for every object (RowMap sends it as a parameter)."""

    def __init__(self, value: Any) -> None:
        self.constant = value

    def value(self, obj: dict) -> Any:
        return self.constant


class RowMap:
    """A mirror's columns from QBO's objects, keyed by `unique` (e.g. company and QBO id)."""

    def __init__(
        self,
        model: type[models.Model],
        columns: Mapping[str, Column],
        *,
        unique: Sequence[str],
        update: Sequence[str],
    ) -> None:
        self.model, self.columns = model, dict(columns)
        self.unique, self.update = tuple(unique), tuple(update)

    def row(self, obj: dict) -> dict:
        """The mapped columns of one object, in Python."""
        return {name: column.value(obj) for name, column in self.columns.items()}

    @cached_property
    def _fields(self) -> list[models.Field]:
        return bulk.written_fields(self.model)

    @cache  # noqa: B019 - one per mirror and database, for the life of the process
    def _plan(self, alias: str) -> tuple[str, list[tuple[str, Any]]]:
        """The statement, and where each of its parameters comes from (before the page's)."""
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = self.model._meta
        selected, sources = [], []
        for field in self._fields:
            column = self.columns.get(field.name)
            if column is not None and not isinstance(column, Const):
                selected.append(column.sql())
                continue
            selected.append(f"%s::{field.db_type(connection)}")
            if column is not None:
                sources.append(("constant", column.constant))
            else:  # given per call (`fixed=`), or its default; not from QBO
                sources.append(("fixed or default", field.attname))
        columns = ", ".join(quote(f.column) for f in self._fields)
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names are quoted
            f"SELECT {', '.join(selected)} FROM jsonb_array_elements(%s::jsonb) AS o "
            + bulk.on_conflict(self.model, quote, self.unique, self.update)
        )
        return sql, sources

    def upsert(self, objects: Iterable[dict], *, fixed: Mapping[str, Any]) -> int:
        """Write a page of QBO objects (one version per key) with `fixed` columns the same for
        all (e.g. {"company_id": 7, "synced_at": now}). Returns the number of objects sent."""
        objects = list(objects)
        if not objects:
            return 0
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            rows = [{**fixed, **self.row(obj)} for obj in objects]
            return bulk.upsert(
                self.model, rows, unique_fields=self.unique, update_fields=self.update
            )
        sql, sources = self._plan(alias)
        defaults = bulk.defaults(self._fields, timezone.now())
        params = [
            value if kind == "constant" else fixed.get(value, defaults[value])
            for kind, value in sources
        ]
        # The page as QBO sent it (as parsed: Decimals written digit for digit).
        document = orjson.dumps(objects, default=bulk.encode).decode()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, document])
        return len(objects)
