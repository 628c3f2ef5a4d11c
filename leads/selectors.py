"""Reads of leads. Visibility by role lives here, so the HTML pages and the API agree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from leadflow.roles import Action, Role, user_can, user_roles
from leads.choices import Stage
from leads.hooks import lead_timeline_extra
from leads.models import Lead, LeadEvent, LeadImport, StageChange, Touchpoint

PRE_MQL = (Stage.LEAD, Stage.DISQUALIFIED)


def leads_visible_to(*, user: Any) -> QuerySet[Lead]:
    """Live leads (not merged away) this user may see.

    Marketers, sales managers and admins see all; SDRs see pre-MQL leads and their own; sales reps see
    the leads they own (either side). A user with several roles sees the union.
    """
    live = Lead.objects.filter(merged_into__isnull=True)
    if user_can(user, Action.VIEW_ALL_LEADS):
        return live
    roles = user_roles(user)
    condition = Q(pk__in=[])
    if Role.SDR in roles:
        condition |= Q(stage__in=PRE_MQL) | Q(owner_sdr=user)
    if Role.SALES in roles:
        condition |= Q(owner_sales=user) | Q(owner_sdr=user)
    return live.filter(condition)


def lead_detail_queryset(*, user: Any) -> QuerySet[Lead]:
    return leads_visible_to(user=user).select_related(
        "account", "owner_sdr", "owner_sales", "source_channel", "campaign"
    ).prefetch_related("tags")


# The timeline of one lead: each source is read newest first with the limit, then merged, so a lead with
# a million page views costs three short indexed queries.
MAX_TIMELINE_ITEMS = 500


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    type: str
    data: dict[str, Any]


def lead_timeline(*, lead: Lead, limit: int = 100, before: dt.datetime | None = None) -> list[TimelineItem]:
    """At most `limit` items (capped at MAX_TIMELINE_ITEMS) older than `before`, newest first."""
    limit = max(1, min(limit, MAX_TIMELINE_ITEMS))
    changes = StageChange.objects.filter(lead=lead).select_related("actor")
    touches = Touchpoint.objects.filter(lead=lead).select_related("channel", "campaign")
    events = LeadEvent.objects.filter(lead=lead).select_related("actor")
    if before is not None:
        changes, touches, events = (changes.filter(at__lt=before), touches.filter(occurred_at__lt=before),
                                    events.filter(at__lt=before))  # fmt: skip
    items = [
        *(item for row in changes.order_by("-at", "-id")[:limit] for item in _stage_items(row)),
        *(_touch_item(row) for row in touches.order_by("-occurred_at", "-id")[:limit]),
        *(_event_item(row) for row in events.order_by("-at", "-id")[:limit]),
        *lead_timeline_extra(lead=lead, limit=limit, before=before),  # SLA clocks, messages... (leads.hooks)
    ]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _actor(user: Any, label: str) -> str:
    return user.get_username() if user is not None else label


def _stage_items(row: StageChange) -> list[TimelineItem]:
    """A stage change; the first one (from no stage) is also the lead's `created` item."""
    items = [_stage_item(row)]
    if not row.from_stage:
        items.append(TimelineItem(at=row.at, type="created", data={"actor": _actor(row.actor, row.actor_label)}))
    return items


def _stage_item(row: StageChange) -> TimelineItem:
    return TimelineItem(at=row.at, type="stage_changed", data={
        "from": row.from_stage, "to": row.to_stage, "reason": row.reason, "note": row.note,
        "implied": row.implied, "actor": _actor(row.actor, row.actor_label),
    })  # fmt: skip


def _touch_item(row: Touchpoint) -> TimelineItem:
    return TimelineItem(at=row.occurred_at, type="touchpoint", data={
        "id": row.pk, "kind": row.kind, "channel": row.channel.slug if row.channel else None,
        "campaign": row.campaign.slug if row.campaign else None, "utm_source": row.utm_source,
        "utm_medium": row.utm_medium, "utm_campaign": row.utm_campaign,
    })  # fmt: skip


def _event_item(row: LeadEvent) -> TimelineItem:
    return TimelineItem(at=row.at, type=row.kind, data={**row.data, "actor": _actor(row.actor, row.actor_label)})


def lead_imports_visible_to(*, user: Any, with_rows: bool = False) -> QuerySet[LeadImport]:
    """Imports this user may open: their own, or everyone's for an administrator; none without the right to
    import. The cells (`rows`, up to 50,000 of them) are read only when asked for."""
    imports = LeadImport.objects.select_related("uploaded_by")
    if not with_rows:
        imports = imports.defer("rows")
    if not user_can(user, Action.IMPORT_LEADS):
        return imports.none()
    return imports if user_can(user, Action.ADMINISTER) else imports.filter(uploaded_by=user)

