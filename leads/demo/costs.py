"""Every cost row of the demo year: campaign costs, always-on channel costs, and the payroll of the marketing and
sales teams spread over the channels their work goes to.

Sized like a Chinese B2B SaaS vendor winning about 140 customers a year at ~200k ARR each: fully loaded, the
year costs about 30M CNY (a 6M marketing team, an 18M sales team, ~6M of campaigns, content and tools), so the
company-wide CAC is near 200k and LTV/CAC lands around 4 (healthy). Channels differ widely: referrals,
sales-sourced deals and trials pay back within a year, events and paid feeds take years or never do.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leads.choices import CostCategory
from leads.demo.catalog import CHANNELS, ChannelSpec
from leads.demo.plans import CampaignPlan, Rng, Window
from leads.demo.timeline import month_add

# Monthly (category, low, high) outside campaigns: the content team's freelance writers and video, and the
# channel's tools (SEO suite, webinar and EDM platforms, the trial environment, website and analytics, dialer).
ALWAYS_ON: dict[str, tuple[tuple[str, int, int], ...]] = {
    "seo": ((CostCategory.CONTENT, 45_000, 65_000), (CostCategory.TOOLS, 5_000, 7_500)),
    "wechat-official": ((CostCategory.CONTENT, 20_000, 30_000),),
    "zhihu": ((CostCategory.CONTENT, 7_500, 12_500),),
    "channels-live": ((CostCategory.CONTENT, 12_500, 22_500),),
    "webinar": ((CostCategory.TOOLS, 11_000, 11_000),),
    "edm": ((CostCategory.TOOLS, 7_500, 7_500),),
    "website-trial": ((CostCategory.TOOLS, 15_000, 15_000),),
    "direct": ((CostCategory.TOOLS, 30_000, 30_000),),
    "abm-outbound": ((CostCategory.TOOLS, 12_500, 12_500),),
}
# Fully loaded monthly payroll (salary, social insurance, bonus and commission): about fifteen marketers, and
# about thirty-five in sales (account executives, SDRs, managers).
SALARIES = ((CostCategory.MARKETING_SALARIES, 500_000), (CostCategory.SALES_SALARIES, 1_500_000))


def payroll_weight(category: str, spec: ChannelSpec) -> float:
    """A channel's part of a month's payroll: marketing works for the leads it brings (sales finds its own),
    sales for the leads that qualify (the channel's expected MQLs, better ones weighing more)."""
    if category == CostCategory.MARKETING_SALARIES:
        return 0.0 if spec.slug == "sales-sourced" else spec.share
    return spec.share * spec.p_mql * spec.quality


def costs_plan(
    seed: int, window: Window, campaigns: list[CampaignPlan]
) -> list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]]:
    """Campaign costs, always-on channel costs and payroll spread over the channels (`payroll_weight`)."""
    rng = Rng(f"leadflow-demo:{seed}:{window.today}:costs")
    rows: list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]] = [
        (campaign.channel, campaign, month, category, amount)
        for campaign in campaigns
        for month, category, amount in campaign.costs
    ]
    weights = {category: {spec.slug: payroll_weight(category, spec) for spec in CHANNELS} for category, _ in SALARIES}
    for month in window.months:
        month_days = (month_add(month, 1) - month).days
        elapsed = min(month_days, (window.today - month).days) / month_days
        for slug, items in ALWAYS_ON.items():
            for category, lo, hi in items:
                rows.append((slug, None, month, category, Decimal(round(rng.randint(lo, hi) * elapsed, -2))))
        for category, total in SALARIES:
            amount = total * rng.uniform(0.97, 1.05) * elapsed
            shares, whole = weights[category], sum(weights[category].values())
            for slug, weight in shares.items():
                rows.append((slug, None, month, category, Decimal(round(amount * weight / whole, -2))))
    return [row for row in rows if row[4] > 0]
