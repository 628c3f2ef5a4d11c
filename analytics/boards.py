"""The dashboard boards and their panels, wired to the analytics queries.

A board is a page: the marketing overview, attribution, and the sales side (velocity and SLA). Each panel
names its query, draws its chart from the result's frame and says how its columns read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.charts import bar_chart, funnel_chart
from analytics.choices import AttributionModel
from analytics.formatting import Kind, format_value
from analytics.panels import MACHINE_COLUMNS, ExtraTable, Panel, labels_of, register, series
from analytics.queries.attribution import AttributionComparisonQuery, AttributionQuery
from analytics.queries.base import AnalyticsFilters, QueryResult
from analytics.queries.funnel import FunnelQuery


@dataclass(frozen=True)
class Board:
    slug: str
    title: Any
    description: Any
    panels: tuple[str, ...]
    params: tuple[str, ...] = ()  # the board's own parameters beside the common filters (attribution)


# --- funnel -----------------------------------------------------------------------------------------------


def _funnel_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> FunnelQuery:
    return FunnelQuery(filters=filters)


def _funnel_figure(result: QueryResult) -> go.Figure:
    return funnel_chart(labels_of(result.frame), series(result.frame, "count"))


def _funnel_summary(result: QueryResult) -> list[tuple[str, str]]:
    data = result.data
    return [
        (_("Visits"), format_value(data.get("visits"), Kind.INT)),
        (_("Visit → lead"), format_value(data.get("visit_to_lead"), Kind.PERCENT)),
        (_("Lead → customer"), format_value(data.get("overall"), Kind.PERCENT)),
    ]


FUNNEL = register(Panel(
    slug="funnel", title=gettext_lazy("Funnel"),
    description=gettext_lazy("Leads created in the period and how many reached each stage (a skipped stage "
                             "counts as reached); entries are every stage change in the period."),
    query=_funnel_query, figure=_funnel_figure, summary=_funnel_summary,
    kinds={"count": Kind.INT, "flow_count": Kind.INT, "conversion_from_previous": Kind.PERCENT,
           "rate": Kind.PERCENT, "low": Kind.PERCENT, "high": Kind.PERCENT},
    extra_tables=(ExtraTable("benchmarks", gettext_lazy("Conversions against benchmarks"),
                             FunnelQuery.benchmark_columns),),
))  # fmt: skip


# --- attribution ------------------------------------------------------------------------------------------


def _attribution_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> AttributionQuery:
    return AttributionQuery(
        filters=filters, model=params["model"], group_by=params["group_by"], lookback_days=params["lookback_days"],
        half_life_days=params["half_life_days"],
    )  # fmt: skip


def _attribution_figure(result: QueryResult) -> go.Figure:
    frame = result.frame
    return bar_chart(labels_of(frame), [(_("Credited revenue"), series(frame, "revenue")),
                                        (_("Cost"), series(frame, "cost"))], horizontal=True)  # fmt: skip


def _attribution_summary(result: QueryResult) -> list[tuple[str, str]]:
    data = result.data
    unattributed = data.get("unattributed") or {}
    return [
        (_("Model"), str(dict(AttributionModel.choices).get(data.get("model", ""), data.get("model", "")))),
        (_("Revenue of converted leads"), format_value(data.get("total_revenue"), Kind.MONEY)),
        (_("Conversions credited"), format_value(data.get("total_conversions"), Kind.INT)),
        (_("Revenue without touchpoints"), format_value(unattributed.get("revenue"), Kind.MONEY)),
    ]


ATTRIBUTION = register(Panel(
    slug="attribution", title=gettext_lazy("Attribution by the chosen model"),
    description=gettext_lazy("Revenue of leads that became customers in the period, credited to the touchpoints "
                             "before the win inside the lookback window; ROI = (credited revenue − cost) / cost."),
    query=_attribution_query, figure=_attribution_figure, summary=_attribution_summary,
    kinds={"revenue": Kind.MONEY, "cost": Kind.MONEY, "conversions": Kind.FRACTION, "share": Kind.PERCENT,
           "roi": Kind.PERCENT},
))  # fmt: skip


def _comparison_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> AttributionComparisonQuery:
    return AttributionComparisonQuery(
        filters=filters, group_by=params["group_by"], lookback_days=params["lookback_days"],
        half_life_days=params["half_life_days"],
    )  # fmt: skip


def _comparison_figure(result: QueryResult) -> go.Figure:
    frame = result.frame
    traces = [(str(model.label), series(frame, f"{model.value}_revenue")) for model in AttributionModel]
    return bar_chart(labels_of(frame), traces, height=380)


ATTRIBUTION_COMPARISON = register(Panel(
    slug="attribution-comparison", title=gettext_lazy("Every attribution model side by side"),
    description=gettext_lazy("The same conversions credited by each of the seven models: where they agree a "
                             "channel's value is robust; where they differ, it depends on the model."),
    query=_comparison_query, figure=_comparison_figure, wide=True,
    hidden=(*MACHINE_COLUMNS, *(f"{model.value}_conversions" for model in AttributionModel)),
))  # fmt: skip


BOARDS: dict[str, Board] = {
    "overview": Board(
        slug="overview", title=gettext_lazy("Marketing dashboard"),
        description=gettext_lazy("Which channels bring leads that convert, what a customer costs, and how fast "
                                 "it pays back."),
        panels=("funnel",),
    ),
    "attribution": Board(
        slug="attribution", title=gettext_lazy("Attribution"),
        description=gettext_lazy("What each attribution model says each channel, campaign or touchpoint kind "
                                 "earned, against what it cost."),
        panels=("attribution-comparison", "attribution"), params=("attribution",),
    ),
}  # fmt: skip
