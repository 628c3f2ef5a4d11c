"""The rules page for marketers: qualification rules (lead -> MQL, make hot) and tags (manual and rule tags).
Thin: services write, the page shows each rule's live match count and what it fired."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.errors import ApplicationError
from leadflow.roles import Action, user_can
from leads.models import Tag
from leads.qualification.forms import QualificationRuleForm, TagForm
from leads.qualification.models import QualificationRule
from leads.qualification.services import (
    qualification_candidates,
    qualification_rule_delete,
    qualification_rule_move,
    qualification_rule_save,
    qualification_rules_apply_all,
)
from leads.services.tags import tag_delete, tag_save, tags_rules_sync, tags_with_counts


def _require(request: HttpRequest) -> None:
    if not user_can(request.user, Action.MANAGE_MARKETING):
        raise PermissionDenied(_("Qualification rules and tags are managed by marketing."))


@login_required
@require_GET
def rules_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    context = {
        "rules": QualificationRule.objects.select_related("segment").order_by("order", "id"),
        "tags": tags_with_counts(),
        "rule_form": QualificationRuleForm(prefix="rule"),
        "tag_form": TagForm(prefix="tag"),
    }
    return render(request, "leads/rules/rules.html", context)


@login_required
@require_GET
def rule_matches(request: HttpRequest, pk: int) -> HttpResponse:
    """How many leads the rule would act on now (loaded after the page, so a big pool never slows it)."""
    _require(request)
    rule = get_object_or_404(QualificationRule.objects.select_related("segment"), pk=pk)
    count = qualification_candidates(rule=rule, now=timezone.now()).count()
    return HttpResponse(f"{count:,}")


def _form_page(request: HttpRequest, template: str, form: Any, obj: Any, error: ApplicationError | None = None,
               status: int = 200) -> HttpResponse:  # fmt: skip
    for field, problems in (error.errors if error is not None else {}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    return render(request, template, {"form": form, "object": obj}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request)
    rule = get_object_or_404(QualificationRule, pk=pk) if pk else None
    initial = {"name": rule.name, "action": rule.action, "segment": rule.segment_id, "description": rule.description,
               "active": rule.active} if rule else None  # fmt: skip
    form = QualificationRuleForm(request.POST or None, prefix="rule", initial=initial)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, "leads/rules/rule_form.html", form, rule, status=422 if form.is_bound else 200)
    try:
        rule = qualification_rule_save(rule=rule, data=form.cleaned_data, actor=request.user)
    except ApplicationError as error:
        return _form_page(request, "leads/rules/rule_form.html", form, rule, error, status=422)
    messages.success(request, _("Rule “%(name)s” saved.") % {"name": rule.name})
    return redirect("rules:page")


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    rule = get_object_or_404(QualificationRule, pk=pk)
    qualification_rule_delete(rule=rule)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return redirect("rules:page")


@login_required
@require_POST
def rule_move(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    _require(request)
    qualification_rule_move(rule=get_object_or_404(QualificationRule, pk=pk), up=direction == "up")
    return redirect("rules:page")


@login_required
@require_POST
def rule_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """Run one rule over the whole pool now (a new rule otherwise waits for the next event on each lead)."""
    _require(request)
    rule = get_object_or_404(QualificationRule.objects.select_related("segment"), pk=pk)
    fired = qualification_rules_apply_all(now=timezone.now(), rule=rule)
    messages.success(request, _("“%(name)s” acted on %(count)d leads.") % {"name": rule.name, "count": len(fired)})
    return redirect("rules:page")


@login_required
@require_http_methods(["GET", "POST"])
def tag_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request)
    tag = get_object_or_404(Tag, pk=pk) if pk else None
    initial = {"name": tag.name, "category": tag.category, "segment": tag.segment_id} if tag else None
    form = TagForm(request.POST or None, prefix="tag", initial=initial)
    if request.method == "GET" or not form.is_valid():
        return _form_page(request, "leads/rules/tag_form.html", form, tag, status=422 if form.is_bound else 200)
    try:
        tag = tag_save(tag=tag, data=form.cleaned_data)
    except ApplicationError as error:
        return _form_page(request, "leads/rules/tag_form.html", form, tag, error, status=422)
    if tag.is_rule:
        tags_rules_sync(now=timezone.now())
    messages.success(request, _("Tag “%(name)s” saved.") % {"name": tag.name})
    return redirect("rules:page")


@login_required
@require_POST
def tag_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    tag = get_object_or_404(Tag, pk=pk)
    tag_delete(tag=tag)
    messages.success(request, _("Tag “%(name)s” deleted.") % {"name": tag.name})
    return redirect("rules:page")


@login_required
@require_POST
def tags_sync(request: HttpRequest) -> HttpResponse:
    _require(request)
    results = tags_rules_sync(now=timezone.now())
    added, removed = sum(r.added for r in results), sum(r.removed for r in results)
    messages.success(request, _("Rule tags synced: %(added)d added, %(removed)d removed.") % {
        "added": added, "removed": removed})
    return redirect("rules:page")
