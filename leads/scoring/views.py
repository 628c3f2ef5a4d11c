"""Rule-set pages for marketers: the versions, one version's rules, a back-test of a draft against the live
version, copying the live version to a draft, activating a draft (which queues the bulk rescore), and the
rescore's progress (the fragment polls itself with htmx while the run is active). Thin: services decide.
Editing a draft's rules is done in the admin for now."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadflow.errors import Conflict
from leadflow.roles import Action, user_can
from leads.scoring.backtest import ruleset_backtest
from leads.scoring.models import RescoreRun, ScoringRuleSet
from leads.scoring.rules import CUSTOMER_TYPE_LABELS, CUSTOMER_TYPES
from leads.scoring.services import rescore_run_resume, ruleset_activate, ruleset_draft_create, ruleset_live

BACKTEST_MONTHS = (3, 6, 12)


def _require_marketing(request: HttpRequest) -> None:
    if not user_can(request.user, Action.MANAGE_MARKETING):
        raise PermissionDenied(_("Scoring rules are managed by marketing."))


def _is_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


@login_required
@require_GET
def ruleset_list(request: HttpRequest) -> HttpResponse:
    _require_marketing(request)
    context = {"rulesets": ScoringRuleSet.objects.select_related("created_by"), "run": RescoreRun.objects.first()}
    return render(request, "leads/scoring/rulesets.html", context)


@login_required
@require_GET
def ruleset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version's rules as tables; `?months=N` adds the back-test against the live version."""
    _require_marketing(request)
    ruleset = get_object_or_404(ScoringRuleSet, pk=pk)
    context: dict[str, Any] = {"ruleset": ruleset, "months_choices": BACKTEST_MONTHS, "live": ruleset_live()}
    try:
        config = ruleset.config()
    except ValidationError as error:
        context["invalid"] = error.message_dict
    else:
        context["fit_tables"] = [(CUSTOMER_TYPE_LABELS[c], config.fit_rules[c]) for c in CUSTOMER_TYPES]
        context["config"] = config
        months = request.GET.get("months", "")
        if months.isdigit() and int(months) in BACKTEST_MONTHS:
            context["backtest"] = ruleset_backtest(candidate=ruleset, months=int(months), now=timezone.now())
    return render(request, "leads/scoring/ruleset.html", context)


@login_required
@require_POST
def ruleset_copy(request: HttpRequest, pk: int) -> HttpResponse:
    _require_marketing(request)
    draft = ruleset_draft_create(source=get_object_or_404(ScoringRuleSet, pk=pk), actor=request.user)
    messages.success(request, _("Draft v%(version)s created; edit its rules in the admin, then back-test it.")
                     % {"version": draft.version})  # fmt: skip
    return redirect("leads:scoring-ruleset", pk=draft.pk)


@login_required
@require_POST
def ruleset_activate_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_marketing(request)
    ruleset = get_object_or_404(ScoringRuleSet, pk=pk)
    try:
        run = ruleset_activate(ruleset=ruleset, now=timezone.now(), actor=request.user)
    except (Conflict, ValidationError) as error:
        messages.error(request, str(getattr(error, "message", error)))
        return redirect("leads:scoring-ruleset", pk=ruleset.pk)
    messages.success(request, _("v%(version)s is live; every lead is being rescored.") % {"version": ruleset.version})
    return redirect("leads:scoring-run", pk=run.pk)


@login_required
@require_GET
def rescore_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's progress; while it is queued or running, the fragment polls itself every second."""
    _require_marketing(request)
    run = get_object_or_404(RescoreRun.objects.select_related("ruleset"), pk=pk)
    template = "leads/scoring/_run.html" if _is_fragment(request) else "leads/scoring/run.html"
    return render(request, template, {"run": run})


@login_required
@require_POST
def rescore_run_resume_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_marketing(request)
    run = get_object_or_404(RescoreRun, pk=pk)
    try:
        rescore_run_resume(run=run)
    except Conflict as error:
        messages.warning(request, error.message)
    return redirect("leads:scoring-run", pk=run.pk)
