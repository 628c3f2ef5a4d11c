"""SLA clocks: start, meet, stop and hand over (the breach sweep is in `sla_breach`).

Which clocks a lead should have follows from its stage and owners (`STAGE_POLICIES`):

| stage | policies            | owner                                  |
|-------|---------------------|----------------------------------------|
| lead  | first_touch (hot or high-score leads), follow_up | the SDR owner |
| mql   | mql_accept          | the sales owner                        |
| sal   | sal_qualify         | the sales owner                        |

Invariants: at most one open clock per lead and policy (a partial unique constraint, so starting is
idempotent and two racing starts leave one clock); a clock closes once (compare-and-set on `closed_at`);
`met_late` is set when it closes as met after `due_at`. Every function takes the time it acts at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from leads.choices import Stage, Temperature
from leads.models import Lead
from leads.routing.services import SDR_MIN_SOURCE_SCORE
from nurturing.models import ClockStatus, PolicyCode, SlaClock, SlaPolicy
from nurturing.services.deadlines import deadline_after

STAGE_POLICIES: dict[str, tuple[PolicyCode, ...]] = {
    Stage.LEAD: (PolicyCode.FIRST_TOUCH, PolicyCode.FOLLOW_UP),
    Stage.MQL: (PolicyCode.MQL_ACCEPT,),
    Stage.SAL: (PolicyCode.SAL_QUALIFY,),
}
SDR_POLICIES = (PolicyCode.FIRST_TOUCH, PolicyCode.FOLLOW_UP)
SALES_POLICIES = (PolicyCode.MQL_ACCEPT, PolicyCode.SAL_QUALIFY)
# A logged note is work on the lead (follow-up) but not a first touch of the person.
FIRST_TOUCH_KINDS = frozenset({"call", "meeting", "email", "email_reply", "wecom_message", "chat"})


def sla_policy(code: str) -> SlaPolicy | None:
    """The active policy with this code, or None (inactive policies start no clocks)."""
    return SlaPolicy.objects.filter(code=code, active=True).first()


def sla_due_at(*, policy: SlaPolicy, start: dt.datetime) -> dt.datetime:
    return deadline_after(start=start, amount=policy.deadline, unit=policy.unit)


def policies_expected(*, lead: Lead) -> list[tuple[PolicyCode, int | None]]:
    """The clocks `lead` should have running now, with the owner each runs for (owned leads only)."""
    wanted: list[tuple[PolicyCode, int | None]] = []
    if lead.merged_into_id is not None or lead.erased_at is not None:
        return wanted
    if lead.stage == Stage.LEAD and lead.owner_sdr_id is not None:
        if lead.temperature == Temperature.HOT or lead.source_score >= SDR_MIN_SOURCE_SCORE:
            wanted.append((PolicyCode.FIRST_TOUCH, lead.owner_sdr_id))
        wanted.append((PolicyCode.FOLLOW_UP, lead.owner_sdr_id))
    elif lead.stage == Stage.MQL and lead.owner_sales_id is not None:
        wanted.append((PolicyCode.MQL_ACCEPT, lead.owner_sales_id))
    elif lead.stage == Stage.SAL and lead.owner_sales_id is not None:
        wanted.append((PolicyCode.SAL_QUALIFY, lead.owner_sales_id))
    return wanted


def sla_clock_start(*, lead: Lead, code: str, owner_id: int | None, at: dt.datetime) -> SlaClock | None:
    """Start the `code` clock on `lead` for `owner_id` at `at`. Idempotent: an open clock of that policy is
    returned unchanged (a racing start loses on the unique constraint and returns the winner's clock)."""
    policy = sla_policy(code)
    if policy is None:
        return None
    existing = SlaClock.objects.filter(lead_id=lead.pk, policy=policy, closed_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SlaClock.objects.create(lead_id=lead.pk, policy=policy, owner_id=owner_id, started_at=at,
                                           due_at=sla_due_at(policy=policy, start=at))  # fmt: skip
    except IntegrityError:
        return SlaClock.objects.filter(lead_id=lead.pk, policy=policy, closed_at__isnull=True).first()


SYNC_CHUNK = 2000  # ids per IN list (SQLite caps bound parameters)


def sla_clocks_sync(*, lead_ids: Iterable[int], at: dt.datetime) -> int:
    """Start every clock the leads should have and do not (set-based per chunk: one read, one INSERT that
    skips conflicts). Returns how many were started. Idempotent; used when leads are created."""
    ids = list(lead_ids)
    return sum(_clocks_sync_chunk(ids[i:i + SYNC_CHUNK], at) for i in range(0, len(ids), SYNC_CHUNK))


def _clocks_sync_chunk(lead_ids: list[int], at: dt.datetime) -> int:
    policies = {p.code: p for p in SlaPolicy.objects.filter(active=True)}
    leads = list(Lead.objects.filter(pk__in=lead_ids).filter(Q(owner_sdr__isnull=False) |
                                                                   Q(owner_sales__isnull=False))
                 .only("id", "stage", "temperature", "source_score", "owner_sdr", "owner_sales", "merged_into",
                       "erased_at"))  # fmt: skip
    open_pairs = set(SlaClock.objects.filter(lead_id__in=[lead.pk for lead in leads], closed_at__isnull=True)
                     .values_list("lead_id", "policy__code"))  # fmt: skip
    rows = [
        SlaClock(lead_id=lead.pk, policy=policies[code], owner_id=owner_id, started_at=at,
                 due_at=sla_due_at(policy=policies[code], start=at))
        for lead in leads
        for code, owner_id in policies_expected(lead=lead)
        if code in policies and (lead.pk, code) not in open_pairs
    ]  # fmt: skip
    SlaClock.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def sla_clocks_close(
    *, lead_id: int, codes: Iterable[str], at: dt.datetime, status: ClockStatus, reason: str,
    owner_id: int | None = None,
) -> int:  # fmt: skip
    """Close the lead's open clocks of these policies (only `owner_id`'s when given). Met and returned
    clocks record `met_at` and whether that was late. Compare-and-set: a clock closes once."""
    clocks = SlaClock.objects.filter(lead_id=lead_id, policy__code__in=list(codes), closed_at__isnull=True)
    if owner_id is not None:
        clocks = clocks.filter(owner_id=owner_id)
    closed = 0
    for clock in clocks.only("id", "due_at"):
        fields: dict[str, Any] = {"status": status, "closed_at": at, "close_reason": reason[:120]}
        if status in (ClockStatus.MET, ClockStatus.RETURNED):
            fields |= {"met_at": at, "met_late": at > clock.due_at}
        closed += SlaClock.objects.filter(pk=clock.pk, closed_at__isnull=True).update(**fields)
    return closed


def sla_clocks_hand_over(*, lead_id: int, codes: Iterable[str], to_id: int) -> int:
    """Give the open clocks of these policies to a new owner; the deadline stays (a reassignment buys no
    time)."""
    return SlaClock.objects.filter(lead_id=lead_id, policy__code__in=list(codes), closed_at__isnull=True) \
        .exclude(owner_id=to_id).update(owner_id=to_id)


def sla_on_stage_changed(*, lead_id: int, from_stage: str, to_stage: str, at: dt.datetime) -> None:
    """Close the clocks the new stage no longer has and start the ones it has.

    Leaving a stage forward meets its clocks; a return to the SDR side (mql/sal/sql -> lead) meets them as
    returned (spec: "accepted or returned with reason"); disqualified and lost stop them.
    """
    keep = set(STAGE_POLICIES.get(to_stage, ()))
    ending = [code for code in PolicyCode if code not in keep]
    if to_stage in (Stage.DISQUALIFIED, Stage.LOST):
        status, reason = ClockStatus.CANCELLED, f"stage:{to_stage}"
    elif to_stage == Stage.LEAD:
        status, reason = ClockStatus.RETURNED, "returned"
    else:
        status, reason = ClockStatus.MET, f"stage:{to_stage}"
    # A lead back on the SDR side is worked again (follow-up); first touch belongs to a fresh assignment.
    starting = (PolicyCode.FOLLOW_UP,) if to_stage == Stage.LEAD else STAGE_POLICIES.get(to_stage, ())
    with transaction.atomic():
        sla_clocks_close(lead_id=lead_id, codes=ending, at=at, status=status, reason=reason)
        _start_expected(lead_id, at, codes=starting)


def sla_on_owner_changed(*, lead_id: int, side: str, to_id: int | None, at: dt.datetime) -> None:
    """A new SDR owner gets fresh SDR clocks (the old owner's stop); a new sales owner inherits the running
    sales clocks with their deadline; an owner removed stops that side's clocks."""
    codes = SDR_POLICIES if side == "sdr" else SALES_POLICIES
    with transaction.atomic():
        if to_id is None:
            sla_clocks_close(lead_id=lead_id, codes=codes, at=at, status=ClockStatus.CANCELLED, reason="unassigned")
        elif side == "sdr":
            stale = SlaClock.objects.filter(lead_id=lead_id, policy__code__in=codes, closed_at__isnull=True) \
                .exclude(owner_id=to_id).values_list("owner_id", flat=True)
            for owner_id in set(stale):
                sla_clocks_close(lead_id=lead_id, codes=codes, at=at, status=ClockStatus.CANCELLED,
                                 reason="reassigned", owner_id=owner_id)  # fmt: skip
        else:
            sla_clocks_hand_over(lead_id=lead_id, codes=codes, to_id=to_id)
        _start_expected(lead_id, at, codes=codes)


def sla_on_temperature_changed(*, lead_id: int, to_temperature: str, at: dt.datetime) -> None:
    """A lead turning hot starts its SDR's first-touch clock, unless that SDR already had one on it (met or
    running): turning hot again is no new assignment."""
    if to_temperature == Temperature.HOT:
        _start_expected(lead_id, at, codes=(PolicyCode.FIRST_TOUCH,), first_for_owner=True)


def sla_on_activity_logged(*, lead_id: int, kind: str, at: dt.datetime) -> int:
    """Logged work meets the follow-up clock; a call, email or meeting also meets first touch."""
    codes = [PolicyCode.FOLLOW_UP] + ([PolicyCode.FIRST_TOUCH] if kind in FIRST_TOUCH_KINDS else [])
    return sla_clocks_close(lead_id=lead_id, codes=codes, at=at, status=ClockStatus.MET, reason=f"activity:{kind}")


def _start_expected(lead_id: int, at: dt.datetime, *, codes: Iterable[str], first_for_owner: bool = False) -> None:
    """Start those of `codes` the lead should have now. Only the event's own policies start: a clock met
    earlier is not restarted because something unrelated happened to the lead."""
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return
    allowed = set(codes)
    for code, owner_id in policies_expected(lead=lead):
        if code not in allowed:
            continue
        if first_for_owner and SlaClock.objects.filter(lead_id=lead_id, policy__code=code, owner_id=owner_id).exists():
            continue
        sla_clock_start(lead=lead, code=code, owner_id=owner_id, at=at)
