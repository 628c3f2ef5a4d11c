"""Keeping the common panels warm: recompute them once after the data changed, so the first marketer to
open the dashboard gets a cached answer. Called by the Celery beat task `analytics_panels_refresh_task`."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import translation

from analytics.queries.attribution import AttributionComparisonQuery
from analytics.queries.base import AnalyticsFilters, AnalyticsQuery, default_period_start
from analytics.queries.campaigns import CampaignRoiQuery
from analytics.queries.funnel import FunnelQuery
from analytics.queries.series import ChannelSeriesQuery
from analytics.queries.unit_economics import UnitEconomicsQuery
from analytics.queries.velocity import VelocityQuery
from analytics.versioning import data_version

logger = logging.getLogger(__name__)
REFRESHED_KEY = "analytics:refreshed"


def common_panels(*, today: dt.date) -> list[AnalyticsQuery]:
    """The dashboard's default view: every panel for the 12 months up to `today`, no other filter."""
    filters = AnalyticsFilters(date_from=default_period_start(today), date_to=today)
    return [FunnelQuery(filters=filters), VelocityQuery(filters=filters), UnitEconomicsQuery(filters=filters),
            AttributionComparisonQuery(filters=filters), ChannelSeriesQuery(filters=filters),
            CampaignRoiQuery(filters=filters)]  # fmt: skip


def analytics_panels_refresh(*, today: dt.date, force: bool = False) -> bool:
    """Compute and cache the common panels unless they were computed for this data version and day already.

    Idempotent: a second call with unchanged data does one probe query and nothing else. Returns whether
    it recomputed."""
    marker = f"{data_version()}:{today.isoformat()}"
    if not force and cache.get(REFRESHED_KEY) == marker:
        return False
    # Labels are translated and results cached per language: warm every language of the UI.
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for query in common_panels(today=today):
                query.run()
    cache.set(REFRESHED_KEY, marker, None)
    logger.info("analytics panels refreshed for %s", marker)
    return True
