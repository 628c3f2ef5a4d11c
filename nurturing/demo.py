"""SLA clocks and SDR tasks for the demo company (`manage.py seed_demo` runs this through `leads.hooks`).

The demo's leads are written in bulk without signals, so their clocks are built here from their history, as
the receivers and the tick would have built them:

* the last 60 days of hand-offs (MQL -> accepted or returned, SAL -> SQL or returned) become closed clocks,
  met on time or late, with the breach recorded at the due time when late (and counted in SlaBreach);
* today's open MQLs and SALs get running clocks from the moment they entered the stage (a clock already past
  due is recorded as breached at its due time, as the minute tick would have done; no notification storm);
* SDR leads created in the last two days get their first-touch / follow-up clocks and a call task.

Idempotent: nothing is written when the demo leads already have clocks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from django.db import transaction
from django.db.models import QuerySet

from leads.choices import Stage, Temperature
from leads.models import Lead, StageChange
from leads.routing.models import SlaBreach
from leads.routing.services import SDR_MIN_SOURCE_SCORE
from nurturing.models import ClockStatus, PolicyCode, SdrTask, SlaClock, SlaPolicy, TaskKind, TaskSource
from nurturing.services.sla import sla_due_at

HISTORY = dt.timedelta(days=60)
FRESH = dt.timedelta(days=2)
_CLOCKED = {Stage.MQL: PolicyCode.MQL_ACCEPT, Stage.SAL: PolicyCode.SAL_QUALIFY}


def demo_clocks_seed(*, now: dt.datetime) -> int:
    """Write the demo's clocks and tasks; returns how many clocks were written (0 when already seeded)."""
    demo = Lead.objects.filter(attributes__demo=True)
    if SlaClock.objects.filter(lead__in=demo.values("pk")).exists():
        return 0
    policies = {policy.code: policy for policy in SlaPolicy.objects.filter(active=True)}
    with transaction.atomic():
        clocks = _history_clocks(demo, policies, now) + _open_sales_clocks(demo, policies, now)
        clocks += _fresh_sdr_clocks(demo, policies, now)
        SlaClock.objects.bulk_create(clocks, ignore_conflicts=True)
        SlaBreach.objects.bulk_create([
            SlaBreach(user_id=c.owner_id, lead_id=c.lead_id, policy=c.policy.code, breached_at=c.breached_at)
            for c in clocks if c.breached_at is not None and c.owner_id is not None
        ])  # fmt: skip
        _fresh_sdr_tasks(demo, now)
    return len(clocks)


def _clock(lead: Lead, policy: SlaPolicy, owner_id: int | None, start: dt.datetime, now: dt.datetime,
           end: dt.datetime | None = None, status: ClockStatus = ClockStatus.OPEN,
           prebreach: bool = True) -> SlaClock:  # fmt: skip
    """A clock as it stands at `now`; with `prebreach`, one past due is recorded as breached at its due time
    (the SDR clocks are left to the tick, which also recycles an untouched lead)."""
    due = sla_due_at(policy=policy, start=start)
    settled = end if end is not None else now
    breached = due if settled >= due and (prebreach or end is not None) else None
    clock = SlaClock(lead_id=lead.pk, policy=policy, owner_id=owner_id, started_at=start, due_at=due,
                     breached_at=breached, status=status)  # fmt: skip
    if end is not None:
        clock.closed_at, clock.close_reason = end, "demo history"
        if status in (ClockStatus.MET, ClockStatus.RETURNED):
            clock.met_at, clock.met_late = end, end > due
    return clock


def _history_clocks(demo: QuerySet[Lead], policies: dict[str, SlaPolicy], now: dt.datetime) -> list[SlaClock]:
    changes: dict[int, list[StageChange]] = defaultdict(list)
    rows = StageChange.objects.filter(lead__in=demo, at__gte=now - HISTORY).select_related("lead")
    for change in rows.order_by("lead_id", "at", "id"):
        changes[change.lead_id].append(change)
    clocks = []
    for history in changes.values():
        for entered, left in itertools.pairwise(history):
            code = _CLOCKED.get(Stage(entered.to_stage)) if not entered.implied else None
            if code is None or code not in policies:
                continue
            status = ClockStatus.RETURNED if left.to_stage == Stage.LEAD else ClockStatus.MET
            if left.to_stage in (Stage.DISQUALIFIED, Stage.LOST):
                status = ClockStatus.CANCELLED
            clocks.append(_clock(entered.lead, policies[code], entered.lead.owner_sales_id, entered.at, now,
                                 end=left.at, status=status))  # fmt: skip
    return clocks


def _open_sales_clocks(demo: QuerySet[Lead], policies: dict[str, SlaPolicy], now: dt.datetime) -> list[SlaClock]:
    leads = Lead.objects.filter(pk__in=demo.values("pk"), stage__in=list(_CLOCKED),
                                owner_sales__isnull=False)  # fmt: skip
    return [_clock(lead, policies[_CLOCKED[Stage(lead.stage)]], lead.owner_sales_id, lead.stage_changed_at, now)
            for lead in leads if _CLOCKED[Stage(lead.stage)] in policies]  # fmt: skip


def _fresh_sdr_leads(demo: QuerySet[Lead], now: dt.datetime) -> list[Lead]:
    return list(Lead.objects.filter(pk__in=demo.values("pk"), stage=Stage.LEAD,
                                    owner_sdr__isnull=False, created_at__gte=now - FRESH))  # fmt: skip


def _fresh_sdr_clocks(demo: QuerySet[Lead], policies: dict[str, SlaPolicy], now: dt.datetime) -> list[SlaClock]:
    clocks = []
    for lead in _fresh_sdr_leads(demo, now):
        codes = [PolicyCode.FOLLOW_UP]
        if lead.temperature == Temperature.HOT or lead.source_score >= SDR_MIN_SOURCE_SCORE:
            codes.insert(0, PolicyCode.FIRST_TOUCH)
        clocks += [_clock(lead, policies[code], lead.owner_sdr_id, lead.created_at, now, prebreach=False)
                   for code in codes if code in policies]  # fmt: skip
    return clocks


def _fresh_sdr_tasks(demo: QuerySet[Lead], now: dt.datetime) -> None:
    SdrTask.objects.bulk_create([
        SdrTask(lead=lead, assignee_id=lead.owner_sdr_id, kind=TaskKind.CALL, title="首次电话 / First call",
                due_at=lead.created_at + dt.timedelta(hours=4), source=TaskSource.RULE, source_ref="demo:golden-48h",
                key=f"demo:first-call:{lead.pk}", created_at=now)
        for lead in _fresh_sdr_leads(demo, now)
    ], ignore_conflicts=True)  # fmt: skip
