"""Reads of SLA clocks: per lead (API `sla` field, timeline), per person (inbox, manager board), SDR credit."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from leads.choices import Stage
from leads.models import Lead, StageChange
from leads.selectors import TimelineItem
from nurturing.models import ClockStatus, SlaClock

SDR_CREDIT_WINDOW = dt.timedelta(days=14)
_RETURN_FROM = (Stage.MQL, Stage.SAL, Stage.SQL)


def sla_for_leads(*, lead_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The `sla` field of each lead (spec/api.md: policy, started_at, due_at, met_at, breached_at; plus
    status, met_late and owner), newest clock first. One query for the whole page."""
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    clocks = SlaClock.objects.filter(lead_id__in=lead_ids).select_related("policy").order_by("-started_at", "-id")
    for clock in clocks:
        result[clock.lead_id].append({
            "policy": clock.policy.code, "started_at": clock.started_at, "due_at": clock.due_at,
            "met_at": clock.met_at, "breached_at": clock.breached_at, "status": clock.status,
            "met_late": clock.met_late, "owner": clock.owner_id,
        })  # fmt: skip
    return dict(result)


def sla_timeline_items(*, lead: Lead, limit: int, before: dt.datetime | None) -> list[TimelineItem]:
    """Clock events for the lead timeline: started, met (on time or late), breached, returned, stopped."""
    clocks = SlaClock.objects.filter(lead_id=lead.pk).select_related("policy", "owner").order_by("-started_at")
    items: list[TimelineItem] = []
    for clock in clocks[:limit]:
        base = {"policy": clock.policy.code, "owner": clock.owner.get_username() if clock.owner else None,
                "due_at": clock.due_at.isoformat()}  # fmt: skip
        items.append(TimelineItem(at=clock.started_at, type="sla_started", data=base))
        if clock.breached_at is not None:
            items.append(TimelineItem(at=clock.breached_at, type="sla_breached", data=base))
        if clock.closed_at is not None:
            kind = "sla_met" if clock.status == ClockStatus.MET else f"sla_{clock.status}"
            items.append(TimelineItem(at=clock.closed_at, type=kind,
                                      data={**base, "late": clock.met_late, "reason": clock.close_reason}))
    if before is not None:
        items = [item for item in items if item.at < before]
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def sla_open_clocks(*, owner_ids: list[int] | None = None) -> QuerySet[SlaClock]:
    """Running clocks (of these owners), soonest due first, with lead and policy loaded."""
    clocks = SlaClock.objects.filter(closed_at__isnull=True).select_related("lead", "policy", "owner")
    if owner_ids is not None:
        clocks = clocks.filter(owner_id__in=owner_ids)
    return clocks.order_by("due_at", "id")


@dataclass(frozen=True)
class OwnerClockSummary:
    owner_id: int
    running: int
    overdue: int
    met_on_time: int
    met_late: int
    breached: int


def sla_summary_by_owner(*, owner_ids: list[int], since: dt.datetime, now: dt.datetime) -> dict[int, OwnerClockSummary]:
    """Per person: clocks running and overdue now; met on time, met late and breached since `since`."""
    rows = SlaClock.objects.filter(owner_id__in=owner_ids).values("owner_id").annotate(
        running=Count("id", filter=Q(closed_at__isnull=True)),
        overdue=Count("id", filter=Q(closed_at__isnull=True, due_at__lte=now)),
        met_on_time=Count("id", filter=Q(met_at__gte=since, met_late=False)),
        met_late=Count("id", filter=Q(met_at__gte=since, met_late=True)),
        breached=Count("id", filter=Q(breached_at__gte=since)),
    )  # fmt: skip
    return {row["owner_id"]: OwnerClockSummary(**row) for row in rows}


@dataclass(frozen=True)
class SdrCredit:
    lead_id: int
    mql_at: dt.datetime
    sql_at: dt.datetime | None
    credited: bool
    pending: bool  # reached SQL but the 14 days are not over yet


def sdr_mql_credits(*, sdr_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[SdrCredit]:
    """The SDR's MQLs handed over in [start, end) and whether each counts for them.

    Rule (spec/nurturing.md): an MQL counts for the SDR only when it reached SQL and was not returned within
    14 days. Read as: the lead reached SQL after the MQL, and no return to the SDR side (mql/sal/sql -> lead)
    happened within 14 days of the MQL. Until those 14 days are over the credit is `pending`.
    """
    mqls = list(StageChange.objects.filter(lead__owner_sdr_id=sdr_id, to_stage=Stage.MQL, at__gte=start, at__lt=end)
                .values_list("lead_id", "at").order_by("at"))  # fmt: skip
    lead_ids = [lead_id for lead_id, _at in mqls]
    later = StageChange.objects.filter(lead_id__in=lead_ids).filter(
        Q(to_stage=Stage.SQL) | Q(to_stage=Stage.LEAD, from_stage__in=_RETURN_FROM)
    ).values_list("lead_id", "to_stage", "at")  # fmt: skip
    by_lead: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for lead_id, stage, at in later:
        by_lead[lead_id].append((stage, at))
    credits = []
    for lead_id, mql_at in mqls:
        window_end = mql_at + SDR_CREDIT_WINDOW
        sql_at = min((at for stage, at in by_lead[lead_id] if stage == Stage.SQL and at >= mql_at), default=None)
        returned = any(stage == Stage.LEAD and mql_at <= at < window_end for stage, at in by_lead[lead_id])
        pending = sql_at is not None and not returned and now < window_end
        credited = sql_at is not None and not returned and not pending
        credits.append(SdrCredit(lead_id, mql_at, sql_at, credited, pending))
    return credits
