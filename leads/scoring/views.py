"""Rule-set pages for marketers: the versions, one version's rules, a back-test of a draft against the live
version, copying the live version to a draft, editing a draft's rules (leads.scoring.forms.RuleSetEditor),
activating a draft (which queues the bulk rescore), and the rescore's progress (the fragment polls itself with
htmx while the run is active). Thin: services decide; a live or retired version is read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from leadflow.errors import Conflict, ValidationFailed
from leadflow.roles import Action, user_can
from leads.models import Channel
from leads.scoring.backtest import ruleset_backtest
from leads.scoring.editing import channel_prior_set, ruleset_draft_delete, ruleset_draft_update
from leads.scoring.forms import FIELD_SUGGESTIONS, RuleSetEditor, row_add
from leads.scoring.history import ruleset_changes, ruleset_compared_with
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
    context = {"rulesets": ScoringRuleSet.objects.select_related("created_by"), "run": RescoreRun.objects.first(),
               "channels": Channel.objects.order_by("-is_active", "name")}  # fmt: skip
    return render(request, "leads/scoring/rulesets.html", context)


@login_required
@require_POST
def channel_prior_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one channel's prior (htmx: the row comes back, 422 with the error); a change queues the rescore."""
    _require_marketing(request)
    channel = get_object_or_404(Channel, pk=pk)
    raw = request.POST.get("prior_score", "").strip()
    error, run = "", None
    try:
        value = int(raw) if raw.lstrip("-").isdigit() else -1
        run = channel_prior_set(channel=channel, prior_score=value, now=timezone.now(), actor=request.user)
    except ValidationFailed as failure:
        error = " ".join(failure.errors.get("prior_score", [failure.message]))
    context = {"channel": channel, "error": error, "value": raw if error else None, "run": run}
    if _is_fragment(request):
        return render(request, "leads/scoring/_channel_prior.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("leads:scoring-rulesets")


@login_required
@require_GET
def ruleset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A version's rules as tables; `?months=N` adds the back-test against the live version."""
    _require_marketing(request)
    ruleset = get_object_or_404(ScoringRuleSet, pk=pk)
    context: dict[str, Any] = {"ruleset": ruleset, "months_choices": BACKTEST_MONTHS, "live": ruleset_live()}
    compared = ruleset_compared_with(ruleset=ruleset)
    if compared is not None:
        context.update(compared=compared, changes=ruleset_changes(ruleset=ruleset, against=compared))
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
    messages.success(request, _("Draft v%(version)s created; edit its rules, then back-test it.")
                     % {"version": draft.version})  # fmt: skip
    return redirect("leads:scoring-ruleset-edit", pk=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
def ruleset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's structured editor. POST with `add=<formset prefix>` adds a blank row (nothing saved); a plain
    POST saves through the service, whose path-named errors land on the rule and field they name."""
    _require_marketing(request)
    ruleset = get_object_or_404(ScoringRuleSet, pk=pk)
    if ruleset.status != "draft":
        messages.warning(request, _("v%(version)s is read-only; copy it to a new draft to change it.")
                         % {"version": ruleset.version})  # fmt: skip
        return redirect("leads:scoring-ruleset", pk=ruleset.pk)
    added = request.POST.get("add", "") if request.method == "POST" else ""
    editor = RuleSetEditor(ruleset=ruleset, data=row_add(request.POST, added) if added else (request.POST or None))
    status = 200
    if added:
        editor.focus_last(added)
    elif request.method == "POST":
        status = 422
        if editor.is_valid():
            try:
                ruleset_draft_update(ruleset=ruleset, data=editor.rules_data(),
                                     notes=editor.settings.cleaned_data["notes"])  # fmt: skip
            except ValidationFailed as error:
                editor.errors_apply(error)
            except Conflict as error:
                messages.error(request, error.message)
                return _go(request, reverse("leads:scoring-ruleset", args=[ruleset.pk]))
            else:
                messages.success(request, _("Draft v%(version)s saved.") % {"version": ruleset.version})
                target = reverse("leads:scoring-ruleset", args=[ruleset.pk])
                return _go(request, f"{target}?months=6#backtest" if "backtest" in request.POST else target)
    template = "leads/scoring/_editor.html" if _is_fragment(request) else "leads/scoring/edit.html"
    context = {"ruleset": ruleset, "editor": editor, "field_suggestions": FIELD_SUGGESTIONS, "invalid": status == 422}
    return render(request, template, context, status=status)


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if _is_fragment(request) else redirect(url)


@login_required
@require_POST
def ruleset_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_marketing(request)
    ruleset = get_object_or_404(ScoringRuleSet, pk=pk)
    try:
        ruleset_draft_delete(ruleset=ruleset)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("leads:scoring-ruleset", pk=ruleset.pk)
    messages.success(request, _("Draft v%(version)s deleted.") % {"version": ruleset.version})
    return redirect("leads:scoring-rulesets")


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
