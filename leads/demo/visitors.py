"""Anonymous visitors who never became leads: the top of the funnel that makes visit -> lead meaningful.

Each visitor has a cookie id (`anonymous_id`), arrives by a channel of the traffic mix on a day drawn with
the seasonal lead-volume weights, and reads 1-4 pages over a few days. Paid and tracked channels carry the
campaign running that day, so their page views get UTM parameters when written.
"""

from __future__ import annotations

import datetime as dt

from leads.choices import TouchpointKind
from leads.demo.catalog import PAGES, RETURN_MIX, TRAFFIC_MIX, VIEWS_PER_VISITOR
from leads.demo.plans import CampaignPlan, Rng, Touch, Window
from leads.demo.timeline import local_at, seasonal_day, triangular, weighted_choice


def visitors_plan(rng: Rng, window: Window, campaigns: list[CampaignPlan], *, count: int) -> list[Touch]:
    """The page views of `count` visitors, visitor after visitor; none at or after the start of today."""
    by_channel: dict[str, list[CampaignPlan]] = {}
    for campaign in campaigns:
        by_channel.setdefault(campaign.channel, []).append(campaign)
    views: list[Touch] = []
    for _ in range(count):
        views += _visitor_views(rng, window, by_channel)
    return views


def _visitor_views(rng: Rng, window: Window, campaigns: dict[str, list[CampaignPlan]]) -> list[Touch]:
    """One visitor's page views: the first on a day before today (so there is always one), the rest a few
    hours to days apart, by the same channel or coming back directly or from search."""
    anonymous_id = f"anon-{rng.getrandbits(64):016x}"
    channel = weighted_choice(rng, TRAFFIC_MIX)
    day = seasonal_day(rng, window, window.days[0], window.days[-1])
    at = local_at(day, 7) + dt.timedelta(minutes=int(triangular(rng, 0, 180, 960)))  # 07:00-23:00, peak 10:00
    views: list[Touch] = []
    for n in range(weighted_choice(rng, VIEWS_PER_VISITOR)):
        if n:
            at = (at + dt.timedelta(days=rng.uniform(0.01, 3))).replace(microsecond=0)
            channel = channel if rng.random() < 0.5 else weighted_choice(rng, RETURN_MIX)
        if at >= window.cutoff:
            break
        campaign = _campaign_on(rng, campaigns.get(channel, []), at.date())
        views.append(Touch(TouchpointKind.PAGE_VIEW, at, channel, campaign, anonymous_id, {"path": rng.choice(PAGES)}))
    return views


def _campaign_on(rng: Rng, campaigns: list[CampaignPlan], day: dt.date) -> CampaignPlan | None:
    """A campaign of the channel running on `day`, by campaign weight (brand vs. industry keywords)."""
    running = [campaign for campaign in campaigns if campaign.lead_from <= day <= campaign.lead_to]
    if len(running) < 2:
        return running[0] if running else None
    return rng.choices(running, weights=[campaign.weight for campaign in running])[0]
