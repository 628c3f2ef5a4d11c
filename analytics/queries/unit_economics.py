"""Unit economics per channel (CPL, cost per MQL, paid and fully loaded CAC, ARPU, churn, LTV, LTV/CAC,
payback, ROI and long-term ROI) and the calculator of the contract."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pandas as pd
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.attribution.sql import fetch
from analytics.choices import AttributionModel
from analytics.economics import ltv, ltv_cac_band, payback_band, payback_months, roi, unit_economics
from analytics.queries.attribution import DEFAULT_LOOKBACK_DAYS, AttributionQuery
from analytics.queries.base import AnalyticsFilters, AnalyticsQuery, QueryResult
from analytics.queries.common import money, money_str, records
from analytics.queries.ledger import churn_for_period, ledger_figures
from analytics.queries.money import channel_costs_split
from leadflow.errors import ValidationFailed
from leads.choices import OpportunityStatus, Stage
from leads.models import Channel, Lead, Opportunity, StageChange


def default_gross_margin() -> Decimal:
    return Decimal(str(settings.LEADFLOW.get("GROSS_MARGIN", 0.8)))


def _cents(value: object) -> Decimal:
    """A SQL sum of money as an exact Decimal (SQLite answers floats)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _div(numerator: Decimal | None, denominator: Decimal | int | None) -> Decimal | None:
    return None if numerator is None or not denominator else numerator / Decimal(denominator)


def _num(value: Decimal | None, places: str = "0.0001") -> float | None:
    return None if value is None else float(value.quantize(Decimal(places)))


def rate_errors(name: str, value: Decimal | None, *, allow_zero: bool = True) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not (Decimal(0) <= value <= Decimal(1)) or (not allow_zero and value == 0):
        return {name: [_("Enter a rate between 0 and 1.")]}
    return {}


@dataclass(frozen=True)
class UnitEconomicsQuery(AnalyticsQuery):
    """One row per channel with spend, leads or new customers in the period.

    Leads, MQLs and new customers are counted by the lead's source channel (first entry into the stage in
    the period); costs by the channel they are booked to (a campaign's cost counts for its channel). ARPU is
    the channel's average first-year won amount, else the ledger's ARR per active customer; churn is the
    ledger's (company-wide; the LEADFLOW_DEFAULT_ANNUAL_CHURN setting while the ledger has no churn to
    measure, `data.ledger.churn_source` says which). `arpu` / `annual_churn` override the data;
    `gross_margin` defaults to the LEADFLOW_GROSS_MARGIN setting. ROI credits revenue by `attribution_model`.
    """

    filters: AnalyticsFilters
    gross_margin: Decimal | None = None
    arpu: Decimal | None = None
    annual_churn: Decimal | None = None
    attribution_model: str = AttributionModel.LINEAR
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    name: ClassVar[str] = "unit-economics"
    columns: ClassVar[dict[str, Any]] = {
        "channel": gettext_lazy("Channel key"), "label": gettext_lazy("Channel"), "leads": gettext_lazy("Leads"),
        "mqls": gettext_lazy("MQLs"), "new_customers": gettext_lazy("New customers"),
        "cost": gettext_lazy("Cost (fully loaded)"), "paid_cost": gettext_lazy("Paid cost"),
        "cpl": gettext_lazy("Cost per lead"), "cost_per_mql": gettext_lazy("Cost per MQL"),
        "cac_paid": gettext_lazy("CAC (paid)"), "cac": gettext_lazy("CAC (fully loaded)"),
        "arpu": gettext_lazy("ARPU"), "annual_churn": gettext_lazy("Annual churn"), "ltv": gettext_lazy("LTV"),
        "ltv_cac": gettext_lazy("LTV/CAC"), "band": gettext_lazy("LTV/CAC band"),
        "payback_months": gettext_lazy("CAC payback (months)"), "payback_band": gettext_lazy("Payback band"),
        "attributed_revenue": gettext_lazy("Attributed revenue"), "roi": gettext_lazy("ROI"),
        "attributed_ltv": gettext_lazy("Attributed LTV"), "roi_long_term": gettext_lazy("Long-term ROI"),
    }  # fmt: skip

    def param_errors(self) -> dict[str, list[str]]:
        errors = {**rate_errors("gross_margin", self.gross_margin), **rate_errors("annual_churn", self.annual_churn)}
        if self.arpu is not None and self.arpu < 0:
            errors["arpu"] = [_("Enter an amount of 0 or more.")]
        if self.attribution_model not in AttributionModel.values:
            errors["attribution_model"] = [_("Unknown model; choose one of: %(choices)s.")
                                           % {"choices": ", ".join(AttributionModel.values)}]  # fmt: skip
        return errors

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        f = self.filters
        margin = self.gross_margin if self.gross_margin is not None else default_gross_margin()
        ledger = ledger_figures(f)
        churn, churn_source = churn_for_period(ledger=ledger, filters=f, override=self.annual_churn)
        counts = self._counts()
        costs, paid = channel_costs_split(f)
        attributed = self._attributed()
        ids = set(costs) | set(counts) | set(attributed)
        channels = Channel.objects.in_bulk(list(ids))
        rows = [self._row(channels[i], counts.get(i, {}), costs.get(i), paid.get(i), attributed.get(i),
                          margin=margin, churn=churn, fallback_arpu=ledger.arpu)
                for i in sorted(ids, key=lambda i: channels[i].name) if i in channels]  # fmt: skip
        total = self._row(None, _sum_counts(counts.values()), sum(costs.values(), Decimal(0)),
                          sum(paid.values(), Decimal(0)), sum(attributed.values(), Decimal(0)),
                          margin=margin, churn=churn, fallback_arpu=ledger.arpu)  # fmt: skip
        rows = [_rounded(row) for row in rows]
        frame = pd.DataFrame(rows, columns=list(self.columns))
        data = {
            "from": f.date_from.isoformat(), "to": f.date_to.isoformat(), "gross_margin": float(margin),
            "attribution_model": self.attribution_model, "rows": [_json(row) for row in records(frame)],
            "total": _json(_rounded(total)),
            "ledger": {"arpu": money_str(ledger.arpu), "annual_churn": _num(churn), "churn_source": churn_source,
                       "renewal_rate": _num(ledger.renewal_rate), "nrr": _num(ledger.nrr),
                       "active_customers_at_start": ledger.active_at_start,
                       "active_customers_at_end": ledger.active_at_end, "churned": ledger.churned},
        }  # fmt: skip
        return frame, data, {}

    def _counts(self) -> dict[int, dict[str, Any]]:
        """leads, mqls, new_customers and won revenue per source channel id, in one statement that reads the
        filtered leads once (id, channel, creation) for the three counts."""
        f = self.filters
        leads = Lead.objects.filter(f.lead_q()).values("id", "source_channel_id", "created_at").order_by()
        leads_sql, leads_params = leads.query.sql_with_params()
        changes, opportunities = (connection.ops.quote_name(m._meta.db_table) for m in (StageChange, Opportunity))
        sql = (
            f"WITH l AS ({leads_sql}) SELECT 'leads', source_channel_id, COUNT(*) FROM l "
            "WHERE created_at >= %s AND created_at < %s GROUP BY source_channel_id "
            "UNION ALL SELECT sc.to_stage, l.source_channel_id, COUNT(DISTINCT sc.lead_id) "
            f"FROM {changes} sc JOIN l ON l.id = sc.lead_id WHERE sc.at >= %s AND sc.at < %s "
            "AND sc.to_stage IN (%s, %s) GROUP BY sc.to_stage, l.source_channel_id "
            f"UNION ALL SELECT 'won', l.source_channel_id, SUM(o.won_amount) FROM {opportunities} o "
            "JOIN l ON l.id = o.lead_id WHERE o.status = %s AND o.closed_at >= %s AND o.closed_at < %s "
            "GROUP BY l.source_channel_id"
        )
        start, end = (connection.ops.adapt_datetimefield_value(at) for at in (f.start, f.end))
        params = [*leads_params, start, end, start, end, Stage.MQL.value, Stage.CUSTOMER.value,
                  OpportunityStatus.WON.value, start, end]  # fmt: skip
        names = {"leads": "leads", Stage.MQL.value: "mqls", Stage.CUSTOMER.value: "new_customers", "won": "won"}
        result: dict[int, dict[str, Any]] = {}
        for part, channel, value in fetch(sql, params):
            if channel is not None:
                result.setdefault(channel, {})[names[part]] = _cents(value) if part == "won" else int(value)
        return result

    def _attributed(self) -> dict[int, Decimal]:
        result = AttributionQuery(filters=self.filters, model=self.attribution_model, group_by="channel",
                                  lookback_days=self.lookback_days).run()  # fmt: skip
        slugs = dict(Channel.objects.values_list("slug", "pk"))
        return {slugs[row["key"]]: Decimal(row["revenue"]) for row in result.data["rows"] if row["key"] in slugs}

    def _row(self, channel: Channel | None, counts: dict[str, Any], cost: Decimal | None, paid: Decimal | None,
             attributed: Decimal | None, *, margin: Decimal, churn: Decimal | None,
             fallback_arpu: Decimal | None) -> dict[str, Any]:  # fmt: skip
        cost, paid = cost or Decimal(0), paid or Decimal(0)
        customers = counts.get("new_customers", 0)
        arpu = self.arpu if self.arpu is not None else (_div(counts.get("won"), customers) or fallback_arpu)
        cac = _div(cost, customers)
        value = ltv(arpu=arpu, gross_margin=margin, annual_churn=churn)
        ratio = _div(value, cac) if cac else None
        months = payback_months(cac=cac, arpu=arpu, gross_margin=margin)
        years = Decimal(1) / churn if churn else None
        attributed_ltv = None if attributed is None or years is None else attributed * margin * years
        return {
            "channel": channel.slug if channel else None, "label": channel.name if channel else _("Total"),
            "leads": counts.get("leads", 0), "mqls": counts.get("mqls", 0), "new_customers": customers,
            "cost": cost, "paid_cost": paid, "cpl": _div(cost, counts.get("leads")),
            "cost_per_mql": _div(cost, counts.get("mqls")), "cac_paid": _div(paid, customers), "cac": cac,
            "arpu": arpu, "annual_churn": _num(churn), "ltv": value, "ltv_cac": _num(ratio),
            "band": ltv_cac_band(ratio),
            "payback_months": _num(months), "payback_band": payback_band(months),
            "attributed_revenue": attributed, "roi": _num(roi(revenue=attributed, cost=cost)),
            "attributed_ltv": attributed_ltv, "roi_long_term": _num(roi(revenue=attributed_ltv, cost=cost)),
        }  # fmt: skip


MONEY_FIELDS = ("cost", "paid_cost", "cpl", "cost_per_mql", "cac_paid", "cac", "arpu", "ltv", "attributed_revenue",
                "attributed_ltv")  # fmt: skip


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    """Money to the cent (half up) for the table and the CSV; the figures behind ratios stay exact."""
    return {key: (money(value) if key in MONEY_FIELDS else value) for key, value in row.items()}


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {key: (money_str(value) if key in MONEY_FIELDS and value is not None else value)
            for key, value in row.items()}  # fmt: skip


def _sum_counts(rows: Any) -> dict[str, Any]:
    total: dict[str, Any] = {}
    for row in rows:
        for key, value in row.items():
            total[key] = total.get(key, 0) + value
    return total


@dataclass(frozen=True)
class UnitEconomicsCalculation:
    """The planning calculator: CAC, ARPU, gross margin and annual churn in; LTV, LTV/CAC, payback months,
    lifetime and the bands out. No database; `run()` answers the same QueryResult as the queries."""

    cac: Decimal
    arpu: Decimal
    gross_margin: Decimal
    annual_churn: Decimal
    name: ClassVar[str] = "unit-economics-calculate"
    columns: ClassVar[dict[str, Any]] = {
        "ltv": gettext_lazy("LTV"), "ltv_cac": gettext_lazy("LTV/CAC"),
        "payback_months": gettext_lazy("CAC payback (months)"), "lifetime_years": gettext_lazy("Lifetime (years)"),
        "band": gettext_lazy("LTV/CAC band"), "payback_band": gettext_lazy("Payback band"),
    }  # fmt: skip

    def validate(self) -> None:
        errors = {**rate_errors("gross_margin", self.gross_margin),
                  **rate_errors("annual_churn", self.annual_churn, allow_zero=False)}  # fmt: skip
        for name in ("cac", "arpu"):
            if getattr(self, name) < 0:
                errors[name] = [_("Enter an amount of 0 or more.")]
        if errors:
            raise ValidationFailed(_("Some analytics parameters are not valid."), errors=errors)

    def run(self) -> QueryResult:
        self.validate()
        figures = unit_economics(cac=self.cac, arpu=self.arpu, gross_margin=self.gross_margin,
                                 annual_churn=self.annual_churn)  # fmt: skip
        data = {
            "ltv": money_str(figures.ltv), "ltv_cac": _num(figures.ltv_cac),
            "payback_months": _num(figures.payback_months), "lifetime_years": _num(figures.lifetime_years),
            "band": figures.band, "payback_band": figures.payback_band,
        }  # fmt: skip
        key = hashlib.sha256(json.dumps([str(self.cac), str(self.arpu), str(self.gross_margin),
                                         str(self.annual_churn)]).encode()).hexdigest()[:32]  # fmt: skip
        labels = {k: str(v) for k, v in self.columns.items()}
        return QueryResult(frame=pd.DataFrame([data], columns=list(self.columns)), data=data,
                           cache_key=f"analytics:{self.name}:{key}", columns=labels)  # fmt: skip
