"""Campaign ROI: per campaign, cost, leads, new customers, attributed revenue and ROI (and long-term ROI)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pandas as pd
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.choices import AttributionGroup, AttributionModel
from analytics.economics import roi
from analytics.queries.attribution import DEFAULT_LOOKBACK_DAYS, AttributionQuery
from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import money, money_str, records
from analytics.queries.ledger import churn_for_period, ledger_figures
from analytics.queries.money import costs_by
from analytics.queries.unit_economics import default_gross_margin, rate_errors
from leads.choices import Stage
from leads.models import Campaign, Lead, StageChange


@dataclass(frozen=True)
class CampaignRoiQuery(AnalyticsQuery):
    """Leads and new customers by the lead's campaign; revenue credited to campaigns by the attribution
    model (touchpoint campaigns); cost booked to the campaign in the period's months. Long-term ROI uses
    attributed LTV = attributed revenue x gross margin x lifetime (1 / annual churn, as in the unit-economics panel)."""

    filters: AnalyticsFilters
    attribution_model: str = AttributionModel.LINEAR
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    gross_margin: Decimal | None = None
    name: ClassVar[str] = "campaign-roi"
    columns: ClassVar[dict[str, Any]] = {
        "campaign": gettext_lazy("Campaign key"), "label": gettext_lazy("Campaign"),
        "channel": gettext_lazy("Channel"), "leads": gettext_lazy("Leads"),
        "new_customers": gettext_lazy("New customers"), "cost": gettext_lazy("Cost"),
        "attributed_revenue": gettext_lazy("Attributed revenue"), "roi": gettext_lazy("ROI"),
        "attributed_ltv": gettext_lazy("Attributed LTV"), "roi_long_term": gettext_lazy("Long-term ROI"),
    }  # fmt: skip

    def param_errors(self) -> dict[str, list[str]]:
        errors = rate_errors("gross_margin", self.gross_margin)
        if self.attribution_model not in AttributionModel.values:
            errors["attribution_model"] = [_("Unknown model; choose one of: %(choices)s.")
                                           % {"choices": ", ".join(AttributionModel.values)}]  # fmt: skip
        return errors

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        f = self.filters
        margin = self.gross_margin if self.gross_margin is not None else default_gross_margin()
        churn, _source = churn_for_period(ledger=ledger_figures(f), filters=f)
        leads = dict(Lead.objects.filter(f.lead_q(), created_at__gte=f.start, created_at__lt=f.end,
                                         campaign__isnull=False)
                     .values("campaign_id").annotate(n=Count("id")).values_list("campaign_id", "n"))  # fmt: skip
        customers = dict(StageChange.objects.filter(f.lead_q("lead__"), to_stage=Stage.CUSTOMER, at__gte=f.start,
                                                    at__lt=f.end, lead__campaign__isnull=False)
                         .values("lead__campaign_id").annotate(n=Count("lead_id", distinct=True))
                         .values_list("lead__campaign_id", "n"))  # fmt: skip
        costs = costs_by(f, AttributionGroup.CAMPAIGN)
        credited = AttributionQuery(filters=f, model=self.attribution_model, group_by=AttributionGroup.CAMPAIGN,
                                    lookback_days=self.lookback_days).run().data["rows"]  # fmt: skip
        by_slug = {row["key"]: Decimal(row["revenue"]) for row in credited if row["key"]}
        campaigns = Campaign.objects.select_related("channel").filter(
            pk__in=set(leads) | set(customers) | set(costs)) | Campaign.objects.filter(slug__in=list(by_slug))
        rows = []
        for campaign in sorted(set(campaigns), key=lambda c: c.name):
            revenue = by_slug.get(campaign.slug, Decimal("0"))
            cost = costs.get(campaign.pk, Decimal("0"))
            lifetime_value = revenue * margin / churn if churn else None
            rows.append({
                "campaign": campaign.slug, "label": campaign.name,
                "channel": campaign.channel.slug if campaign.channel else None,
                "leads": leads.get(campaign.pk, 0), "new_customers": customers.get(campaign.pk, 0), "cost": cost,
                "attributed_revenue": revenue, "roi": _ratio(roi(revenue=revenue, cost=cost)),
                "attributed_ltv": money(lifetime_value),
                "roi_long_term": _ratio(roi(revenue=lifetime_value, cost=cost)),
            })  # fmt: skip
        frame = pd.DataFrame(rows, columns=list(self.columns))
        data = {"from": f.date_from.isoformat(), "to": f.date_to.isoformat(),
                "attribution_model": self.attribution_model,
                "rows": [_json(row) for row in records(frame)]}  # fmt: skip
        return frame, data, {}


def _ratio(value: Decimal | None) -> float | None:
    return None if value is None else float(value.quantize(Decimal("0.0001")))


def _json(row: dict[str, Any]) -> dict[str, Any]:
    money = ("cost", "attributed_revenue", "attributed_ltv")
    return {key: money_str(value) if key in money and value is not None else value for key, value in row.items()}
