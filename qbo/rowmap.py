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
from datetime import date
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


def _as_text(found: Any) -> str:
    """JSON's spelling of a string, number or boolean; "" for anything else."""
    if isinstance(found, str):
        return found
    if isinstance(found, bool):
        return "true" if found else "false"
    if isinstance(found, int | Decimal):
        return str(found)
    if isinstance(found, float):  # (QBO sends money as numbers; parsed as Decimal here)
        return orjson.dumps(found).decode()
    return ""


def _cut(sql: str, max_length: int | None) -> str:
    return sql if max_length is None else f"left({sql}, {max_length})"


class Text(_PathColumn):
    """A string, number or boolean as text (JSON's spelling), cut to `max_length` (None: a
    TextField, not cut); "" for anything else (missing, null, an object)."""

    def __init__(self, path: str, max_length: int | None) -> None:
        super().__init__(path)
        self.max_length = max_length

    def value(self, obj: dict) -> str:
        return _as_text(_walk(obj, self.path))[: self.max_length]

    def uncut(self) -> str:
        return (
            f"CASE WHEN jsonb_typeof({self.node}) IN ('string', 'number', 'boolean') "
            f"THEN {self.text} ELSE '' END"
        )

    def sql(self) -> str:
        return _cut(self.uncut(), self.max_length)


class Either(Column):
    """The first of some text columns that isn't "" (e.g. FullyQualifiedName, else Name)."""

    def __init__(self, *columns: Text) -> None:
        self.choices = columns

    def value(self, obj: dict) -> str:
        return next((found for c in self.choices if (found := c.value(obj))), "")

    def sql(self) -> str:
        firsts = ", ".join(f"NULLIF({column.sql()}, '')" for column in self.choices)
        return f"COALESCE({firsts}, '')"


class Joined(Column):
    """Text columns that aren't "" joined by `separator`, cut to `max_length` (an address's
    Line1..Line5 kept in one street column)."""

    def __init__(self, *paths: str, separator: str, max_length: int) -> None:
        self.parts = [Text(path, None) for path in paths]
        self.separator, self.max_length = separator, max_length
        if "'" in separator or "%" in separator:
            raise ValueError("a separator is written into SQL: no quotes or %")

    def value(self, obj: dict) -> str:
        found = (part.value(obj) for part in self.parts)
        return self.separator.join(text for text in found if text)[: self.max_length]

    def sql(self) -> str:
        parts = ", ".join(f"NULLIF({part.sql()}, '')" for part in self.parts)
        return _cut(f"concat_ws('{self.separator}', {parts})", self.max_length)


class Choice(Text):
    """One of `choices` (a model field's values); `missing` when the text is "", `other` for
    anything else QBO may send one day."""

    def __init__(self, path: str, choices: Iterable[str], *, missing: str, other: str) -> None:
        super().__init__(path, None)
        self.choices, self.missing, self.other = tuple(choices), missing, other
        if any(not _NAME.match(c) for c in (*self.choices, missing, other)):
            raise ValueError("choices are written into SQL: letters, digits and _ only")

    def value(self, obj: dict) -> str:
        found = super().value(obj)
        if not found:
            return self.missing
        return found if found in self.choices else self.other

    def sql(self) -> str:
        listed = ", ".join(f"'{choice}'" for choice in self.choices)
        text = self.uncut()
        return (
            f"CASE WHEN {text} = '' THEN '{self.missing}' "
            f"WHEN {text} IN ({listed}) THEN {text} ELSE '{self.other}' END"
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


class Day(_PathColumn):
    """A QBO date ('2015-01-16'); None when missing, null or ""."""

    def value(self, obj: dict) -> date | None:
        found = _walk(obj, self.path)
        return date.fromisoformat(found) if found not in (_MISSING, None, "") else None

    def sql(self) -> str:
        return f"NULLIF({self.text}, '')::date"


class When(Column):
    """`column` where `flag` holds, else None (e.g. a quantity only for tracked items)."""

    def __init__(self, flag: Flag, column: Column) -> None:
        self.flag, self.column = flag, column

    def value(self, obj: dict) -> Any:
        return self.column.value(obj) if self.flag.value(obj) else None

    def sql(self) -> str:
        return f"CASE WHEN {self.flag.sql()} THEN {self.column.sql()} END"


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


class Lookup(Column):
    """The pk of `model`'s row whose `field` is `key`'s text, among the rows with the same
    `scope` as the one written (a payment's customer, in its company); None when none is.

    In SQL a subquery per object (the key is indexed with the scope); in Python one query for
    the page (`RowMap.rows`). `row(obj)` leaves it out: it needs the page's scope."""

    def __init__(self, model: type[models.Model], field: str, key: Text, *, scope: str) -> None:
        self.model, self.field, self.key, self.scope = model, field, key, scope

    def value(self, obj: dict) -> Any:
        raise TypeError("a Lookup is resolved for a page (RowMap.rows), not per object")

    def resolve(self, keys: set[str], scope: Any) -> dict[str, Any]:
        manager = self.model._default_manager
        found = manager.filter(**{self.scope: scope, f"{self.field}__in": keys})
        return dict(found.values_list(self.field, "pk"))

    def sql_for(self, connection) -> str:
        quote, meta = connection.ops.quote_name, self.model._meta
        return (
            f"(SELECT t.{quote(meta.pk.column)} FROM {quote(meta.db_table)} AS t "  # noqa: S608
            f"WHERE t.{quote(meta.get_field(self.scope).column)} = %s "
            f"AND t.{quote(meta.get_field(self.field).column)} = {self.key.sql()})"
        )


def qbo_metadata() -> dict[str, Column]:
    """The columns every mirror keeps of a QBO object: its SyncToken, QBO's own create and
    update times, and the object itself (as parsed: its Decimals written digit for digit)."""
    return {
        "sync_token": Text("SyncToken", 20),
        "qbo_created_at": Moment("MetaData.CreateTime"),
        "qbo_updated_at": Moment("MetaData.LastUpdatedTime"),
        "raw": Whole(),
    }


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
        """The mapped columns of one object, in Python (without its lookups)."""
        return {
            name: column.value(obj)
            for name, column in self.columns.items()
            if not isinstance(column, Lookup)
        }

    def rows(self, objects: Sequence[dict], fixed: Mapping[str, Any]) -> list[dict]:
        """A page's rows in Python, `fixed` columns and lookups included (one query each)."""
        rows = [{**fixed, **self.row(obj)} for obj in objects]
        for name, column in self.columns.items():
            if isinstance(column, Lookup):
                keys = [column.key.value(obj) for obj in objects]
                found = column.resolve(set(keys), fixed[self._attname(column.scope)])
                for row, key in zip(rows, keys, strict=True):
                    row[name] = found.get(key)
        return rows

    def _attname(self, name: str) -> str:
        return self.model._meta.get_field(name).attname

    @cached_property
    def _fields(self) -> list[models.Field]:
        return bulk.written_fields(self.model)

    @cache  # noqa: B019 - one per mirror, database and returning, for the life of the process
    def _plan(self, alias: str, returning: tuple[str, ...]) -> tuple[str, list[tuple[str, Any]]]:
        """The statement, and where each of its parameters comes from (before the page's)."""
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = self.model._meta
        selected, sources = [], []
        for field in self._fields:
            column = self.columns.get(field.name)
            if isinstance(column, Lookup):
                selected.append(column.sql_for(connection))
                sources.append(("fixed or default", self._attname(column.scope)))
            elif column is not None and not isinstance(column, Const):
                selected.append(column.sql())
            elif column is not None:
                selected.append(f"%s::{field.db_type(connection)}")
                sources.append(("constant", column.constant))
            else:  # given per call (`fixed=`), or its default; not from QBO
                selected.append(f"%s::{field.db_type(connection)}")
                sources.append(("fixed or default", field.attname))
        columns = ", ".join(quote(f.column) for f in self._fields)
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names are quoted
            f"SELECT {', '.join(selected)} FROM jsonb_array_elements(%s::jsonb) AS o "
            + bulk.on_conflict(self.model, quote, self.unique, self.update)
        )
        if returning:
            sql += " RETURNING " + ", ".join(quote(meta.get_field(n).column) for n in returning)
        return sql, sources

    def upsert(
        self,
        objects: Iterable[dict],
        *,
        fixed: Mapping[str, Any],
        returning: Sequence[str] = (),
        then: str = "",
        then_params: Sequence = (),
    ) -> int | list[tuple]:
        """Write a page of QBO objects (one version per key) with `fixed` columns the same for
        all (e.g. {"company_id": 7, "synced_at": now}). Returns the number of objects sent,
        or with `returning` those fields of each row written (in no particular order).

        `then` (PostgreSQL only: `bulk.one_statement`) is a statement over the rows just
        written, seen as ``written`` (the `returning` columns), sent in the same statement;
        if it selects rows, they are returned."""
        objects = list(objects)
        if not objects:
            return [] if returning and not then else 0
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        if connection.vendor != "postgresql":
            if then:
                raise ValueError("then= needs PostgreSQL (see bulk.one_statement)")
            return bulk.upsert(
                self.model,
                self.rows(objects, fixed),
                unique_fields=self.unique,
                update_fields=self.update,
                returning=returning,
            )
        sql, sources = self._plan(alias, tuple(returning))
        defaults = bulk.defaults(self._fields, timezone.now())
        params = [
            value if kind == "constant" else fixed.get(value, defaults[value])
            for kind, value in sources
        ]
        # The page as QBO sent it (as parsed: Decimals written digit for digit).
        document = orjson.dumps(objects, default=bulk.encode).decode()
        with connection.cursor() as cursor:
            if then:  # a data-modifying CTE: both in one round trip, one snapshot
                cursor.execute(f"WITH written AS ({sql}) {then}", [*params, document, *then_params])
                return cursor.fetchall() if cursor.description else len(objects)
            cursor.execute(sql, [*params, document])
            return cursor.fetchall() if returning else len(objects)
