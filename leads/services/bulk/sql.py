"""Set-based writes that the ORM has no word for: UPDATE ... FROM (VALUES ...) and COPY.

PostgreSQL gets one statement per batch; SQLite (the embedded default) falls back to `bulk_update`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models

UPDATE_CHUNK = 2000
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
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), UPDATE_CHUNK):
            chunk = objects[start : start + UPDATE_CHUNK]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                for field in concrete:
                    params.append(field.get_db_prep_save(getattr(obj, field.attname), connection))  # type: ignore[union-attr]
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            sql = (
                f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM (VALUES {", ".join([row] * len(chunk))}) '
                f'AS v({alias}) WHERE t."{pk.column}" = v."{pk.column}"::{casts[0]}'
            )
            cursor.execute(sql, params)
            written += cursor.rowcount
    return written


def csv_value(value: Any) -> Any:
    """One value as COPY's CSV reads it: None -> \\N (NULL), dicts -> JSON, booleans -> t/f."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
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


def objects_copy(*, model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved model instances with COPY (PostgreSQL): every concrete column, the primary key only
    when the instances carry one (see `ids_reserve`). Python defaults were applied by the constructor."""
    if not objects:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and objects[0].pk is None)]
    attnames = [f.attname for f in fields]
    rows = ([csv_value(getattr(obj, name)) for name in attnames] for obj in objects)
    with connection.cursor() as cursor:
        rows_copy(cursor=cursor, table=model._meta.db_table, columns=[f.column for f in fields], rows=rows)
