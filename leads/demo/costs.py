"""Every cost row of the demo year: campaign costs, always-on channel costs, and salaries by lead share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leads.choices import CostCategory
from leads.demo.catalog import CHANNELS
from leads.demo.plans import CampaignPlan, Rng, Window
from leads.demo.timeline import month_add

ALWAYS_ON: dict[str, tuple[tuple[str, int, int], ...]] = {
    "seo": ((CostCategory.CONTENT, 18_000, 26_000), (CostCategory.TOOLS, 2_000, 3_000)),
    "wechat-official": ((CostCategory.CONTENT, 8_000, 12_000),),
    "zhihu": ((CostCategory.CONTENT, 3_000, 5_000),),
    "channels-live": ((CostCategory.CONTENT, 5_000, 9_000),),
    "webinar": ((CostCategory.TOOLS, 4_500, 4_500),),
    "edm": ((CostCategory.TOOLS, 3_000, 3_000),),
    "website-trial": ((CostCategory.TOOLS, 6_000, 6_000),),
    "direct": ((CostCategory.TOOLS, 12_000, 12_000),),
    "abm-outbound": ((CostCategory.TOOLS, 5_000, 5_000),),
}
SALARIES = ((CostCategory.MARKETING_SALARIES, 220_000), (CostCategory.SALES_SALARIES, 310_000))


def costs_plan(
    seed: int, window: Window, campaigns: list[CampaignPlan]
) -> list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]]:
    """Campaign costs, always-on channel costs and salaries spread over the channels by lead share."""
    rng = Rng(f"leadflow-demo:{seed}:{window.today}:costs")
    rows: list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]] = [
        (campaign.channel, campaign, month, category, amount)
        for campaign in campaigns
        for month, category, amount in campaign.costs
    ]
    total_share = sum(spec.share for spec in CHANNELS)
    for month in window.months:
        month_days = (month_add(month, 1) - month).days
        elapsed = min(month_days, (window.today - month).days) / month_days
        for slug, items in ALWAYS_ON.items():
            for category, lo, hi in items:
                rows.append((slug, None, month, category, Decimal(round(rng.randint(lo, hi) * elapsed, -2))))
        for category, total in SALARIES:
            amount = total * rng.uniform(0.97, 1.05) * elapsed
            for spec in CHANNELS:
                rows.append((spec.slug, None, month, category, Decimal(round(amount * spec.share / total_share, -2))))
    return [row for row in rows if row[4] > 0]
