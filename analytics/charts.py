"""Plotly figures of the dashboard, always drawn from a query result's frame (never from the ORM).

Figures travel to the browser as JSON (`figure_json`) and are drawn by static/js/analytics.js with the
plotly.js the app serves itself. Labels come in already translated; axis numbers use the locale's separators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import get_language
from plotly.subplots import make_subplots

from analytics.formatting import plain_number

PALETTE = ("#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c",
           "#475569")  # fmt: skip
FONT = '-apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif'


def styled(figure: go.Figure, *, height: int = 320, legend: bool = True) -> go.Figure:
    """The house look: white, compact margins, the app's font, legend under the plot."""
    figure.update_layout(
        template="plotly_white", height=height, margin={"l": 48, "r": 16, "t": 16, "b": 40},
        font={"family": FONT, "size": 12}, colorway=list(PALETTE), showlegend=legend,
        legend={"orientation": "h", "y": -0.18, "x": 0}, separators=".,", hovermode="closest",
        meta={"language": get_language() or ""},
    )  # fmt: skip
    return figure


def figure_json(figure: go.Figure) -> str:
    return str(figure.to_json())


def funnel_chart(labels: Sequence[str], counts: Sequence[Any]) -> go.Figure:
    figure = go.Figure(go.Funnel(
        y=list(labels), x=[plain_number(value) or 0 for value in counts], textinfo="value+percent previous",
        marker={"color": PALETTE[0]}, connector={"line": {"color": "#cbd5e1"}},
    ))  # fmt: skip
    return styled(figure, legend=False)


def bar_chart(
    categories: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]], *, stacked: bool = False,
    horizontal: bool = False, tick_format: str = "", height: int = 320, colors: Sequence[str] | None = None,
    hover_format: str = ",.2f",
) -> go.Figure:  # fmt: skip
    """One bar trace per series; `tick_format` is a d3 format for the value axis (".0%" for rates),
    `hover_format` the one of the hover label (thousands grouped, two decimals by default)."""
    figure = go.Figure()
    axis, category_axis = ("x", "y") if horizontal else ("y", "x")
    for index, (name, values) in enumerate(series):
        points: list[Any] = [plain_number(value) for value in values]
        labels: list[Any] = list(categories)
        x, y = (points, labels) if horizontal else (labels, points)
        hover = f"%{{{category_axis}}}<br>{name}: %{{{axis}:{tick_format or hover_format}}}<extra></extra>"
        bar = go.Bar(name=name, x=x, y=y, orientation="h" if horizontal else "v", hovertemplate=hover)
        if colors:
            bar.marker.color = list(colors) if len(series) == 1 else colors[index % len(colors)]
        figure.add_trace(bar)
    figure.update_layout(barmode="stack" if stacked else "group")
    value_axis = {"tickformat": tick_format} if tick_format else {}
    if horizontal:
        figure.update_xaxes(**value_axis)
        figure.update_yaxes(autorange="reversed")
    else:
        figure.update_yaxes(**value_axis)
    return styled(figure, height=height, legend=len(series) > 1)


def line_chart(
    x: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]], *, tick_format: str = "", height: int = 320
) -> go.Figure:
    figure = go.Figure()
    for name, values in series:
        figure.add_trace(go.Scatter(name=name, x=list(x), y=[plain_number(value) for value in values],
                                    mode="lines+markers"))  # fmt: skip
    if tick_format:
        figure.update_yaxes(tickformat=tick_format)
    return styled(figure, height=height)


def band_color(band: str) -> str:
    """Health bands of LTV/CAC and payback: red when losing or slow, green when healthy."""
    return {
        "losing": "#dc2626", "unhealthy": "#f59e0b", "healthy": "#16a34a", "very_healthy": "#15803d",
        "excellent": "#15803d", "good": "#16a34a", "needs_work": "#f59e0b",
    }.get(band, "#94a3b8")  # fmt: skip


def stacked_by_month(
    frame: pd.DataFrame, *, month: str, group: str, values: Sequence[tuple[str, str]], height: int = 460
) -> go.Figure:
    """One row of stacked bars per value column (titled), x = months, a trace per group in a colour it keeps
    across rows; the legend lists each group once."""
    figure = make_subplots(rows=len(values), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=[title for _column, title in values])  # fmt: skip
    groups = list(dict.fromkeys(str(name) for name in frame[group])) if group in frame else []
    for row, (column, _title) in enumerate(values, start=1):
        for index, name in enumerate(groups):
            part = frame[frame[group] == name]
            figure.add_trace(go.Bar(
                name=name, x=[str(m) for m in part[month]], y=[plain_number(v) for v in part[column]],
                legendgroup=name, showlegend=row == 1, marker={"color": PALETTE[index % len(PALETTE)]},
            ), row=row, col=1)  # fmt: skip
    figure.update_layout(barmode="stack")
    return styled(figure, height=height)
