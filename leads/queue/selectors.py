"""What an SDR works next, in priority order."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Case, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _

from leadflow.roles import Action, Role, user_can, user_roles
from leads.choices import ACTIVITY_KINDS, Stage, Temperature
from leads.hooks import lead_annotation
from leads.models import Lead, Touchpoint
from leads.selectors import leads_visible_to

QUEUE_LIMIT = 100


class QueueScope(models.TextChoices):
    MINE = "mine", _("My leads")
    POOL = "pool", _("Unclaimed")
    TEAM = "team", _("Whole team")


def queue_scopes(*, user: Any) -> list[QueueScope]:
    """SDRs see their leads and the pool; managers and admins also the whole team's."""
    scopes = [QueueScope.MINE, QueueScope.POOL] if Role.SDR in user_roles(user) else [QueueScope.POOL]
    if user_can(user, Action.VIEW_ALL_LEADS):
        scopes.append(QueueScope.TEAM)
    return scopes


def sdr_queue(*, user: Any, scope: str, limit: int = QUEUE_LIMIT) -> QuerySet[Lead]:
    """Open leads (stage `lead`, not erased) in `scope`: hot first, then grade (A1 best, ungraded last), then
    the earliest SLA due time (overdue first), then newest. One query, with the last logged activity."""
    leads = leads_visible_to(user=user).filter(stage=Stage.LEAD, erased_at__isnull=True)
    if scope == QueueScope.MINE:
        leads = leads.filter(owner_sdr=user)
    elif scope == QueueScope.POOL:
        leads = leads.filter(owner_sdr__isnull=True)
    else:
        leads = leads.filter(owner_sdr__isnull=False)
    last_activity = Touchpoint.objects.filter(lead=OuterRef("pk"), kind__in=ACTIVITY_KINDS).order_by("-occurred_at")
    return (
        leads.select_related("owner_sdr", "source_channel", "account")
        .annotate(
            hot_rank=Case(When(temperature=Temperature.HOT, then=Value(0)), default=Value(1),
                          output_field=IntegerField()),
            grade_rank=Case(When(grade="", then=Value("Z")), default=F("grade")),
            sla_due_at=lead_annotation("sla_due_at", output_field=models.DateTimeField()),
            last_activity_kind=Subquery(last_activity.values("kind")[:1]),
            last_activity_outcome=Subquery(last_activity.values("properties__outcome")[:1]),
            last_activity_at=Subquery(last_activity.values("occurred_at")[:1]),
        )
        .order_by("hot_rank", "grade_rank", F("sla_due_at").asc(nulls_last=True), "-created_at", "-id")[:limit]
    )  # fmt: skip


def queue_counts(*, user: Any) -> dict[str, int]:
    """How many leads wait in each scope the user has, and how many of mine are hot."""
    base = leads_visible_to(user=user).filter(stage=Stage.LEAD, erased_at__isnull=True)
    counts = {QueueScope.POOL.value: base.filter(owner_sdr__isnull=True).count()}
    if Role.SDR in user_roles(user):
        mine = base.filter(owner_sdr=user)
        counts[QueueScope.MINE.value] = mine.count()
        counts["hot"] = mine.filter(temperature=Temperature.HOT).count()
    return counts
