"""Cost pages: the monthly grid (a cell saves itself on change, htmx) and the CSV import with a preview.

Thin: `cost_cell_save` and the cost-import services check and write; the grid selector reads. A cell's answer
is its own <td> (with the error in place, or the saved amount) plus the row, month and grid totals swapped
out of band, so the totals follow every edit without reloading the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leadflow.errors import ValidationFailed
from leadflow.roles import Action, user_can
from leads.marketing.forms import CostGridForm, CostImportForm, CostRowAddForm
from leads.marketing.selectors import GridRow, cost_currencies, cost_grid, cost_grid_totals, cost_years
from leads.marketing.views import require_marketing_edit, require_marketing_view
from leads.services.cost_grid import cost_cell_save, cost_target_parse
from leads.services.cost_import import RowAction, cost_import_commit, cost_import_preview
from leads.views.leads import _render


def _grid_form(data: QueryDict) -> CostGridForm:
    """The grid's year, currency and channel; missing or bad values fall back to this year and the default
    currency, so a bare /marketing/costs/ URL shows something."""
    defaults = {"year": timezone.localdate().year, "currency": settings.LEADFLOW["DEFAULT_CURRENCY"]}
    values = {**defaults, **{key: data[key] for key in ("year", "currency", "channel") if data.get(key)}}
    form = CostGridForm(values)
    if not form.is_valid():
        form = CostGridForm(defaults)
        form.is_valid()
    form.cleaned_data["currency"] = form.cleaned_data["currency"].upper()
    return form


@login_required
@require_GET
def cost_grid_page(request: HttpRequest) -> HttpResponse:
    require_marketing_view(request)
    form = _grid_form(request.GET)
    scope = form.cleaned_data
    grid = cost_grid(year=scope["year"], currency=scope["currency"], channel=scope["channel"])
    context = {
        "form": form, "grid": grid, "scope": scope, "add_form": CostRowAddForm(),
        "years": cost_years(today=timezone.localdate()),
        "currencies": cost_currencies(default=settings.LEADFLOW["DEFAULT_CURRENCY"]),
        "can_edit": _can_edit(request),
    }  # fmt: skip
    return _render(request, "leads/marketing/costs.html", context)


def _can_edit(request: HttpRequest) -> bool:
    return user_can(request.user, Action.MANAGE_MARKETING)


@login_required
@require_POST
def cost_cell(request: HttpRequest) -> HttpResponse:
    """Save one cell; 422 with the error in the cell when the amount is bad (the typed text stays)."""
    require_marketing_edit(request)
    scope = _grid_form(request.POST).cleaned_data
    row_key, category, text = request.POST.get("target", ""), request.POST.get("category", ""), request.POST.get(
        "amount", "")  # fmt: skip
    month = _month(request.POST.get("month", ""), scope["year"])
    context: dict[str, Any] = {"row_key": row_key, "category": category, "month": month, "value": text,
                               "scope": scope, "can_edit": True}  # fmt: skip
    try:
        if month is None:
            raise ValidationFailed(_("Unknown month."), errors={"month": [_("Unknown month.")]})
        target = cost_target_parse(row_key)
        cost = cost_cell_save(target=target, category=category, month=month, amount_text=text,
                              currency=scope["currency"])  # fmt: skip
    except ValidationFailed as error:
        context["error"] = next(iter(error.errors.values()), [error.message])[0]
        return _render(request, "leads/marketing/_cost_cell.html", context, status=422)
    context["value"] = cost.amount if cost else None
    context["saved"] = True
    context["row_total"], context["month_total"], context["grid_total"] = cost_grid_totals(
        year=scope["year"], currency=scope["currency"], channel=scope["channel"], row_key=row_key, category=category,
        month=month,
    )  # fmt: skip
    return _render(request, "leads/marketing/_cost_cell.html", context)


def _month(text: str, year: int) -> dt.date | None:
    """ "2026-03" -> 2026-03-01, only inside the grid's year (a cell never writes outside the year shown)."""
    try:
        month = dt.date.fromisoformat(f"{text}-01" if len(text) == 7 else text)
    except ValueError:
        return None
    return month.replace(day=1) if month.year == year else None


@login_required
@require_GET
def cost_row_new(request: HttpRequest) -> HttpResponse:
    """An empty grid row for a channel or campaign and a category, appended by htmx; nothing is saved until a
    cell is typed into."""
    require_marketing_edit(request)
    scope = _grid_form(request.GET).cleaned_data
    form = CostRowAddForm(request.GET)
    if not form.is_valid():
        return _render(request, "leads/marketing/_cost_row_error.html", {"form": form}, status=422)
    try:
        target = cost_target_parse(form.cleaned_data["target"])
    except ValidationFailed:
        return _render(request, "leads/marketing/_cost_row_error.html", {"form": form}, status=422)
    owner = target.campaign.channel if target.campaign else target.channel
    row = GridRow(target.key, form.cleaned_data["category"], owner, target.campaign, scope["year"])
    context = {"row": row, "scope": scope, "can_edit": True}
    return _render(request, "leads/marketing/_cost_row.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cost_import(request: HttpRequest) -> HttpResponse:
    """Upload -> preview: every row with what it will do (create, update, unchanged) or why it fails."""
    require_marketing_edit(request)
    form = CostImportForm(request.POST or None, request.FILES or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            preview = cost_import_preview(filename=upload.name or "", content=upload.read())
        except ValidationFailed as error:
            for message in error.errors.get("file", [error.message]):
                form.add_error("file", message)
    actions = (RowAction.CREATE, RowAction.UPDATE, RowAction.UNCHANGED, RowAction.ERROR)
    counts = {action: preview.count(action) for action in actions} if preview else {}
    context = {"form": form, "preview": preview, "counts": counts}
    return _render(request, "leads/marketing/cost_import.html", context, status=422 if form.errors else 200)


@login_required
@require_POST
def cost_import_confirm(request: HttpRequest) -> HttpResponse:
    """Write the previewed file's valid rows; the failing ones are listed again."""
    require_marketing_edit(request)
    token = request.POST.get("token", "")
    try:
        result = cost_import_commit(token=token)
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect("marketing:cost-import")
    return _render(request, "leads/marketing/cost_import_done.html", {"result": result})
