"""Set-based writes that the ORM has no word for: COPY, and UPDATE ... FROM a COPied staging table.

PostgreSQL gets one statement per batch; SQLite (the embedded default) falls back to `bulk_update`.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any

import orjson
from django.db import connection, models

from leads.models import Identity

NULL = "\\N"


def rows_update(*, model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of already-loaded `objects` back in one statement; returns the rows written.

    PostgreSQL: the values are COPied into a temporary table shaped like the target's columns, then one
    `UPDATE t SET f = s.f FROM stage s WHERE t.id = s.id` (cheaper to send and parse than a VALUES list of
    30,000 parameters). SQLite: Django's `bulk_update` in chunks.
    """
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_update(objects, fields, batch_size=500)
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    concrete: list[models.Field] = [pk, *(meta.get_field(name) for name in fields)]  # type: ignore[list-item]
    columns = [str(field.column) for field in concrete]
    names = ", ".join(f'"{column}"' for column in columns)
    # One staging table per column list and session (it outlives the transaction, emptied on commit).
    stage = f"bulk_update_{meta.db_table}_{zlib.crc32(names.encode()):08x}"
    values = attrgetter(*(field.attname for field in concrete))
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS AS '
                       f'SELECT {names} FROM "{meta.db_table}" WITH NO DATA')  # fmt: skip
        rows_copy(cursor=cursor, table=stage, columns=columns,
                  rows=_csv_rows((values(obj) for obj in objects), column_converters(concrete)))  # fmt: skip
        assignments = ", ".join(f'"{column}" = s."{column}"' for column in columns[1:])
        cursor.execute(f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM "{stage}" AS s '
                       f'WHERE t."{pk.column}" = s."{pk.column}"')  # fmt: skip
        written = cursor.rowcount
        cursor.execute(f'TRUNCATE "{stage}"')  # a second call in the same transaction starts empty
    return written


def csv_value(value: Any) -> Any:
    """One value as COPY's CSV reads it: None -> \\N (NULL), dicts -> JSON, booleans -> t/f."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # PostgreSQL accepts offsets up to ±15:59 only; Python up to ±23:59. UTC is always valid.
        return value.astimezone(dt.UTC).isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows_copy(*, cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY rows into `table` from an in-memory CSV (PostgreSQL only; `cursor` is a DB-API cursor).

    Values must already be passed through `csv_value`: NULL is `\\N`, so an empty string stays empty.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerows(rows)
    buffer.seek(0)
    names = ", ".join(f'"{column}"' for column in columns)
    raw = getattr(cursor, "cursor", cursor)  # Django's CursorWrapper -> psycopg2 cursor
    raw.copy_expert(f'COPY "{table}" ({names}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')', buffer)


def ids_reserve(*, model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the table's sequence (PostgreSQL), for rows written by COPY. The
    sequence is looked up once (a scalar subquery), not once per key: a tenth of the cost for 4,000 keys."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(nextval((SELECT pg_get_serial_sequence(%s, %s))::regclass)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],  # type: ignore[union-attr]
        )
        return list(cursor.fetchone()[0])


def _nullable(value: Any) -> Any:
    return NULL if value is None else value


def _boolean(value: Any) -> str:
    return "t" if value else "f"


def _nullable_boolean(value: Any) -> str:
    return NULL if value is None else _boolean(value)


def _json(value: Any) -> str:
    if value is None:
        return NULL
    if value == {}:
        return "{}"
    try:  # orjson: a tenth of json.dumps's time, same compact text (keys made strings as json.dumps does)
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # e.g. an integer beyond 64 bits, which json.dumps writes
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _datetimes() -> Callable[[Any], Any]:
    """csv_value for a datetime column, remembering the last value: a batch's rows mostly share one `now`."""
    last: list[Any] = [None, NULL]

    def convert(value: Any) -> Any:
        if value is not last[0]:
            last[:] = [value, csv_value(value)]
        return last[1]

    return convert


def column_converters(fields: Sequence[models.Field]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, converter) for the columns whose values need converting for COPY's CSV; the others
    (non-null text and integers) go to the CSV writer as they are. One cheap call per value on wide rows."""
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for position, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            converters.append((position, _json))
        elif isinstance(field, models.BooleanField):
            converters.append((position, _nullable_boolean if field.null else _boolean))
        elif isinstance(field, models.DateTimeField):
            converters.append((position, _datetimes()))
        elif isinstance(field, models.CharField | models.TextField | models.IntegerField | models.ForeignKey):
            if field.null:
                converters.append((position, _nullable))
        else:
            converters.append((position, csv_value))
    return converters


def _csv_rows(rows: Iterable[Sequence[Any]], converters: list[tuple[int, Callable[[Any], Any]]]) -> Iterator[list[Any]]:
    for values in rows:
        row = list(values)
        for position, convert in converters:
            row[position] = convert(row[position])
        yield row


def objects_copy(*, model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved model instances with COPY (PostgreSQL): every concrete column, the primary key only
    when the instances carry one (see `ids_reserve`). Python defaults were applied by the constructor."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objects[0].pk is None)]
    values = attrgetter(*(f.attname for f in fields))
    rows = _csv_rows((values(obj) for obj in objects), column_converters(fields))
    with connection.cursor() as cursor:
        rows_copy(cursor=cursor, table=model._meta.db_table, columns=[f.column for f in fields], rows=rows)


def rows_insert(*, model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain rows (values in the order of `fields`, attribute names) without model instances:
    COPY on PostgreSQL, `bulk_create` elsewhere. Columns left out must be nullable or have a database default."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows],
                                           batch_size=500)  # fmt: skip
        return
    field_of = {f.attname: f for f in model._meta.concrete_fields}
    concrete = [field_of[name] for name in fields]
    with connection.cursor() as cursor:
        rows_copy(cursor=cursor, table=model._meta.db_table, columns=[f.column for f in concrete],
                  rows=_csv_rows(rows, column_converters(concrete)))  # fmt: skip


def copies_insert(*, template: models.Model, field: str, values: Sequence[Any]) -> None:
    """One row per value of `field`, every other column as in the unsaved `template` (one enrollment per lead
    id, say), skipping the rows a unique constraint refuses. PostgreSQL: one `INSERT ... SELECT FROM
    unnest(values) ON CONFLICT DO NOTHING`, no model instances; elsewhere `bulk_create(ignore_conflicts)`."""
    if not values:
        return
    model = type(template)
    meta = model._meta
    varying = meta.get_field(field)
    if connection.vendor != "postgresql":
        rows = []
        for value in values:
            row = copy.copy(template)
            setattr(row, varying.attname, value)  # type: ignore[union-attr]
            rows.append(row)
        model._default_manager.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        return
    columns, select, params = [], [], []
    for column in meta.concrete_fields:
        if column.primary_key:
            continue
        columns.append(f'"{column.column}"')
        if column is varying:
            select.append("v.value")
        else:
            select.append(f"%s::{column.db_type(connection)}")
            params.append(column.get_db_prep_save(getattr(template, column.attname), connection))
    sql = (f'INSERT INTO "{meta.db_table}" ({", ".join(columns)}) SELECT {", ".join(select)} '
           f"FROM unnest(%s::{varying.db_type(connection)}[]) AS v(value) ON CONFLICT DO NOTHING")  # type: ignore[union-attr]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(values)])


_IDENTITY_INSERT = (
    'INSERT INTO "leads_identity" (lead_id, kind, value, created_at, updated_at) '
    "SELECT lead_id, kind, value, %s, %s FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS t(lead_id, kind, value) "
    "ON CONFLICT (kind, value) DO NOTHING"
)


def identities_insert(*, rows: Sequence[tuple[int, str, str]], now: Any) -> None:
    """(lead_id, kind, value) rows into leads_identity; a pair already taken is left as it is.

    PostgreSQL: one `INSERT ... SELECT FROM unnest(arrays) ... ON CONFLICT DO NOTHING`.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        identities = [Identity(lead_id=lead, kind=kind, value=value, created_at=now) for lead, kind, value in rows]
        Identity.objects.bulk_create(identities, ignore_conflicts=True, batch_size=500)
        return
    lead_ids, kinds, values = zip(*rows, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(_IDENTITY_INSERT, [now, now, list(lead_ids), [str(kind) for kind in kinds], list(values)])


# One index probe per pair: the planner, left to itself, seq-scans the table for a few thousand values (57 ms
# at 100,000 identities and growing with the table; this form takes 11 ms whatever the table's size).
_IDENTITY_FIND = (
    "SELECT v.kind, v.value, i.lead_id FROM unnest(%s::text[], %s::text[]) AS v(kind, value) "
    'CROSS JOIN LATERAL (SELECT lead_id FROM "leads_identity" WHERE kind = v.kind AND value = v.value OFFSET 0) AS i'
)


def identities_find(pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """(kind, value) -> lead id for the pairs that exist: one query on PostgreSQL (an index probe per pair),
    chunks of `kind IN (...) AND value IN (...)` under SQLite's variable limit."""
    pairs = sorted(set(pairs))
    if connection.vendor == "postgresql":
        if not pairs:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(_IDENTITY_FIND, [[str(kind) for kind, _v in pairs], [value for _k, value in pairs]])
            return {(kind, value): lead for kind, value, lead in cursor.fetchall()}
    kinds, values = {kind for kind, _v in pairs}, sorted({value for _kind, value in pairs})
    found: dict[tuple[str, str], int] = {}
    for start in range(0, len(values), 5000):
        rows = Identity.objects.filter(kind__in=kinds, value__in=values[start : start + 5000])
        found.update(((kind, value), lead) for kind, value, lead in rows.values_list("kind", "value", "lead_id"))
    return {pair: found[pair] for pair in pairs if pair in found}
