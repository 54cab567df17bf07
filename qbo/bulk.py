"""The shared upsert path every synced entity's rows take: one statement per page.

On PostgreSQL a page of rows goes to the server as one JSON document and is expanded there
(``INSERT … SELECT … FROM jsonb_to_recordset(%s) … ON CONFLICT … DO UPDATE``): the whole page
is one parameter, serialised by orjson, instead of a model instance and a bound
parameter per column per row (Django's bulk_create spends most of an import's local time
building and escaping those). Elsewhere (SQLite) it is Django's bulk_create, which is correct
if slower. Rows are plain dicts keyed by field attname (``company_id``) or name; a concrete
field a row leaves out gets its default (auto_now fields: now), as bulk_create would.

A JSON column's value may be QBO's object as parsed (Decimals inside): its numbers are written
as the exact decimal text (orjson fragments; PostgreSQL keeps jsonb numbers as numeric), and
the fallback turns them into JSON numbers first (qbojson.plain), so callers needn't copy each
object to convert it.
"""

from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from uuid import UUID

import orjson
from django.db import connections, models, router
from django.utils import timezone

from qbo.qbojson import plain


def encode(value):
    """What json.dumps can't write itself; PostgreSQL parses each into its column's type."""
    if isinstance(value, Decimal):  # as a JSON number, digit for digit
        return orjson.Fragment(str(value))
    if isinstance(value, datetime | date | time):  # (orjson writes these itself)
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot send {type(value).__name__} to the database in bulk")


def written_fields(model: type[models.Model]) -> list[models.Field]:
    """The columns an upsert writes: every concrete field but an auto id and generated ones."""
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)]
    return [f for f in fields if not getattr(f, "generated", False)]


def on_conflict(model: type[models.Model], quote, unique: Sequence[str], updates: Sequence[str]):
    """``ON CONFLICT (<unique>) DO UPDATE SET <each update from EXCLUDED>`` (or DO NOTHING)."""
    column = {name: quote(model._meta.get_field(name).column) for name in (*unique, *updates)}
    assignments = ", ".join(f"{column[n]} = EXCLUDED.{column[n]}" for n in updates)
    return f"ON CONFLICT ({', '.join(column[n] for n in unique)}) DO " + (
        f"UPDATE SET {assignments}" if assignments else "NOTHING"
    )


@cache
def _plan(model: type[models.Model], vendor_key: str, unique: tuple, updates: tuple, ret: tuple):
    """The statement for a model and a set of columns (built once per process)."""
    connection = connections[vendor_key]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = written_fields(model)
    record = ", ".join(f"{quote(f.attname)} {f.db_type(connection)}" for f in fields)
    columns = ", ".join(quote(f.column) for f in fields)
    selected = ", ".join(quote(f.attname) for f in fields)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names are quoted
        f"SELECT {selected} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
        + on_conflict(model, quote, unique, updates)
    )
    if ret:
        sql += " RETURNING " + ", ".join(quote(meta.get_field(name).column) for name in ret)
    known = {f.attname: f for f in fields} | {f.name: f for f in fields}
    return sql, fields, known


def defaults(fields, now) -> dict:
    """Each field's value when a row leaves it out (as Django's save would give it)."""
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:  # its default, or "" for text and None for the rest, as Django's save gives
            defaults[field.attname] = field.get_default()
    return defaults


def upsert(
    model: type[models.Model],
    rows: list[dict],
    *,
    unique_fields: Sequence[str],
    update_fields: Sequence[str],
    returning: Sequence[str] = (),
    then: str = "",
    then_params: Sequence = (),
) -> list[tuple] | int:
    """Insert rows, or update `update_fields` of the row with the same `unique_fields`.

    Returns the number of rows sent, or with `returning` a tuple of those fields per row
    written (in no particular order). Rows must not repeat a unique key (one INSERT … ON
    CONFLICT can't touch a row twice).

    `then` (PostgreSQL only: see `one_statement`) is a statement over the rows just written,
    sent in the same statement: it sees them as ``written`` (the `returning` columns), e.g.
    an UPDATE of rows that copy them. Then the number of rows sent is returned.
    """
    if not rows:
        return [] if returning else 0
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        if then:
            raise ValueError("then= needs PostgreSQL (see one_statement)")
        return _fallback(model, rows, unique_fields, update_fields, returning)
    sql, fields, known = _plan(
        model, alias, tuple(unique_fields), tuple(update_fields), tuple(returning)
    )
    base = defaults(fields, timezone.now())
    page = []
    for row in rows:
        if not row.keys() <= base.keys():
            row = _by_attname(row, known)
        page.append({**base, **row})
    document = orjson.dumps(page, default=encode).decode()
    with connection.cursor() as cursor:
        if then:  # a data-modifying CTE: both in one round trip, one snapshot
            cursor.execute(f"WITH written AS ({sql}) {then}", [document, *then_params])
            return len(rows)
        cursor.execute(sql, [document])
        return cursor.fetchall() if returning else len(rows)


def one_statement(model: type[models.Model]) -> bool:
    """Whether upsert can carry a `then` statement for this model's database (PostgreSQL)."""
    return connections[router.db_for_write(model)].vendor == "postgresql"


def _by_attname(row: dict, known: dict) -> dict:
    result = {}
    for key, value in row.items():
        field = known.get(key)
        if field is None:
            raise ValueError(f"no column for {key!r}")
        if isinstance(value, models.Model):
            value = value.pk
        result[field.attname] = value
    return result


def _fallback(model, rows, unique_fields, update_fields, returning):
    """Django's own bulk upsert (SQLite and others)."""
    manager = model._default_manager
    fields = model._meta.concrete_fields
    known = {f.attname: f for f in fields} | {f.name: f for f in fields}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    objects = [
        model(
            **{k: plain(v) if k in json_fields else v for k, v in _by_attname(row, known).items()}
        )
        for row in rows
    ]
    manager.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=list(unique_fields),
        update_fields=list(update_fields),
    )
    if not returning:
        return len(objects)
    # Read them back by their unique key: the rows of one page share all of it but the last
    # field (a company's rows, keyed by QBO id), which is what every synced entity sends.
    *scope, last = (model._meta.get_field(name).attname for name in unique_fields)
    scoped = {name: getattr(objects[0], name) for name in scope}
    wanted = {getattr(obj, last) for obj in objects}
    if any(getattr(obj, n) != v for obj in objects for n, v in scoped.items()):
        raise ValueError("returning= needs rows that share all but the last unique field")
    return list(manager.filter(**scoped, **{f"{last}__in": wanted}).values_list(*returning))
