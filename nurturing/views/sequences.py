"""The sequence builder for marketers (Action.MANAGE_MARKETING): the list with figures, settings, the step
editor (add, edit, reorder, delete with htmx), pause and resume, enrolling a segment, and the dry run.
Thin: `nurturing.services.sequences` decides and names the field at fault."""

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
from nurturing.models.sequences import Sequence, SequenceStatus, Step
from nurturing.selectors.dry_run import sequence_dry_run
from nurturing.selectors.sequences import sequence_step_figures, sequences_overview
from nurturing.sequence_forms import (
    STEP_EXAMPLES,
    DryRunForm,
    EnrollSegmentForm,
    SequenceForm,
    StepForm,
    service_errors_apply,
)
from nurturing.services.sequences import (
    SEQUENCE_FIELDS,
    sequence_create,
    sequence_enroll_segment,
    sequence_problems,
    sequence_set_status,
    sequence_update,
    step_add,
    step_delete,
    step_move,
    step_update,
)


def _require(request: HttpRequest) -> None:
    if not user_can(request.user, Action.MANAGE_MARKETING):
        raise PermissionDenied(_("You may not do this."))


def _fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


@login_required
@require_GET
def sequence_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    return render(request, "nurturing/sequences/list.html", {"sequences": sequences_overview()})


@login_required
@require_http_methods(["GET", "POST"])
def sequence_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """New sequence (a draft) or its settings."""
    _require(request)
    sequence = get_object_or_404(Sequence, pk=pk) if pk is not None else None
    initial = {field: getattr(sequence, field) for field in SEQUENCE_FIELDS} if sequence else None
    form = SequenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if sequence is None:
                sequence = sequence_create(data=form.cleaned_data, actor=request.user)
            else:
                sequence = sequence_update(sequence=sequence, data=form.cleaned_data)
        except ApplicationError as error:
            service_errors_apply(form, error)
        else:
            messages.success(request, _("Sequence “%(name)s” saved.") % {"name": sequence.name})
            return redirect("nurturing:sequence", pk=sequence.pk)
    return render(request, "nurturing/sequences/form.html", {"form": form, "sequence": sequence},
                  status=422 if form.errors else 200)  # fmt: skip


def _step_keys(sequence: Sequence) -> list[tuple[str, str]]:
    """The steps a branch, split or goto may name, labelled for the target selects."""
    return [(step.key, f"{step.key} · {step.name or step.get_kind_display()}")
            for step in sequence.steps.order_by("position")]  # fmt: skip


def _detail_context(sequence: Sequence, **extra: Any) -> dict[str, Any]:
    step_form = extra.pop("step_form", None) or StepForm(step_keys=_step_keys(sequence))
    return {"sequence": sequence, "figures": sequence_step_figures(sequence=sequence),
            "step_form": step_form, "examples": STEP_EXAMPLES,
            "enroll_form": EnrollSegmentForm(), "dry_form": DryRunForm(), **extra}  # fmt: skip


@login_required
@require_GET
def sequence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    sequence = get_object_or_404(Sequence, pk=pk)
    return render(request, "nurturing/sequences/detail.html", _detail_context(sequence))


def _steps(request: HttpRequest, sequence: Sequence, status: int = 200, **extra: Any) -> HttpResponse:
    if _fragment(request):
        return render(request, "nurturing/sequences/_steps.html", _detail_context(sequence, **extra), status=status)
    return redirect("nurturing:sequence", pk=sequence.pk)


@login_required
@require_POST
def sequence_status(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    """Switch on, pause or resume; problems of the steps are listed instead when it cannot run."""
    _require(request)
    sequence = get_object_or_404(Sequence, pk=pk)
    problems: dict[str, list[str]] = {}
    if status in (SequenceStatus.ACTIVE, SequenceStatus.PAUSED, SequenceStatus.ARCHIVED):
        try:
            sequence = sequence_set_status(sequence=sequence, status=status, now=timezone.now())
        except ApplicationError as error:
            problems = error.errors or {"status": [error.message]}
    context = {"sequence": sequence, "problems": problems}
    if _fragment(request):
        return render(request, "nurturing/sequences/_status.html", context, status=422 if problems else 200)
    return redirect("nurturing:sequence", pk=sequence.pk)


@login_required
@require_POST
def step_create(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    sequence = get_object_or_404(Sequence, pk=pk)
    form = StepForm(request.POST, step_keys=_step_keys(sequence))
    if form.is_valid():
        try:
            step_add(sequence=sequence, kind=form.cleaned_data["kind"], config=form.cleaned_data["config"],
                     name=form.cleaned_data["name"])  # fmt: skip
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            return _steps(request, sequence)
    return _steps(request, sequence, status=422, step_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def step_edit(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    """The inline editor of one step (htmx swaps the row for the form, and the list back on save)."""
    _require(request)
    step = get_object_or_404(Step, pk=step_pk, sequence_id=pk)
    initial = StepForm.initial_for(kind=step.kind, name=step.name, config=step.config)
    # The add form is on the same page: other ids.
    form = StepForm(request.POST or None, initial=initial, step_keys=_step_keys(step.sequence),
                    auto_id="step-edit-%s")  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in ("kind", "name", "config")}
        try:
            step_update(step=step, data=data)
        except ApplicationError as error:
            form.add_service_errors(error)
        else:
            return _steps(request, step.sequence)
    return render(request, "nurturing/sequences/_step_form.html", {"form": form, "step": step,
                                                                   "sequence": step.sequence},
                  status=422 if form.errors else 200)  # fmt: skip


@login_required
@require_POST
def step_reorder(request: HttpRequest, pk: int, step_pk: int, direction: str) -> HttpResponse:
    _require(request)
    step = get_object_or_404(Step, pk=step_pk, sequence_id=pk)
    step_move(step=step, offset=-1 if direction == "up" else 1)
    return _steps(request, step.sequence)


@login_required
@require_POST
def step_remove(request: HttpRequest, pk: int, step_pk: int) -> HttpResponse:
    _require(request)
    step = get_object_or_404(Step, pk=step_pk, sequence_id=pk)
    sequence = step.sequence
    try:
        step_delete(step=step)
    except ApplicationError as error:
        return _steps(request, sequence, status=409, step_error=error.message)
    return _steps(request, sequence)


@login_required
@require_POST
def enroll_segment(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    sequence = get_object_or_404(Sequence, pk=pk)
    form = EnrollSegmentForm(request.POST)
    result: dict[str, Any] = {"form": form, "sequence": sequence}
    if form.is_valid():
        try:
            result["count"] = sequence_enroll_segment(sequence=sequence, user=request.user, now=timezone.now(),
                                                      segment=form.cleaned_data["segment"])  # fmt: skip
        except ApplicationError as error:
            service_errors_apply(form, error)
    return render(request, "nurturing/sequences/_enroll.html", result, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Who would enter now and what each would receive over the next 30 days; changes nothing."""
    _require(request)
    sequence = get_object_or_404(Sequence, pk=pk)
    form = DryRunForm(request.POST or request.GET or None)
    segment = form.cleaned_data.get("segment") if form.is_valid() else None
    result = sequence_dry_run(sequence=sequence, user=request.user, now=timezone.now(),
                              rule=segment.rule if segment is not None else None)  # fmt: skip
    context = {"sequence": sequence, "result": result, "problems": sequence_problems(sequence=sequence)}
    template = "nurturing/sequences/_dry_run.html" if _fragment(request) else "nurturing/sequences/dry_run.html"
    return render(request, template, context)




def _visible_lead(request: HttpRequest, pk: int) -> Any:
    from leads.selectors import leads_visible_to

    if not user_can(request.user, Action.EDIT_LEADS):
        raise PermissionDenied(_("You may not do this."))
    return get_object_or_404(leads_visible_to(user=request.user), pk=pk)


@login_required
@require_POST
def lead_enroll(request: HttpRequest, lead_pk: int) -> HttpResponse:
    """Enrol the lead of the page in the chosen sequence by hand; the reason it may not enter is shown."""
    from nurturing.services.enrollments import enrollment_start_one

    lead = _visible_lead(request, lead_pk)
    sequence = get_object_or_404(Sequence.objects.exclude(status=SequenceStatus.ARCHIVED),
                                 pk=request.POST.get("sequence") or 0)  # fmt: skip
    try:
        enrollment_start_one(sequence=sequence, lead=lead, now=timezone.now(), actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Enrolled in “%(name)s”.") % {"name": sequence.name})
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_POST
def lead_enrollment_stop(request: HttpRequest, lead_pk: int, enrollment_pk: int) -> HttpResponse:
    from nurturing.services.enrollments import enrollment_stop

    lead = _visible_lead(request, lead_pk)
    enrollment = get_object_or_404(lead.enrollments, pk=enrollment_pk)
    if enrollment_stop(enrollment=enrollment, now=timezone.now()):
        messages.success(request, _("Stopped “%(name)s” for this lead.") % {"name": enrollment.sequence.name})
    return redirect("leads:detail", pk=lead.pk)


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    _require(request)
    from nurturing.models.sequences import EmailTemplate

    return render(request, "nurturing/sequences/templates.html",
                  {"templates": EmailTemplate.objects.order_by("slug")})  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A template's subject and body in 简体中文 and English (new when no pk)."""
    _require(request)
    from nurturing.models.sequences import EmailTemplate
    from nurturing.sequence_forms import EmailTemplateForm
    from nurturing.services.templates import email_template_initial, email_template_save

    template = get_object_or_404(EmailTemplate, pk=pk) if pk is not None else None
    form = EmailTemplateForm(request.POST or None, initial=email_template_initial(template) if template else None)
    if request.method == "POST" and form.is_valid():
        try:
            template = email_template_save(data=form.cleaned_data, template=template)
        except ApplicationError as error:
            service_errors_apply(form, error)
        else:
            messages.success(request, _("Template “%(name)s” saved.") % {"name": template.name})
            return redirect("nurturing:templates")
    return render(request, "nurturing/sequences/template_form.html", {"form": form, "template": template},
                  status=422 if form.errors else 200)  # fmt: skip
