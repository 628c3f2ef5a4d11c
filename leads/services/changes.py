"""The change feed: one append-only ChangeLog row per lead change, written in the change's transaction.

Every write service calls `lead_change_record` (set-based writers call `changes_record_bulk`), which also
puts the matching webhook events in the outbox, so a change, its feed row and its webhook commit or roll
back together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from leadflow.roles import Action, user_can
from leads.models import ChangeKind, ChangeLog, Lead
from leads.selectors import leads_visible_to
from leads.services.webhooks import webhook_events_for_changes


def lead_change_record(
    *, lead: Lead, kind: ChangeKind | str, data: Mapping[str, Any] | None = None, at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> ChangeLog:
    """Append one change of `lead` (made at `at`, recorded at `now`) to the feed and queue its webhook
    events. Not idempotent: call once per change, inside the transaction that makes it."""
    return changes_record_bulk(entries=[(lead.pk, kind, dict(data or {}))], at=at, now=now)[0]


def changes_record_bulk(
    *, entries: Sequence[tuple[int, ChangeKind | str, Mapping[str, Any]]], at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> list[ChangeLog]:
    """Append many changes in one INSERT (for bulk ingest): `entries` are (lead_id, kind, data).

    `at` is when the changes happened (default `now`; an import may back-date it), `now` when they are
    recorded. Cursors follow the order of `entries`. Webhook events for them are written set-based as well.
    """
    if not entries:
        return []
    now = now or timezone.now()
    rows = ChangeLog.objects.bulk_create(
        [
            ChangeLog(lead_id=lead_id, kind=ChangeKind(kind), data=dict(data), at=at or now, recorded_at=now)
            for lead_id, kind, data in entries
        ]
    )
    webhook_events_for_changes(changes=rows, now=now)
    return rows


def fields_changed(names: Sequence[str]) -> dict[str, Any]:
    """The data of an `updated` change: which fields changed (values are read from the lead itself)."""
    return {"fields": sorted(set(names))}


FEED_LOCK = 0x1EAD_FEED  # advisory lock key: one position assigner at a time
ASSIGN_LIMIT = 50_000


def changes_positions_assign(*, limit: int = ASSIGN_LIMIT) -> int:
    """Give committed feed rows their feed positions, in id order, after every position given before;
    returns how many rows got one.

    Ids are taken when a row is inserted but rows become visible when their transaction commits, so ids do
    not arrive in order: a reader paging by id could move past a row that commits a moment later. Positions
    are given only to committed rows, by one assigner at a time (an advisory lock), so a row that commits
    later always gets a later position and a reader paging by position never skips one.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FEED_LOCK])
        last = ChangeLog.objects.aggregate(last=Max("position"))["last"] or 0
        table = ChangeLog._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{table}" SET position = %s + t.n FROM (SELECT id, row_number() OVER (ORDER BY id) AS n '
                f'FROM "{table}" WHERE position IS NULL ORDER BY id LIMIT %s) AS t WHERE "{table}".id = t.id',
                [last, limit],
            )
            return cursor.rowcount


def changes_since(*, user: Any, since: int, limit: int) -> list[ChangeLog]:
    """The feed after position `since`, oldest first, as `user` may see it (a read; it lives beside the
    writer because the feed's ordering rule is defined here). Rows without a position yet (see
    `changes_positions_assign`) are not served.

    Roles that see every lead get every change; others only changes of leads visible to them now.
    """
    rows = ChangeLog.objects.filter(position__gt=since).order_by("position")
    if not user_can(user, Action.VIEW_ALL_LEADS):
        rows = rows.filter(lead_id__in=leads_visible_to(user=user).values("id"))
    return list(rows[:limit])
