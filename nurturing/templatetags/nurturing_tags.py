"""Template helpers of the SLA pages: countdown text and the navigation flags of nurturing pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from leadflow.roles import Role, user_roles
from nurturing.step_text import step_text, trigger_text

register = template.Library()

SALES_ROLES = frozenset({Role.SALES, Role.SALES_MANAGER, Role.ADMIN})
TASK_ROLES = frozenset({Role.SDR, Role.SALES, Role.SALES_MANAGER, Role.ADMIN})
MANAGER_ROLES = frozenset({Role.SALES_MANAGER, Role.ADMIN})


def duration_text(seconds: float) -> str:
    """1 d 3 h, 3 h 12 min, 12 min (whole minutes; under a minute reads as 0 min)."""
    minutes = int(abs(seconds)) // 60
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return gettext("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return gettext("%(m)s min") % {"m": mins}


@register.simple_tag
def countdown_text(due_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """“3 h 12 min left” or “overdue by 2 h 5 min” (the page's JavaScript keeps it ticking)."""
    seconds = (due_at - (now or timezone.now())).total_seconds()
    if seconds >= 0:
        return gettext("%(time)s left") % {"time": duration_text(seconds)}
    return gettext("overdue by %(time)s") % {"time": duration_text(seconds)}


@register.simple_tag
def countdown_state(due_at: dt.datetime, now: dt.datetime | None = None) -> str:
    """`overdue`, `soon` (under 4 hours) or `ok`: the countdown's colour."""
    seconds = (due_at - (now or timezone.now())).total_seconds()
    return "overdue" if seconds < 0 else "soon" if seconds < 4 * 3600 else "ok"


@register.simple_tag
def nurturing_nav(user: Any) -> dict[str, bool]:
    roles = user_roles(user)
    return {"inbox": bool(roles & SALES_ROLES), "tasks": bool(roles & TASK_ROLES),
            "clocks": bool(roles & MANAGER_ROLES)}  # fmt: skip


@register.filter
def step_summary(step: Any) -> str:
    """The step's settings in words (“Wait 2 working days”, “If fit ≥ 60 go to d5, else to w9”)."""
    return step_text(step.kind, step.config)


@register.filter
def trigger_summary(config: Any) -> str:
    return trigger_text(config)
