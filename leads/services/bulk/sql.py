"""Set-based writes that the ORM has no word for: UPDATE ... FROM (VALUES ...) and COPY.

PostgreSQL gets one statement per batch; SQLite (the embedded default) falls back to `bulk_update`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection, models

from leads.models import Identity

UPDATE_CHUNK = 2000
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey,
          models.DateTimeField)  # fmt: skip
NULL = "\\N"


def rows_update(*, model: type[models.Model], objects: Sequence[models.Model], fields: Sequence[str]) -> int:
    """Write `fields` of already-loaded `objects` back in one statement per chunk; returns the rows written.

    PostgreSQL: `UPDATE t SET f = v.f FROM (VALUES ...) v WHERE t.id = v.id`, values adapted by each field's
    own `get_db_prep_save` and cast to its column type. SQLite: Django's `bulk_update` in chunks.
    """
    if not objects:
        return 0
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_update(objects, fields, batch_size=500)
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    pk = meta.pk
    assert pk is not None
    columns = [pk.column, *(field.column for field in concrete)]  # type: ignore[union-attr]
    casts = [pk.db_type(connection), *(field.db_type(connection) for field in concrete)]  # type: ignore[union-attr]
    assignments = ", ".join(
        f'"{field.column}" = v."{field.column}"::{cast}'  # type: ignore[union-attr]
        for field, cast in zip(concrete, casts[1:], strict=True)
    )
    alias = ", ".join(f'"{column}"' for column in columns)
    values = attrgetter(*(field.attname for field in concrete))  # type: ignore[union-attr]
    prepares = [_db_prep(field) for field in concrete]
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), UPDATE_CHUNK):
            chunk = objects[start : start + UPDATE_CHUNK]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params.extend(prepare(value) for prepare, value in zip(prepares, values(obj), strict=True))
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            sql = (
                f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM (VALUES {", ".join([row] * len(chunk))}) '
                f'AS v({alias}) WHERE t."{pk.column}" = v."{pk.column}"::{casts[0]}'
            )
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def _same(value: Any) -> Any:
    return value


def _db_prep(field: Any) -> Callable[[Any], Any]:
    """The field's own `get_db_prep_save`, skipped for the types psycopg2 adapts as they are."""
    if isinstance(field, models.JSONField) or not isinstance(field, _PLAIN):
        return lambda value: field.get_db_prep_save(value, connection)
    return _same


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
    """`count` fresh primary keys from the table's sequence (PostgreSQL), for rows written by COPY."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],  # type: ignore[union-attr]
        )
        return [row[0] for row in cursor.fetchall()]


def _nullable(value: Any) -> Any:
    return NULL if value is None else value


def _boolean(value: Any) -> str:
    return "t" if value else "f"


def _nullable_boolean(value: Any) -> str:
    return NULL if value is None else _boolean(value)


def _json(value: Any) -> str:
    if value is None:
        return NULL
    return "{}" if value == {} else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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
