"""Spreadsheet import pages: upload -> map columns -> preview -> progress and result. Thin: the forms check
the input's shape, `leads.services.imports` decides and writes.

Each step's URL is safe to revisit: a step that no longer applies (mapping an import that already runs)
redirects to the page the import is at now. Only the uploader, or an administrator, sees an import.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.errors import ApplicationError, Conflict, ValidationFailed
from leadflow.roles import Action, user_can
from leads.choices import ImportStatus
from leads.forms import ImportMappingForm, ImportUploadForm
from leads.models import LeadImport
from leads.selectors import lead_imports_visible_to
from leads.services.imports import (
    import_columns,
    lead_import_cancel,
    lead_import_create,
    lead_import_error_report,
    lead_import_error_report_filename,
    lead_import_is_stalled,
    lead_import_map,
    lead_import_preview,
    lead_import_resume,
    lead_import_start,
)
from leads.views.leads import _is_fragment, _render

HISTORY_SIZE = 20
EDITABLE = (ImportStatus.UPLOADED, ImportStatus.MAPPED)


def _require_import(request: HttpRequest) -> None:
    if not user_can(request.user, Action.IMPORT_LEADS):
        raise PermissionDenied(_("Your role may not import leads."))


def _visible_import(request: HttpRequest, pk: int, *, with_rows: bool = False) -> LeadImport:
    _require_import(request)
    lead_import = lead_imports_visible_to(user=request.user, with_rows=with_rows).filter(pk=pk).first()
    if lead_import is None:
        raise Http404(_("No such import, or you may not see it."))
    return lead_import


def _step_url(lead_import: LeadImport) -> str:
    """Where the import is now: mapping, preview, or its progress and result."""
    name = {ImportStatus.UPLOADED: "leads:import-map", ImportStatus.MAPPED: "leads:import-preview"}.get(
        ImportStatus(lead_import.status), "leads:import-detail"
    )
    return reverse(name, args=[lead_import.pk])


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: the file, and optionally the channel and campaign every row gets; below, recent imports."""
    _require_import(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            lead_import = lead_import_create(
                actor=request.user, filename=upload.name or "", content=upload.read(), language=get_language(),
                defaults=form.import_defaults(), now=timezone.now(),
            )  # fmt: skip
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            return redirect("leads:import-map", pk=lead_import.pk)
    history = lead_imports_visible_to(user=request.user).order_by("-created_at", "-id")[:HISTORY_SIZE]
    context = {"form": form, "history": history, "show_uploader": user_can(request.user, Action.ADMINISTER)}
    return _render(request, "leads/imports/upload.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: a field for each column, preset from the header names."""
    lead_import = _visible_import(request, pk, with_rows=True)
    if lead_import.status not in EDITABLE:
        return redirect(_step_url(lead_import))
    form = ImportMappingForm(request.POST or None, lead_import=lead_import)
    if request.method == "POST" and form.is_valid():
        try:
            lead_import_map(lead_import=lead_import, mapping=form.mapping(), defaults=form.import_defaults())
        except ValidationFailed as error:
            form.add_service_errors(error)
        except Conflict as error:
            messages.warning(request, error.message)
            return redirect(_step_url(lead_import))
        else:
            return redirect("leads:import-preview", pk=lead_import.pk)
    columns = [(column, form.column_field(column.index)) for column in import_columns(lead_import=lead_import)]
    context = {"lead_import": lead_import, "form": form, "columns": columns, "step": 2}
    return _render(request, "leads/imports/map.html", context, status=422 if form.errors else 200)


@login_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: how many rows will create, update or fail, and why each bad row fails."""
    lead_import = _visible_import(request, pk, with_rows=True)
    if lead_import.status != ImportStatus.MAPPED:
        return redirect(_step_url(lead_import))
    preview = lead_import_preview(lead_import=lead_import)
    context = {"lead_import": lead_import, "preview": preview, "step": 3}
    return _render(request, "leads/imports/preview.html", context)


@login_required
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = _visible_import(request, pk)
    try:
        lead_import_start(lead_import=lead_import)
    except ApplicationError as error:
        messages.warning(request, error.message)
    return redirect(_step_url(lead_import))


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 4: progress while it runs (the fragment polls itself), then the result and its links."""
    lead_import = _visible_import(request, pk)
    if lead_import.status in EDITABLE:
        return redirect(_step_url(lead_import))
    context = _detail_context(request, lead_import)
    template = "leads/imports/_progress.html" if _is_fragment(request) else "leads/imports/detail.html"
    return _render(request, template, context)


def _detail_context(request: HttpRequest, lead_import: LeadImport) -> dict[str, Any]:
    stalled = lead_import_is_stalled(lead_import, now=timezone.now())
    started, finished = lead_import.started_at, lead_import.finished_at
    return {
        "lead_import": lead_import,
        "step": 4,
        "active": lead_import.status in (ImportStatus.QUEUED, ImportStatus.RUNNING) and not stalled,
        "stalled": stalled,
        "duration": round((finished - started).total_seconds()) if started and finished else None,
        "leads_url": f"{reverse('leads:list')}?lead_import={lead_import.pk}",
    }


@login_required
@require_POST
def import_resume(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = _visible_import(request, pk)
    try:
        lead_import_resume(lead_import=lead_import)
    except Conflict as error:
        messages.warning(request, error.message)
    return redirect("leads:import-detail", pk=lead_import.pk)


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    lead_import = _visible_import(request, pk)
    try:
        lead_import_cancel(lead_import=lead_import, actor=request.user, now=timezone.now())
    except Conflict as error:
        messages.warning(request, error.message)
    return redirect("leads:import-detail", pk=lead_import.pk)


@login_required
@require_GET
def import_error_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The failed rows as they were in the file, with a "Row" and an "Errors" column; CSV for Excel."""
    lead_import = _visible_import(request, pk, with_rows=True)
    lines = lead_import_error_report(lead_import=lead_import)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = lead_import_error_report_filename(lead_import)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or "attachment"
    return response
