"""Sales-ops routing pages (Action.MANAGE_ROUTING): the ordered rule list, moving a rule up or down, and
the owner changes each rule made. Thin: reads go through selectors, writes through services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadflow.roles import Action, user_can
from leads.routing.models import AssignmentRule
from leads.routing.selectors import rule_history
from leads.routing.services import rule_move


def _require(request: HttpRequest) -> None:
    if not user_can(request.user, Action.MANAGE_ROUTING):
        raise PermissionDenied(_("You may not do this."))


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    rules = AssignmentRule.objects.select_related("team", "segment").order_by("side", "order", "id")
    return render(request, "leads/routing/rules.html", {"rules": rules})


@login_required
@require_POST
def rule_move_view(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    _require(request)
    rule_move(rule=get_object_or_404(AssignmentRule, pk=pk), up=direction == "up")
    return redirect("routing:rules")


@login_required
@require_GET
def rule_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    page = Paginator(rule_history(rule=rule), 50).get_page(request.GET.get("page"))
    return render(request, "leads/routing/history.html", {"rule": rule, "page": page})
