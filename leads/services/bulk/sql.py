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


def column_converters(fields: Sequence[models.Field]) -> list[tuple[int, Callable[[Any], Any]]]:
    """(position, converter) for the columns whose values need `csv_value`; the others (non-null text and
    integers) go to the CSV writer as they are. Saves a Python call per value on wide rows."""
    plain = (models.CharField, models.TextField, models.IntegerField)
    return [(i, csv_value) for i, field in enumerate(fields)
            if field.null or not isinstance(field, plain) or isinstance(field, models.JSONField)]  # fmt: skip


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


_IDENTITY_STAGE = "CREATE TEMP TABLE IF NOT EXISTS bulk_identity_stage (lead_id bigint, kind text, value text) " \
                  "ON COMMIT DELETE ROWS"  # fmt: skip
_IDENTITY_INSERT = (
    'INSERT INTO "leads_identity" (lead_id, kind, value, created_at, updated_at) '
    "SELECT DISTINCT ON (kind, value) lead_id, kind, value, %s, %s FROM bulk_identity_stage "
    "ORDER BY kind, value ON CONFLICT (kind, value) DO NOTHING"
)


def identities_insert(*, rows: Sequence[tuple[int, str, str]], now: Any) -> None:
    """(lead_id, kind, value) rows into leads_identity; a pair already taken is left as it is.

    PostgreSQL: COPY into a temporary staging table, then one `INSERT ... SELECT ... ON CONFLICT DO NOTHING`.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        identities = [Identity(lead_id=lead, kind=kind, value=value, created_at=now) for lead, kind, value in rows]
        Identity.objects.bulk_create(identities, ignore_conflicts=True, batch_size=500)
        return
    with connection.cursor() as cursor:
        cursor.execute(_IDENTITY_STAGE)
        rows_copy(cursor=cursor, table="bulk_identity_stage", columns=["lead_id", "kind", "value"], rows=rows)
        cursor.execute(_IDENTITY_INSERT, [now, now])
        cursor.execute("TRUNCATE bulk_identity_stage")


IDENTITY_LOCK_SPACE = 0x1EAD  # first key of the two-key advisory locks taken by bulk identity resolution
IDENTITY_LOCK_BUCKETS = 1024


def identities_lock(*, pairs: Iterable[tuple[str, str]]) -> None:
    """Serialise bulk writers that may create the same identity: a transaction-level advisory lock per
    `hashtext(kind:value)` bucket, all taken in one statement in ascending order (so two batches never deadlock
    on each other), held until commit. A concurrent batch with a shared identity waits, then resolves the
    identity the other one committed. No-op outside PostgreSQL (SQLite serialises writers anyway).

    Buckets, not one lock per identity: PostgreSQL's lock table holds about 64 locks per connection, and a
    10,000-row batch would exhaust it; 1,024 buckets bound a batch's locks whatever its size.
    """
    values = sorted({f"{kind}:{value}" for kind, value in pairs})
    if not values or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, b) FROM (SELECT DISTINCT hashtext(v) & %s AS b "
            "FROM unnest(%s::text[]) AS v ORDER BY b) AS buckets",
            [IDENTITY_LOCK_SPACE, IDENTITY_LOCK_BUCKETS - 1, values],
        )
