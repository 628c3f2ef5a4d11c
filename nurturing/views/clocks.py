"""The manager's board: the team's running SLA clocks (soonest due first) and each person's record this
month (running, overdue, met on time, met late, breached)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from leads.routing.selectors import month_start
from nurturing.selectors.sla import sla_open_clocks, sla_summary_by_owner
from nurturing.selectors.tasks import is_manager, managed_user_ids

SHOWN = 300


@login_required
@require_GET
def team_clocks(request: HttpRequest) -> HttpResponse:
    if not is_manager(request.user):
        raise PermissionDenied(_("The team's SLA board is for sales managers."))
    now = timezone.now()
    people_ids = managed_user_ids(user=request.user)
    people = list(get_user_model().objects.filter(pk__in=people_ids).order_by("username"))
    since = timezone.make_aware(dt.datetime.combine(month_start(now), dt.time.min))
    summary = sla_summary_by_owner(owner_ids=people_ids, since=since, now=now)
    clocks = sla_open_clocks(owner_ids=people_ids)
    context: dict[str, Any] = {
        "now": now, "rows": [(person, summary.get(person.pk)) for person in people],
        "clocks": list(clocks[:SHOWN]), "clock_count": clocks.count(), "since": since,
    }  # fmt: skip
    template = "nurturing/_clocks.html" if getattr(request, "htmx", False) else "nurturing/clocks.html"
    return render(request, template, context)
