"""Dashboard pages: boards of panels under one filter bar, each panel a chart, a table and a CSV export.

One view serves a board's page and, to htmx, its panels fragment (`analytics/_panels.html`): changing a
filter swaps the panels in place and pushes the URL, so a board is bookmarkable and works without scripts.
Every figure comes from a query's result (`analytics.queries`), never from the ORM here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from analytics.boards import BOARDS, Board
from analytics.forms import AttributionParamsForm, DashboardFilterForm, EconomicsParamsForm
from analytics.panels import Panel, Table, panel_by_slug
from analytics.queries.base import AnalyticsFilters, filters_from_params
from leadflow.errors import ValidationFailed
from leadflow.roles import Action, user_can
from leads.views.leads import _is_fragment, _render

PARAM_FORMS: dict[str, type[AttributionParamsForm] | type[EconomicsParamsForm]] = {
    "attribution": AttributionParamsForm,
    "economics": EconomicsParamsForm,
}


def require_analytics(request: HttpRequest) -> None:
    if not user_can(request.user, Action.VIEW_ANALYTICS):
        raise PermissionDenied(_("Your role may not see the analytics dashboards."))


@dataclass
class PanelView:
    panel: Panel
    chart_json: str = ""
    tables: list[Table] = field(default_factory=list)
    summary: list[tuple[str, str]] = field(default_factory=list)
    cache_key: str = ""
    error: str = ""


@dataclass
class BoardInput:
    filters: AnalyticsFilters
    params: dict[str, Any]
    errors: dict[str, list[str]]


def board_input(request: HttpRequest, board: Board | None = None) -> BoardInput:
    """The filters and the board's own parameters from the query string. Bad values are reported by field and
    replaced by the defaults, so the panels still show something while the filter bar shows the error."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    try:
        filters = filters_from_params(request.GET, today=today)
    except ValidationFailed as error:
        errors.update(error.errors or {"from": [error.message]})
        filters = filters_from_params({}, today=today)
    params: dict[str, Any] = {}
    for name, form_class in PARAM_FORMS.items():
        if board is not None and name not in board.params:
            continue
        form = form_class(request.GET)
        if form.is_valid():
            params.update(form.params())
        else:
            errors.update({field: [str(m) for m in messages] for field, messages in form.errors.items()})
            defaults = form_class({})
            params.update(defaults.params() if defaults.is_valid() else {})
    return BoardInput(filters=filters, params=params, errors=errors)


def panel_view(panel: Panel, filters: AnalyticsFilters, params: Mapping[str, Any],
               errors: dict[str, list[str]]) -> PanelView:  # fmt: skip
    """Run one panel; a parameter its query refuses is added to `errors` (shown in the filter bar)."""
    try:
        result = panel.run(filters, params)
    except ValidationFailed as error:
        for name, messages in (error.errors or {"": [error.message]}).items():
            errors.setdefault(name, []).extend(message for message in messages if message not in errors.get(name, []))
        return PanelView(panel=panel, error=error.message)
    summary = panel.summary(result) if panel.summary else []
    return PanelView(panel=panel, chart_json=panel.chart_json(result), tables=panel.tables(result),
                     summary=summary, cache_key=result.cache_key)  # fmt: skip


@login_required
@require_GET
def board(request: HttpRequest, slug: str = "overview") -> HttpResponse:
    require_analytics(request)
    found = BOARDS.get(slug)
    if found is None:
        raise Http404(_("No such dashboard."))
    given = board_input(request, found)
    panels = [panel_view(panel, given.filters, given.params, given.errors)
              for panel in (panel_by_slug(name) for name in found.panels) if panel is not None]  # fmt: skip
    query = request.GET.copy()
    context = {
        "board": found, "boards": list(BOARDS.values()), "panels": panels, "filters": given.filters,
        "errors": given.errors, "filter_form": DashboardFilterForm(_with_period(request, given.filters)),
        "param_forms": [PARAM_FORMS[name](request.GET or None) for name in found.params],
        "query": query.urlencode(),
    }  # fmt: skip
    template = "analytics/_panels.html" if _is_fragment(request) else "analytics/board.html"
    return _render(request, template, context, status=200)


def _with_period(request: HttpRequest, filters: AnalyticsFilters) -> dict[str, Any]:
    """The query string with the period actually shown filled in, so the date fields never read empty."""
    data: dict[str, Any] = {key: request.GET.get(key) for key in request.GET}
    if not data.get("from"):
        data["from"] = filters.date_from.isoformat()
    if not data.get("to"):
        data["to"] = filters.date_to.isoformat()
    return data


@login_required
@require_GET
def panel_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The CSV of a panel's table (`?frame=<name>` for its second table) for the same filters as the page."""
    require_analytics(request)
    panel = panel_by_slug(slug)
    name = request.GET.get("frame", "")
    if panel is None or (name and name not in {extra.name for extra in panel.extra_tables}):
        raise Http404(_("No such table."))
    given = board_input(request)
    if given.errors:
        problems = "; ".join(f"{name}: {message}" for name, messages in given.errors.items() for message in messages)
        return HttpResponse(_("Fix the filters: %(errors)s") % {"errors": problems}, status=400,
                            content_type="text/plain; charset=utf-8")  # fmt: skip
    try:
        result = panel.run(given.filters, given.params)
    except ValidationFailed as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(panel.csv(result, name), content_type="text/csv; charset=utf-8")
    f = given.filters
    filename = f"{slug}{'-' + name if name else ''}_{f.date_from:%Y-%m-%d}_{f.date_to:%Y-%m-%d}.csv"
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response
