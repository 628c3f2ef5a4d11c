"""The change feed: one append-only ChangeLog row per lead change, written in the change's transaction.

Every write service calls `lead_change_record` (set-based writers call `changes_record_bulk`), which also
puts the matching webhook events in the outbox, so a change, its feed row and its webhook commit or roll
back together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
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


def changes_since(*, user: Any, since: int, limit: int, now: dt.datetime) -> list[ChangeLog]:
    """The feed after cursor `since`, oldest first, as `user` may see it (a read; it lives beside the writer
    because the feed's ordering rule is defined here).

    Roles that see every lead get every change; others only changes of leads visible to them now. Rows
    recorded in the last CHANGES_SETTLE_SECONDS, and everything after the first of them, are held back: a
    cursor is taken when a row is inserted but becomes visible at commit, so a reader that moved past a fresh
    row could skip an earlier one that commits a moment later.
    """
    rows = ChangeLog.objects.filter(id__gt=since).order_by("id")
    if not user_can(user, Action.VIEW_ALL_LEADS):
        rows = rows.filter(lead_id__in=leads_visible_to(user=user).values("id"))
    settled = now - dt.timedelta(seconds=settings.LEADFLOW["CHANGES_SETTLE_SECONDS"])
    page = []
    for row in rows[:limit]:
        if row.recorded_at > settled:
            break
        page.append(row)
    return page
