"""The dashboard's panels: which query each one runs, the chart drawn from its frame, how its table reads.

A panel is data, not a view: the board views render any list of them, the CSV export looks one up by slug.
The queries live in `analytics.queries` (another module's contract); this module only adapts their results
for people: translated headings, locale numbers, a plotly figure.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analytics.charts import figure_json
from analytics.formatting import Kind, format_value
from analytics.queries.base import AnalyticsFilters, QueryResult

# Columns the table never shows: machine keys beside their labels.
MACHINE_COLUMNS = ("key", "stage", "channel_id", "campaign_id", "owner_id", "channel_key", "campaign_key")
NAME_KINDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("rate", "share", "conversion", "compliance", "churn", "nrr", "margin", "percent"), Kind.PERCENT),
    (("roi", "romi"), Kind.PERCENT),
    (("ltv_cac",), Kind.MULTIPLE),
    (("revenue", "cost", "cac", "ltv", "arpu", "cpl", "per_mql", "spend", "budget", "amount", "deal"), Kind.MONEY),
    (("payback", "months"), Kind.MONTHS),
    (("days", "median", "p75", "cycle"), Kind.DAYS),
    (("conversions",), Kind.FRACTION),
    (("count", "leads", "mqls", "customers", "visits", "entries", "met", "breached", "open", "returned"), Kind.INT),
)


def column_kind(name: str, series: pd.Series | None = None) -> str:
    """How a column reads when the panel does not say: by its name, else by its values."""
    lowered = name.lower()
    if lowered in ("ltv_cac", "ltv_to_cac"):
        return Kind.MULTIPLE
    for fragments, kind in NAME_KINDS:
        if any(fragment in lowered for fragment in fragments):
            return kind
    if series is not None and pd.api.types.is_integer_dtype(series):
        return Kind.INT
    if series is not None and pd.api.types.is_float_dtype(series):
        return Kind.NUMBER
    return Kind.TEXT


def code_labels() -> dict[str, str]:
    """Band and status codes the queries put in their frames -> their translated names."""
    from analytics.choices import BenchmarkStatus, LtvCacBand, PaybackBand
    from nurturing.models.sla import PolicyCode

    choices = [*BenchmarkStatus.choices, *LtvCacBand.choices, *PaybackBand.choices, *PolicyCode.choices]
    return {value: str(label) for value, label in choices}


@dataclass(frozen=True)
class ExtraTable:
    name: str  # the name of one of the result's extra frames
    title: Any
    columns: Mapping[str, Any]  # column key -> heading
    hidden: tuple[str, ...] = MACHINE_COLUMNS


@dataclass(frozen=True)
class Table:
    name: str  # "" for the main frame, else the name of one of the result's extra frames
    title: str
    headers: list[tuple[str, str]]  # (column key, heading)
    rows: list[list[tuple[str, str]]]  # (text, kind) per cell: the kind right-aligns numbers


@dataclass(frozen=True)
class Panel:
    slug: str
    title: Any
    description: Any
    query: Callable[[AnalyticsFilters, Mapping[str, Any]], Any]
    figure: Callable[[QueryResult], go.Figure]
    kinds: Mapping[str, str] = field(default_factory=dict)
    hidden: tuple[str, ...] = MACHINE_COLUMNS
    extra_tables: tuple[ExtraTable, ...] = ()
    summary: Callable[[QueryResult], list[tuple[str, str]]] | None = None
    wide: bool = False

    def run(self, filters: AnalyticsFilters, params: Mapping[str, Any]) -> QueryResult:
        return self.query(filters, params).run()  # type: ignore[no-any-return]

    def frame(self, result: QueryResult, name: str = "") -> tuple[pd.DataFrame, dict[str, str]]:
        """The frame `name` ("" = the main one) and its headings by column key."""
        if not name:
            return result.frame, dict(result.columns)
        extra = next(table for table in self.extra_tables if table.name == name)
        return result.extra[name], {key: str(label) for key, label in extra.columns.items()}

    def table(self, result: QueryResult, name: str = "", title: Any = "") -> Table:
        frame, labels = self.frame(result, name)
        hidden = next(extra.hidden for extra in self.extra_tables if extra.name == name) if name else self.hidden
        shown = [column for column in frame.columns if column not in hidden]
        headers = [(column, labels.get(column) or column) for column in shown]
        kinds = {column: self.kinds.get(column) or column_kind(column, frame[column]) for column in shown}
        currency, codes = str(result.data.get("currency") or ""), code_labels()
        rows = [
            [(_cell(row[column], kinds[column], currency, codes), kinds[column]) for column in shown]
            for row in frame.to_dict(orient="records")
        ]  # fmt: skip
        return Table(name=name, title=str(title), headers=headers, rows=rows)

    def tables(self, result: QueryResult) -> list[Table]:
        tables = [self.table(result)]
        tables += [self.table(result, extra.name, extra.title) for extra in self.extra_tables
                   if extra.name in result.extra]  # fmt: skip
        return tables

    def csv(self, result: QueryResult, name: str = "") -> str:
        """The frame as CSV with translated headings, with a byte-order mark so Excel (a Chinese Windows Excel
        too) reads it as UTF-8. Text that a spreadsheet would run as a formula is quoted."""
        frame, labels = self.frame(result, name)
        safe = frame.map(_csv_safe)
        buffer = io.StringIO()
        safe.rename(columns=labels).to_csv(buffer, index=False)
        return "\ufeff" + buffer.getvalue()

    def chart_json(self, result: QueryResult) -> str:
        return figure_json(self.figure(result))


def _cell(value: Any, kind: str, currency: str, codes: Mapping[str, str]) -> str:
    if kind == Kind.TEXT and isinstance(value, str) and value in codes:
        return str(codes[value])
    return format_value(value, kind, currency=currency)


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def labels_of(frame: pd.DataFrame, column: str = "label") -> list[str]:
    return [str(value) for value in frame[column]] if column in frame else []


def series(frame: pd.DataFrame, column: str) -> Sequence[Any]:
    return list(frame[column]) if column in frame else []


ALL_PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    ALL_PANELS.append(panel)
    return panel


def panel_by_slug(slug: str) -> Panel | None:
    return next((panel for panel in ALL_PANELS if panel.slug == slug), None)
