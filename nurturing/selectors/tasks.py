"""Reads of SDR tasks: who sees which, and the overdue view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from leadflow.roles import Action, Role, user_can, user_roles
from leads.routing.models import Team
from leads.selectors import leads_visible_to
from nurturing.models import SdrTask


def tasks_visible_to(*, user: Any) -> QuerySet[SdrTask]:
    """Tasks on leads the user may see, and tasks assigned to them (same visibility as the lead pages)."""
    tasks = SdrTask.objects.select_related("lead", "assignee", "created_by")
    if user_can(user, Action.VIEW_ALL_LEADS):
        return tasks
    return tasks.filter(Q(assignee_id=user.pk) | Q(lead__in=leads_visible_to(user=user).values("pk")))


def tasks_overdue(*, user: Any, now: dt.datetime, team: bool = False) -> QuerySet[SdrTask]:
    """Open tasks past due: the user's own, or with `team` (managers) those of everyone they manage."""
    tasks = tasks_visible_to(user=user).filter(done_at__isnull=True, due_at__lte=now)
    if team:
        return tasks.filter(assignee_id__in=managed_user_ids(user=user)).order_by("due_at", "id")
    return tasks.filter(assignee_id=user.pk).order_by("due_at", "id")


def tasks_open_for(*, user: Any, now: dt.datetime, days: int = 7) -> QuerySet[SdrTask]:
    """The user's open tasks due within `days` (not yet overdue), soonest first."""
    return tasks_visible_to(user=user).filter(
        assignee_id=user.pk, done_at__isnull=True, due_at__gt=now, due_at__lte=now + dt.timedelta(days=days)
    ).order_by("due_at", "id")  # fmt: skip


def is_manager(user: Any) -> bool:
    return bool(user_roles(user) & {Role.SALES_MANAGER, Role.ADMIN})


def managed_user_ids(*, user: Any) -> list[int]:
    """People a manager sees on team views: members of the routing teams they belong to; an admin, or a
    manager in no team, sees every active SDR and sales rep."""
    people = get_user_model().objects.filter(is_active=True, groups__name__in=[Role.SDR, Role.SALES])
    teams = Team.objects.filter(members__pk=user.pk)
    if Role.ADMIN not in user_roles(user) and teams.exists():
        people = people.filter(routing_teams__in=teams)
    return sorted(set(people.exclude(pk=user.pk).values_list("pk", flat=True)))
