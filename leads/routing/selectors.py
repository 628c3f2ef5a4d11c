"""Reads for routing: months, SLA breaches and the penalty, eligible members, weights, load, history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import LeadEventKind, OwnerSide, Stage
from leads.models import Lead, LeadEvent
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.models import (
    RULE_LABEL_PREFIX,
    AssignmentRule,
    MonthlyAllocation,
    Notification,
    SlaBreach,
    Team,
    UserPreference,
)

CLOSED_STAGES = frozenset({Stage.CUSTOMER, Stage.DISQUALIFIED, Stage.LOST})
BREACHES_FOR_PENALTY = 2
_TEAM_ROLE = {TeamRole.SDR: Role.SDR, TeamRole.SALES: Role.SALES}


def month_start(now: dt.datetime) -> dt.date:
    """The first day of the calendar month `now` falls in, in the business time zone."""
    return timezone.localdate(now).replace(day=1)


def month_shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(month, dt.time.min, tzinfo=zone)
    return start, dt.datetime.combine(month_shift(month, 1), dt.time.min, tzinfo=zone)


def breaches_by_user(*, month: dt.date) -> dict[int, int]:
    """SLA breaches per user in the calendar month starting at `month` (business time zone)."""
    start, end = _month_bounds(month)
    rows = (SlaBreach.objects.filter(breached_at__gte=start, breached_at__lt=end)
            .values("user_id").annotate(n=Count("id")).values_list("user_id", "n"))  # fmt: skip
    return dict(rows)


def breach_factor() -> float:
    return float(settings.LEADFLOW["ROUTING_BREACH_FACTOR"])


def penalised_user_ids(*, month: dt.date) -> set[int]:
    """People whose share is reduced in `month`: 2 or more SLA breaches in the month before."""
    counts = breaches_by_user(month=month_shift(month, -1))
    return {user_id for user_id, n in counts.items() if n >= BREACHES_FOR_PENALTY}


def team_eligible_members(*, team: Team) -> list[User]:
    """Active members holding the team's role (superusers hold every role). Never anyone else."""
    role = _TEAM_ROLE[TeamRole(team.role)]
    members = team.members.filter(is_active=True).filter(Q(groups__name=role.value) | Q(is_superuser=True))
    return list(members.distinct().order_by("username"))


def member_weights(*, rule: AssignmentRule, users: list[User], month: dt.date) -> dict[int, float]:
    """Each person's share for the rule in `month`: 1 each for round robin; the monthly allocation for weighted
    (no allocation set for the team that month: 1 each; set for others but not this person: 0). The breach
    penalty multiplies either."""
    weights: dict[int, float] = {user.pk: 1.0 for user in users}
    if rule.method == AssignmentMethod.WEIGHTED:
        allocations = dict(MonthlyAllocation.objects.filter(team_id=rule.team_id, month=month)
                           .values_list("user_id", "weight"))  # fmt: skip
        if allocations:
            weights = {user.pk: float(allocations.get(user.pk, 0)) for user in users}
    factor = breach_factor()
    for user_id in penalised_user_ids(month=month) & set(weights):
        weights[user_id] *= factor
    return weights


def open_load(*, user_ids: list[int], side: str) -> dict[int, int]:
    """Open (not closed, merged or erased) leads each person owns on `side`."""
    field = "owner_sdr_id" if side == OwnerSide.SDR else "owner_sales_id"
    owned = Lead.objects.filter(**{f"{field}__in": user_ids}, merged_into__isnull=True, erased_at__isnull=True)
    rows = owned.exclude(stage__in=CLOSED_STAGES).values(field).annotate(n=Count("id")).values_list(field, "n")
    load = dict.fromkeys(user_ids, 0)
    load.update(dict(rows))
    return load


def rules_for_side(*, side: str) -> QuerySet[AssignmentRule]:
    return (AssignmentRule.objects.filter(active=True, side=side).select_related("team", "segment")
            .order_by("order", "id"))  # fmt: skip


def rule_history(*, rule: AssignmentRule) -> QuerySet[LeadEvent]:
    """Owner changes this rule made (its actor label starts with "rule:<id> "), newest first."""
    return (LeadEvent.objects.filter(kind=LeadEventKind.OWNER_CHANGED,
                                     actor_label__startswith=f"{RULE_LABEL_PREFIX}{rule.pk} ")
            .select_related("lead").order_by("-at", "-id"))  # fmt: skip


def user_language(*, user: Any) -> str:
    """The language to write to this person in: their preference, else the site default."""
    language = UserPreference.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def notifications_for(*, user: Any, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user_id=user.pk).select_related("lead")[:limit])


def notifications_unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def members_choosable(*, include: Iterable[int] = ()) -> QuerySet[User]:
    """Users a team may hold: active SDRs and sales reps (and superusers), plus `include` so a form shows
    current members who no longer qualify (the service then refuses them by name)."""
    roles = [Role.SDR.value, Role.SALES.value]
    eligible = Q(is_active=True) & (Q(groups__name__in=roles) | Q(is_superuser=True))
    return User.objects.filter(eligible | Q(pk__in=list(include))).distinct().order_by("username")


@dataclass(frozen=True)
class AllocationCell:
    """One person's share in one month: what sales ops set (None: not set), what routing uses after the
    breach penalty (`effective`), with the breaches of the month before that caused it, and the percentage
    of the team's weighted leads that makes (None for someone routing cannot pick)."""

    month: dt.date
    weight: int | None
    effective: float | None
    penalised: bool
    breaches: int
    editable: bool
    percent: float | None


@dataclass(frozen=True)
class AllocationRow:
    user: User
    active: bool
    cells: list[AllocationCell]


def allocation_grid(*, team: Team, months: list[dt.date], now: dt.datetime) -> list[AllocationRow]:
    """Rows = team members (active first, by username), columns = `months`. Past months are read-only.
    Percentages follow `member_weights`: no share set in a month -> 1 each; set for others -> 0; times the
    breach factor. Queries: members, eligible members, allocations, one breach count per month shown."""
    members = list(team.members.order_by("-is_active", "username"))
    eligible = {user.pk for user in team_eligible_members(team=team)}
    weights = {(a.user_id, a.month): a.weight for a in MonthlyAllocation.objects.filter(team=team, month__in=months)}
    months_set = {month for _user, month in weights}
    breaches = {month: breaches_by_user(month=month_shift(month, -1)) for month in months}
    factor, current = breach_factor(), month_start(now)
    used: dict[tuple[int, dt.date], float] = {}
    for month in months:
        for user in members:
            if user.pk in eligible:
                share = float(weights.get((user.pk, month), 0)) if month in months_set else 1.0
                penalised = breaches[month].get(user.pk, 0) >= BREACHES_FOR_PENALTY
                used[(user.pk, month)] = share * factor if penalised else share
    totals = {month: sum(v for (_u, m), v in used.items() if m == month) for month in months}
    rows = []
    for user in members:
        cells = []
        for month in months:
            weight, count = weights.get((user.pk, month)), breaches[month].get(user.pk, 0)
            penalised = count >= BREACHES_FOR_PENALTY
            effective = None if weight is None else (weight * factor if penalised else float(weight))
            part = used.get((user.pk, month))
            percent = 100 * part / totals[month] if part is not None and totals[month] else None
            cells.append(AllocationCell(month=month, weight=weight, effective=effective, penalised=penalised,
                                        breaches=count, editable=user.is_active and month >= current,
                                        percent=percent))  # fmt: skip
        rows.append(AllocationRow(user=user, active=user.is_active, cells=cells))
    return rows
