"""The data version analytics results are cached under: it changes whenever the figures' inputs change.

A probe, not a counter kept in step by every writer: the newest id of the append-only history tables
(stage changes, touchpoints), the newest `updated_at` and the row count of the small money tables (costs,
opportunities, revenue events) and the newest lead `updated_at`. Each term reads an index end or a small
table, so the probe costs a few milliseconds on the full dataset. Deleting history rows is not seen by the
max-id terms, so deletes of those models also bump a counter kept in the cache (`data_version_bump`).
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.db import connection

BUMP_KEY = "analytics:version-bump"


def _probe_sql() -> str:
    from leads.models import Cost, Lead, Opportunity, RevenueEvent, StageChange, Touchpoint

    def table(model: type) -> str:
        return connection.ops.quote_name(model._meta.db_table)  # type: ignore[attr-defined]

    terms = [
        f"(SELECT max(id) FROM {table(StageChange)})",
        f"(SELECT max(id) FROM {table(Touchpoint)})",
        f"(SELECT max(updated_at) FROM {table(Lead)})",
        *(f"(SELECT max(updated_at) FROM {table(m)})" for m in (Cost, Opportunity, RevenueEvent)),
        *(f"(SELECT count(*) FROM {table(m)})" for m in (Cost, Opportunity, RevenueEvent)),
    ]
    return "SELECT " + ", ".join(terms)


def data_version() -> str:
    """A short token that differs whenever analytics inputs changed (one query, read-only)."""
    with connection.cursor() as cursor:
        cursor.execute(_probe_sql())
        row = cursor.fetchone()
    raw = "|".join(str(value) for value in row) + f"|{cache.get(BUMP_KEY, 0)}"
    return hashlib.sha1(raw.encode()).hexdigest()[:12]


def data_version_bump() -> None:
    """Make every cached result stale (after deletes the probe cannot see). Idempotent in effect."""
    try:
        cache.incr(BUMP_KEY)
    except ValueError:
        cache.set(BUMP_KEY, 1, None)
