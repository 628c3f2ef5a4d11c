"""Today's hand-offs in the demo, so each sales rep opens the inbox to MQLs waiting against the clock.

The demo's history ends with almost every MQL already accepted; real mornings do not. This takes a few of each
SDR's best open leads and qualifies them through the real services (`lead_assign_owner`, `lead_transition`):
history, change feed and the SLA acceptance clock (started by nurturing from the stage signal) follow exactly
as when an SDR qualifies a lead by hand. Deterministic: the best leads by grade and id; idempotent: a rep who
already has MQLs waiting gets none.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Case, IntegerField, Value, When

from leads.choices import OwnerSide, Stage
from leads.demo.catalog import SALES_REPS
from leads.models import Lead
from leads.services.leads import lead_assign_owner
from leads.services.stages import lead_transition

PER_REP = 3
HOURS_AGO = (2, 7, 19)  # one fresh, one mid-day, one close to its 24 h acceptance deadline


def demo_fresh_mqls(*, users: dict[str, User], now: dt.datetime) -> int:
    """Qualify PER_REP open leads per sales rep to MQL within the last day; returns how many."""
    reps = [users[name] for name in SALES_REPS if name in users]
    waiting = set(Lead.objects.filter(stage=Stage.MQL, owner_sales__in=reps).values_list("owner_sales", flat=True))
    wanted = [rep for rep in reps if rep.pk not in waiting]
    candidates = list(
        Lead.objects.filter(stage=Stage.LEAD, owner_sdr__isnull=False, merged_into__isnull=True,
                            erased_at__isnull=True, stage_changed_at__lt=now - dt.timedelta(days=1))
        .exclude(grade="")
        .annotate(hot=Case(When(temperature="hot", then=Value(0)), default=Value(1), output_field=IntegerField()))
        .select_related("owner_sdr").order_by("hot", "grade", "id")[: PER_REP * len(wanted)]
    )  # fmt: skip
    made = 0
    for index, lead in enumerate(candidates):
        rep = wanted[index % len(wanted)]
        at = now - dt.timedelta(hours=HOURS_AGO[(index // len(wanted)) % len(HOURS_AGO)])
        lead_assign_owner(lead=lead, side=OwnerSide.SALES, user=rep, actor=lead.owner_sdr, at=at)
        lead_transition(lead=lead, to=Stage.MQL, actor=lead.owner_sdr, at=at, now=now,
                        bant={"budget": True, "need": True, "notes": "需求明确，预算已申请"})  # fmt: skip
        made += 1
    return made
