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

from analytics.charts import band_color, bar_chart, funnel_chart, stacked_by_month, styled
from analytics.choices import AttributionModel, LtvCacBand, PaybackBand
from analytics.formatting import Kind, format_value
from analytics.panels import MACHINE_COLUMNS, ExtraTable, Panel, code_labels, labels_of, register, series
from analytics.queries.attribution import AttributionComparisonQuery, AttributionQuery
from analytics.queries.base import AnalyticsFilters, QueryResult
from analytics.queries.campaigns import CampaignRoiQuery
from analytics.queries.funnel import FunnelQuery
from analytics.queries.series import ChannelSeriesQuery
from analytics.queries.sla import SlaQuery
from analytics.queries.unit_economics import UnitEconomicsQuery
from analytics.queries.velocity import VelocityQuery


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


# --- unit economics ---------------------------------------------------------------------------------------


def _economics_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> UnitEconomicsQuery:
    return UnitEconomicsQuery(filters=filters, gross_margin=params.get("gross_margin"),
                              annual_churn=params.get("annual_churn"), arpu=params.get("arpu"))  # fmt: skip


def _economics_figure(result: QueryResult) -> go.Figure:
    """LTV/CAC per channel, each bar in its band's colour, with the band limits (1, 3, 5) drawn across."""
    frame = result.frame
    bands = [str(band) for band in series(frame, "band")]
    figure = bar_chart(labels_of(frame), [(_("LTV/CAC"), series(frame, "ltv_cac"))], horizontal=True,
                       colors=[band_color(band) for band in bands])  # fmt: skip
    for limit in (1, 3, 5):
        figure.add_vline(x=limit, line_dash="dot", line_color="#94a3b8", annotation_text=f"{limit}×",
                         annotation_position="top")  # fmt: skip
    return styled(figure, legend=False)


def _economics_summary(result: QueryResult) -> list[tuple[str, str]]:
    total, ledger = result.data.get("total") or {}, result.data.get("ledger") or {}
    bands = {**dict(LtvCacBand.choices), **dict(PaybackBand.choices)}
    return [
        (_("CAC (fully loaded)"), format_value(total.get("cac"), Kind.MONEY)),
        (_("LTV"), format_value(total.get("ltv"), Kind.MONEY) if total.get("ltv") is not None or
         ledger.get("annual_churn") is not None else _("— enter an annual churn above (none in the revenue ledger)")),
        (_("LTV/CAC"), f"{format_value(total.get('ltv_cac'), Kind.MULTIPLE)} · "
                       f"{bands.get(str(total.get('band')), '')}"),
        (_("CAC payback"), f"{format_value(total.get('payback_months'), Kind.MONTHS)} · "
                           f"{bands.get(str(total.get('payback_band')), '')}"),
        (_("Annual churn"), format_value(ledger.get("annual_churn"), Kind.PERCENT)),
        (_("NRR"), format_value(ledger.get("nrr"), Kind.PERCENT)),
    ]  # fmt: skip


UNIT_ECONOMICS = register(Panel(
    slug="unit-economics", title=gettext_lazy("CAC, LTV and payback by channel"),
    description=gettext_lazy("Fully loaded CAC = all costs / new customers; LTV = ARPU × gross margin / annual "
                             "churn. LTV/CAC under 1 loses money, 3 to 5 is healthy; payback under 6 months is "
                             "excellent, over 12 needs work."),
    query=_economics_query, figure=_economics_figure, summary=_economics_summary, wide=True,
    hidden=(*MACHINE_COLUMNS, "channel", "paid_cost", "annual_churn", "attributed_ltv"),
    kinds={"leads": Kind.INT, "mqls": Kind.INT, "new_customers": Kind.INT, "ltv_cac": Kind.MULTIPLE,
           "payback_months": Kind.MONTHS, "roi": Kind.PERCENT, "roi_long_term": Kind.PERCENT,
           "band": Kind.TEXT, "payback_band": Kind.TEXT},
))  # fmt: skip


# --- campaign ROI -----------------------------------------------------------------------------------------


def _campaign_roi_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> CampaignRoiQuery:
    return CampaignRoiQuery(filters=filters, gross_margin=params.get("gross_margin"))


def _campaign_roi_figure(result: QueryResult) -> go.Figure:
    frame = result.frame
    rois = series(frame, "roi")
    colors = ["#16a34a" if value is not None and value == value and value >= 0 else "#dc2626" for value in rois]
    return bar_chart(labels_of(frame), [(_("ROI"), rois)], horizontal=True, tick_format=".0%", colors=colors,
                     height=max(320, 60 + 22 * len(rois)))  # fmt: skip


CAMPAIGN_ROI = register(Panel(
    slug="campaign-roi", title=gettext_lazy("Campaign ROI"),
    description=gettext_lazy("Revenue credited to each campaign's touchpoints (linear attribution) against the "
                             "campaign's costs in the period; long-term ROI uses the attributed lifetime value. "
                             "A campaign that spent and won nothing shows −100 %."),
    query=_campaign_roi_query, figure=_campaign_roi_figure, wide=True,
    hidden=(*MACHINE_COLUMNS, "campaign", "channel"),
    kinds={"leads": Kind.INT, "new_customers": Kind.INT, "cost": Kind.MONEY, "attributed_revenue": Kind.MONEY,
           "roi": Kind.PERCENT, "attributed_ltv": Kind.MONEY, "roi_long_term": Kind.PERCENT},
))  # fmt: skip


# --- leads and MQLs by channel over time ------------------------------------------------------------------


def _series_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> ChannelSeriesQuery:
    return ChannelSeriesQuery(filters=filters)


def _series_figure(result: QueryResult) -> go.Figure:
    """Two stacked-bar rows sharing the months: leads above, MQLs below, one colour per channel."""
    return stacked_by_month(result.frame, month="month", group="label",
                            values=(("leads", _("Leads")), ("mqls", _("MQLs"))))  # fmt: skip


CHANNEL_SERIES = register(Panel(
    slug="channel-series", title=gettext_lazy("Leads and MQLs by channel over time"),
    description=gettext_lazy("Leads created and leads that became MQLs, per month and source channel."),
    query=_series_query, figure=_series_figure, hidden=(*MACHINE_COLUMNS, "channel"),
    kinds={"month": Kind.TEXT, "leads": Kind.INT, "mqls": Kind.INT},
))  # fmt: skip


# --- velocity ---------------------------------------------------------------------------------------------


def _velocity_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> VelocityQuery:
    return VelocityQuery(filters=filters)


def _velocity_figure(result: QueryResult) -> go.Figure:
    frame = result.frame
    return bar_chart(labels_of(frame), [(_("Median days"), series(frame, "median_days")),
                                        (_("75th percentile days"), series(frame, "p75_days"))],
                     horizontal=True)  # fmt: skip


def _velocity_summary(result: QueryResult) -> list[tuple[str, str]]:
    cycle = result.data.get("sales_cycle") or {}
    return [
        (_("Sales cycle (median)"), format_value(cycle.get("median_days"), Kind.DAYS)),
        (_("Sales cycle (75th percentile)"), format_value(cycle.get("p75_days"), Kind.DAYS)),
        (_("Customers measured"), format_value(cycle.get("leads"), Kind.INT)),
    ]


VELOCITY = register(Panel(
    slug="velocity", title=gettext_lazy("How fast leads move"),
    description=gettext_lazy("Days from entering one stage to entering the next, for leads that reached the next "
                             "stage in the period; the last row is the whole sales cycle."),
    query=_velocity_query, figure=_velocity_figure, summary=_velocity_summary,
    hidden=(*MACHINE_COLUMNS, "from_stage", "to_stage"),
    kinds={"leads": Kind.INT, "median_days": Kind.DAYS, "p75_days": Kind.DAYS},
    extra_tables=(ExtraTable("time_in_stage", gettext_lazy("Time in the current stage"),
                             VelocityQuery.current_columns),),
))  # fmt: skip


# --- SLA compliance ---------------------------------------------------------------------------------------

SLA_OUTCOMES = (("met_on_time", gettext_lazy("Met on time"), "#16a34a"), ("met_late", gettext_lazy("Met late"),
                "#f59e0b"), ("breached", gettext_lazy("Breached"), "#dc2626"), ("open", gettext_lazy("Open"),
                "#94a3b8"))  # fmt: skip


def _sla_query(filters: AnalyticsFilters, params: Mapping[str, Any]) -> SlaQuery:
    return SlaQuery(filters=filters)


def _sla_figure(result: QueryResult) -> go.Figure:
    """Per owner and policy: clocks met on time, met late, breached and still open, stacked."""
    owners = result.extra.get("owners")
    if owners is None or owners.empty:
        return styled(go.Figure(), legend=False)
    codes = code_labels()
    labels = [
        f"{owner} · {codes.get(str(policy), policy)}"
        for owner, policy in zip(owners["owner"], owners["policy"], strict=True)
    ]
    traces = [(str(title), series(owners, column)) for column, title, _color in SLA_OUTCOMES]
    return bar_chart(labels, traces, stacked=True, horizontal=True, colors=[color for *_rest, color in SLA_OUTCOMES],
                     height=max(320, 40 + 28 * len(labels)))  # fmt: skip


def _sla_summary(result: QueryResult) -> list[tuple[str, str]]:
    frame = result.frame
    totals = {column: int(frame[column].sum()) if column in frame else 0 for column, *_rest in SLA_OUTCOMES}
    decided = totals["met_on_time"] + totals["met_late"] + totals["breached"]
    return [
        (_("Met on time"), format_value(totals["met_on_time"] / decided if decided else None, Kind.PERCENT)),
        (_("Breached"), format_value(totals["breached"], Kind.INT)),
        (_("SAL / MQL (> 60 % acceptable, > 90 % good)"), format_value(result.data.get("sal_mql"), Kind.PERCENT)),
    ]


SLA = register(Panel(
    slug="sla", title=gettext_lazy("SLA compliance by rep"),
    description=gettext_lazy("SLA clocks started in the period: met on time, met late, breached, still open; "
                             "returned MQLs by reason and SDR performance with credited MQLs (reached SQL and "
                             "not returned within 14 days)."),
    query=_sla_query, figure=_sla_figure, summary=_sla_summary, hidden=(*MACHINE_COLUMNS, "policy"),
    kinds={"compliance": Kind.PERCENT, "mql_to_sql": Kind.PERCENT, "credited": Kind.INT, "mqls": Kind.INT,
           "reached_sql": Kind.INT, "returned": Kind.INT, "clocks": Kind.INT, "stopped": Kind.INT},
    extra_tables=(
        ExtraTable("owners", gettext_lazy("Compliance by owner"), SlaQuery.owner_columns),
        ExtraTable("returns", gettext_lazy("Returned MQLs by reason"), SlaQuery.return_columns,
                   hidden=(*MACHINE_COLUMNS, "reason")),
        ExtraTable("sdrs", gettext_lazy("SDR performance"), SlaQuery.sdr_columns),
    ),
))  # fmt: skip


BOARDS: dict[str, Board] = {
    "overview": Board(
        slug="overview", title=gettext_lazy("Marketing dashboard"),
        description=gettext_lazy("Which channels bring leads that convert, what a customer costs, and how fast "
                                 "it pays back."),
        panels=("funnel", "channel-series", "unit-economics", "campaign-roi"), params=("economics",),
    ),
    "attribution": Board(
        slug="attribution", title=gettext_lazy("Attribution"),
        description=gettext_lazy("What each attribution model says each channel, campaign or touchpoint kind "
                                 "earned, against what it cost."),
        panels=("attribution-comparison", "attribution"), params=("attribution",),
    ),
    "sales": Board(
        slug="sales", title=gettext_lazy("Velocity and SLA"),
        description=gettext_lazy("How fast leads move through the funnel and who keeps the hand-off SLA."),
        panels=("sla", "velocity"),
    ),
}  # fmt: skip
