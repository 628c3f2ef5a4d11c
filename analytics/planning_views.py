"""Planning pages: the unit-economics calculator and the what-if funnel simulator.

Each page starts from the data (the baseline), lets a marketer edit the inputs and shows the baseline and the
plan side by side. The form is a GET (bookmarkable); htmx swaps only the result. The engine's calculator and
simulator do the arithmetic, so the page and the API always agree.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from analytics.boards import BOARDS
from analytics.charts import bar_chart
from analytics.economics import ltv_simple
from analytics.formatting import Kind, format_value
from analytics.forms import CalculatorForm, SimpleLtvForm, SimulatorForm
from analytics.panels import Panel, code_labels, labels_of, series
from analytics.planning import economics_baseline
from analytics.queries.base import AnalyticsFilters, QueryResult, filters_from_params
from analytics.queries.common import stage_label
from analytics.queries.simulate import DEFAULT_STAGES, SimulationQuery
from analytics.queries.unit_economics import UnitEconomicsCalculation
from analytics.views import require_analytics
from leadflow.errors import ValidationFailed
from leads.views.leads import _is_fragment, _render

CALCULATOR_ROWS: tuple[tuple[str, Any, str], ...] = (
    ("ltv", gettext_lazy("LTV"), Kind.MONEY),
    ("ltv_cac", gettext_lazy("LTV/CAC"), Kind.MULTIPLE),
    ("band", gettext_lazy("LTV/CAC band"), Kind.TEXT),
    ("payback_months", gettext_lazy("CAC payback"), Kind.MONTHS),
    ("payback_band", gettext_lazy("Payback band"), Kind.TEXT),
    ("lifetime_years", gettext_lazy("Customer lifetime"), Kind.YEARS),
)
INPUT_ROWS: tuple[tuple[str, str], ...] = (
    ("cac", Kind.MONEY),
    ("arpu", Kind.MONEY),
    ("gross_margin", Kind.PERCENT),
    ("annual_churn", Kind.PERCENT),
)


def with_defaults(request: HttpRequest, initial: Mapping[str, Any]) -> dict[str, Any]:
    """The submitted values, with the data's value in every field left empty: the form then always shows the
    numbers the plan was computed with."""
    data = {key: "" if value is None else str(value) for key, value in initial.items()}
    data.update({key: str(value) for key, value in request.GET.items() if str(value).strip()})
    return data


@dataclass(frozen=True)
class CompareRow:
    label: str
    baseline: str
    plan: str
    changed: bool
    band: str = ""  # the plan's band code, for its colour


def calculate(inputs: Mapping[str, Decimal | None]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """The calculator's answer for these inputs, or the errors naming the inputs (missing ones included)."""
    missing = {name: [_("Enter a value; the data has none for this period.")] for name, _kind in INPUT_ROWS
               if inputs.get(name) is None}  # fmt: skip
    if missing:
        return None, missing
    try:
        result = UnitEconomicsCalculation(**{name: inputs[name] for name, _kind in INPUT_ROWS}).run()  # type: ignore[arg-type]
    except ValidationFailed as error:
        return None, dict(error.errors)
    return result.data, {}


def compare_rows(baseline_inputs: Mapping[str, Any], baseline: dict[str, Any] | None, plan_inputs: Mapping[str, Any],
                 plan: dict[str, Any] | None) -> list[CompareRow]:  # fmt: skip
    labels = dict(CalculatorForm.base_fields.items())
    codes = code_labels()
    rows = []
    for name, kind in INPUT_ROWS:
        before, after = format_value(baseline_inputs.get(name), kind), format_value(plan_inputs.get(name), kind)
        rows.append(CompareRow(str(labels[name].label), before, after, before != after))
    for name, label, kind in CALCULATOR_ROWS:
        raw_before, raw_after = (baseline or {}).get(name), (plan or {}).get(name)
        if kind == Kind.TEXT:
            before, after = str(codes.get(raw_before or "", "—")), str(codes.get(raw_after or "", "—"))
        else:
            before, after = format_value(raw_before, kind), format_value(raw_after, kind)
        rows.append(CompareRow(str(label), before, after, before != after, band=str(raw_after or "")))
    return rows


@login_required
@require_GET
def calculator(request: HttpRequest) -> HttpResponse:
    require_analytics(request)
    filters, period_errors = _period_filters(request)
    baseline = economics_baseline(params={"from": filters.date_from.isoformat(), "to": filters.date_to.isoformat()})
    edited = "cac" in request.GET
    form = CalculatorForm(with_defaults(request, baseline.initial()) if edited else None, initial=baseline.initial())
    plan_inputs: dict[str, Any] = baseline.initial()
    if edited and form.is_valid():
        plan_inputs.update({key: value for key, value in form.cleaned_data.items() if value is not None})
    baseline_result, _baseline_errors = calculate(baseline.initial())
    plan_result, errors = calculate(plan_inputs) if not (edited and form.errors) else (None, {})
    for name, messages in errors.items() if edited else ():
        for message in messages:
            form.add_error(name if name in form.fields else None, message)
    simple = SimpleLtvForm(request.GET if "price" in request.GET else None)
    simple_ltv = None
    if simple.is_bound and simple.is_valid() and None not in simple.cleaned_data.values():
        simple_ltv = format_value(ltv_simple(**simple.cleaned_data), Kind.MONEY)
    context = {
        "form": form, "simple": simple, "simple_ltv": simple_ltv, "baseline": baseline,
        "rows": compare_rows(baseline.initial(), baseline_result, plan_inputs, plan_result),
        "boards": list(BOARDS.values()), "has_plan": plan_result is not None, "errors": period_errors,
    }  # fmt: skip
    template = "analytics/_calculator_result.html" if _is_fragment(request) else "analytics/calculator.html"
    return _render(request, template, context, status=422 if form.errors else 200)


# --- what-if simulator ------------------------------------------------------------------------------------


def _simulation_figure(result: QueryResult) -> go.Figure:
    frame = result.frame
    return bar_chart(labels_of(frame), [(_("From your data"), series(frame, "baseline_count")),
                                        (_("Your plan"), series(frame, "count"))])  # fmt: skip


SIMULATION = Panel(
    slug="simulate", title=gettext_lazy("What-if funnel"), description="",
    query=lambda filters, params: SimulationQuery(filters=filters, **params), figure=_simulation_figure,
    kinds={"baseline_rate": Kind.PERCENT, "rate": Kind.PERCENT, "baseline_count": Kind.NUMBER,
           "count": Kind.NUMBER},
)  # fmt: skip


def _period_filters(request: HttpRequest) -> tuple[AnalyticsFilters, dict[str, list[str]]]:
    period = {key: request.GET[key] for key in ("from", "to") if request.GET.get(key)}
    today = timezone.localdate()
    try:
        return filters_from_params(period, today=today), {}
    except ValidationFailed as error:
        return filters_from_params({}, today=today), dict(error.errors)


def _simulation_params(form: SimulatorForm, stages: tuple[str, ...], baseline: Mapping[str, Any]) -> dict[str, Any]:
    """The plan: typed values, and the data's for the fields left empty."""
    data = form.cleaned_data
    typed = form.rates() or ()
    exact = [Decimal(str(rate)) for rate in baseline["rates"]]
    # The form shows the data's rates to 4 places; a rate left as shown means the data's exact rate.
    rates = tuple(exact[i] if i >= len(typed) or typed[i] is None or typed[i] == round(exact[i], 4) else typed[i]
                  for i in range(len(stages) - 1))  # fmt: skip
    return {
        "stages": stages, "rates": rates,
        "top": data["top"] if data.get("top") is not None else Decimal(str(baseline["top"])),
        "average_deal": data["average_deal"] if data.get("average_deal") is not None
        else Decimal(str(baseline["average_deal"] or 0)),
    }  # fmt: skip


@login_required
@require_GET
def simulator(request: HttpRequest) -> HttpResponse:
    """The funnel from the data beside the edited plan: counts per stage and the new revenue they bring."""
    require_analytics(request)
    start = request.GET.get("start") if request.GET.get("start") in ("visit", "lead") else "visit"
    stages = DEFAULT_STAGES if start == "visit" else DEFAULT_STAGES[1:]
    filters, errors = _period_filters(request)
    baseline = SimulationQuery(filters=filters, stages=stages).run().data["baseline"]
    initial = {"start": start, "top": baseline["top"], "average_deal": baseline["average_deal"],
               **{f"rate_{i}": round(rate, 4) for i, rate in enumerate(baseline["rates"])}}  # fmt: skip
    steps = [(stage_label(a), stage_label(b)) for a, b in itertools.pairwise(stages)]
    edited = "top" in request.GET
    form = SimulatorForm(with_defaults(request, initial) if edited else None, initial=initial, steps=steps)
    params: dict[str, Any] = {"stages": stages}
    if edited and form.is_valid():
        params = _simulation_params(form, stages, baseline)
    try:
        result = SIMULATION.run(filters, params)
    except ValidationFailed as error:
        for name, messages in error.errors.items():
            for message in messages:
                form.add_error(name if name in form.fields else None, message)
        result = SIMULATION.run(filters, {"stages": stages})
    if request.GET.get("export") == "csv":
        return csv_response(SIMULATION.csv(result), f"simulation_{filters.date_from}_{filters.date_to}.csv")
    context = {
        "form": form, "filters": filters, "errors": errors, "result": result, "boards": list(BOARDS.values()),
        "chart_json": SIMULATION.chart_json(result), "table": SIMULATION.table(result),
        "revenue": [(_("From your data"), format_value(result.data["baseline"]["revenue"], Kind.MONEY)),
                    (_("Your plan"), format_value(result.data["revenue"], Kind.MONEY))],
        "export_query": _export_query(request),
    }  # fmt: skip
    template = "analytics/_simulator_result.html" if _is_fragment(request) else "analytics/simulator.html"
    return _render(request, template, context, status=422 if form.errors else 200)


def _export_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query["export"] = "csv"
    return query.urlencode()


def csv_response(content: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename) or ""
    return response
