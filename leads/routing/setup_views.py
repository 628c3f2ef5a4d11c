"""Sales-ops set-up pages (Action.MANAGE_ROUTING): teams and members, the monthly allocation grid (one cell
saved at a time with htmx) and the channel routes. Thin: services in leads.routing.editing decide."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.errors import ValidationFailed
from leads.choices import ChannelRoute
from leads.models import Channel
from leads.routing.editing import allocation_set, channel_route_set, team_create, team_update
from leads.routing.forms import AllocationForm, TeamForm, errors_apply
from leads.routing.models import Team
from leads.routing.selectors import allocation_grid, breach_factor, month_shift, month_start
from leads.routing.views import done, is_fragment, require_routing

GRID_MONTHS = 4  # the current month and the next three; the month before is shown read-only


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    require_routing(request)
    teams = Team.objects.prefetch_related("members", "rules").order_by("name")
    return render(request, "leads/routing/teams.html", {"teams": teams})


@login_required
@require_http_methods(["GET", "POST"])
def team_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_routing(request)
    team = get_object_or_404(Team, pk=pk) if pk is not None else None
    form = TeamForm(request.POST or None, team=team)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if team is None:
                team = team_create(name=data["name"], role=data["role"], members=list(data["members"]))
            else:
                team_update(team=team, name=data["name"], role=data["role"], members=list(data["members"]))
        except ValidationFailed as error:
            errors_apply(form, error)
        else:
            messages.success(request, _("Team “%(name)s” saved.") % {"name": team.name})
            return done(request, reverse("routing:teams"))
    template = "leads/routing/_team_form.html" if is_fragment(request) else "leads/routing/team_form.html"
    return render(request, template, {"form": form, "team": team}, status=422 if form.errors else 200)


def _month_param(value: str | None, default: dt.date) -> dt.date:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return default


@login_required
@require_GET
def allocation_grid_view(request: HttpRequest) -> HttpResponse:
    """`?team=<id>&from=YYYY-MM`: rows = the team's members, columns = the month before and four months."""
    require_routing(request)
    teams = list(Team.objects.order_by("name"))
    chosen = request.GET.get("team", "")
    team = next((t for t in teams if chosen.isdigit() and t.pk == int(chosen)), teams[0] if teams else None)
    now = timezone.now()
    start = _month_param(request.GET.get("from"), month_start(now))
    months = [month_shift(start, offset) for offset in range(-1, GRID_MONTHS)]
    context = {
        "teams": teams, "team": team, "months": months, "factor": breach_factor(),
        "rows": allocation_grid(team=team, months=months, now=now) if team is not None else [],
        "previous": month_shift(start, -1), "next": month_shift(start, 1),
    }  # fmt: skip
    return render(request, "leads/routing/allocations.html", context)


@login_required
@require_POST
def allocation_set_view(request: HttpRequest) -> HttpResponse:
    """Save one cell (empty weight: remove the share) and answer the re-rendered cell (422 with the error)."""
    require_routing(request)
    form = AllocationForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Invalid cell: %(fields)s") % {"fields": ", ".join(form.errors)}, status=422)
    team, month = form.cleaned_data["team"], form.cleaned_data["month"].replace(day=1)
    user = get_object_or_404(User, pk=form.cleaned_data["user"])
    now, error, status = timezone.now(), "", 200
    try:
        allocation_set(team=team, user=user, month=month, weight=form.cleaned_data["weight"])
    except ValidationFailed as failure:
        error, status = " ".join(" ".join(m) for m in failure.errors.values()) or failure.message, 422
    # The whole month's column: every other member's percentage changes with this cell (out-of-band swaps).
    column = allocation_grid(team=team, months=[month], now=now)
    cell = next((row.cells[0] for row in column if row.user.pk == user.pk), None)
    if cell is None:
        return HttpResponse(error or _("Only an active member of the team has a share."), status=422)
    others = [(row.user, row.cells[0]) for row in column if row.user.pk != user.pk]
    context = {"cell": cell, "team": team, "member": user, "error": error, "factor": breach_factor(),
               "value": request.POST.get("weight", "") if error else None, "others": others}  # fmt: skip
    return render(request, "leads/routing/_allocation_cell.html", context, status=status)


@login_required
@require_GET
def channel_list(request: HttpRequest) -> HttpResponse:
    require_routing(request)
    channels = Channel.objects.order_by("-is_active", "name")
    return render(request, "leads/routing/channels.html", {"channels": channels, "route_choices": ChannelRoute.choices})


@login_required
@require_POST
def channel_route_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_routing(request)
    channel = get_object_or_404(Channel, pk=pk)
    error, status = "", 200
    try:
        channel_route_set(channel=channel, route=request.POST.get("route", ""))
    except ValidationFailed as failure:
        error, status = " ".join(failure.errors.get("route", [failure.message])), 422
    if is_fragment(request):
        context = {"channel": channel, "error": error, "saved": not error, "route_choices": ChannelRoute.choices}
        return render(request, "leads/routing/_channel_row.html", context, status=status)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Route of “%(name)s” saved.") % {"name": channel.name})
    return done(request, reverse("routing:channels"))
