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

from analytics.charts import funnel_chart
from analytics.formatting import Kind, format_value
from analytics.panels import ExtraTable, Panel, labels_of, register, series
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


BOARDS: dict[str, Board] = {
    "overview": Board(
        slug="overview", title=gettext_lazy("Marketing dashboard"),
        description=gettext_lazy("Which channels bring leads that convert, what a customer costs, and how fast "
                                 "it pays back."),
        panels=("funnel",),
    ),
}  # fmt: skip
