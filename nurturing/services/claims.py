"""The tick's scan and claim queries, compiled to SQL once and run with each call's values.

Every minute the tick runs the same handful of queries with a new `now`. Building a QuerySet and compiling
it costs about half a millisecond of Python each time, as much as the indexed scan itself (benchmark 5).
`compiled_rows(key, build, **values)` builds and compiles the query once per `key` and database, then binds
the call's values to the stored SQL:

* `build(**values)` returns the QuerySet (usually `values_list("pk", flat=True)[:limit]`). It is called once,
  with stand-in values: a far-away date for each datetime value (year 200, 400, ...) and an unlikely negative
  number for each integer value.
* In the compiled parameters, a datetime within 90 years of a stand-in date is that value plus the same
  offset (so `now - 30 days` follows `now`), a stand-in number is that value, anything else is a constant.
* What else shapes the SQL (the limit, a sequence's settings, which values are given) belongs in `key`.

Rows come back as the database returns them, without Django's field converters: ids, numbers and datetimes
on PostgreSQL. Other databases (SQLite, the embedded default) run the QuerySet itself each time, so the two
paths answer the same. A locking query (`select_for_update`) still needs a transaction, as in Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesListIterable
from django.db.transaction import TransactionManagementError

Value = dt.datetime | int
_STAND_IN_YEARS = (200, 400, 600, 800)
_NEAR = dt.timedelta(days=90 * 365)
_STAND_IN_NUMBERS = (-7_340_000_000_011, -7_340_000_000_013, -7_340_000_000_017, -7_340_000_000_019)
_CACHE_SIZE = 512


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # Per parameter: ("at", name, offset) | ("number", name, None) | ("constant", value, None)
    params: tuple[tuple[str, Any, Any], ...]
    flat: bool
    locking: bool


_cache: dict[tuple[str, Hashable], _Compiled] = {}


def compiled_rows(key: Hashable | None, build: Callable[..., QuerySet[Any, Any]], *, using: str = DEFAULT_DB_ALIAS,
                  **values: Value) -> list[Any]:  # fmt: skip
    """The rows of `build(**values)`: a list of values for a flat `values_list`, else tuples. `key` None:
    not cached (the QuerySet runs as usual)."""
    connection = connections[using]
    if key is None or connection.vendor != "postgresql":
        return list(build(**values))
    compiled = _cache.get((using, key))
    if compiled is None:
        compiled = _compile(build, values, using)
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[(using, key)] = compiled
    if compiled.locking and connection.get_autocommit():
        raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
    params = [_bind(item, values) for item in compiled.params]
    rows = _execute(connection, compiled.sql, params)
    return [row[0] for row in rows] if compiled.flat else [tuple(row) for row in rows]


def _execute(connection: Any, sql: str, params: list[Any]) -> list[Any]:
    """Django's cursor wrapper costs ~0.1 ms a query in checks; keep the ones that matter (a connection, no
    broken transaction, Django's errors) and skip the rest, unless queries are being logged (DEBUG, tests)."""
    if connection.queries_logged:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = connection.create_cursor()
        try:
            cursor.execute(sql, params)
            return list(cursor.fetchall())
        finally:
            cursor.close()


def compiled_clear() -> None:
    """Forget every compiled query (tests that change the schema or settings)."""
    _cache.clear()


def _stand_ins(values: dict[str, Value]) -> dict[str, Value]:
    dates, numbers = iter(_STAND_IN_YEARS), iter(_STAND_IN_NUMBERS)
    stand_ins: dict[str, Value] = {}
    for name, value in values.items():
        if isinstance(value, dt.datetime):
            stand_ins[name] = dt.datetime(next(dates), 1, 1, tzinfo=dt.UTC)
        elif isinstance(value, int) and not isinstance(value, bool):
            stand_ins[name] = next(numbers)
        else:
            raise TypeError(f"compiled_rows: {name} must be a datetime or an int (put other inputs in the key)")
    return stand_ins


def _compile(build: Callable[..., QuerySet[Any, Any]], values: dict[str, Value], using: str) -> _Compiled:
    stand_ins = _stand_ins(values)
    query = build(**stand_ins)
    sql, params = query.query.get_compiler(using).as_sql()
    dates = {name: value for name, value in stand_ins.items() if isinstance(value, dt.datetime)}
    numbers = {value: name for name, value in stand_ins.items() if not isinstance(value, dt.datetime)}
    spec = tuple(_spec(param, dates, numbers) for param in params)
    if query._iterable_class not in (FlatValuesListIterable, ValuesListIterable):
        raise TypeError("compiled_rows: build must return a values_list() QuerySet")
    flat = query._iterable_class is FlatValuesListIterable
    return _Compiled(sql=sql, params=spec, flat=flat, locking=bool(query.query.select_for_update))


def _spec(param: Any, dates: dict[str, dt.datetime], numbers: dict[int, str]) -> tuple[str, Any, Any]:
    if isinstance(param, dt.datetime):
        for name, stand_in in dates.items():
            if abs(param - stand_in) < _NEAR:
                return ("at", name, param - stand_in)
    elif isinstance(param, dt.date) and param.year < 1000:
        raise TypeError("compiled_rows: a date derived from a value cannot be bound; compile without the cache")
    elif type(param) is int and param in numbers:
        return ("number", numbers[param], None)
    return ("constant", param, None)


def _bind(item: tuple[str, Any, Any], values: dict[str, Value]) -> Any:
    kind, what, offset = item
    if kind == "at":
        return values[what] + offset
    if kind == "number":
        return values[what]
    return what
