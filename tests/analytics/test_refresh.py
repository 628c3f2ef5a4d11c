"""The common panels are recomputed once per data change, by the beat task."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import translation

from analytics.queries.base import AnalyticsFilters
from analytics.queries.funnel import FunnelQuery
from analytics.refresh import analytics_panels_refresh
from analytics.tasks import analytics_panels_refresh_task
from analytics.versioning import data_version
from tests.analytics.helpers import local
from tests.factories import LeadFactory, make_journey

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)


def test_refresh_fills_the_cache_then_does_nothing_until_data_changes() -> None:
    make_journey(["lead", "mql"], start=local(2026, 3, 1))
    funnel = FunnelQuery(filters=AnalyticsFilters(date_from=dt.date(2025, 7, 1), date_to=TODAY))

    assert analytics_panels_refresh(today=TODAY) is True
    for language in ("zh-hans", "en"):  # cached per language: both are warm
        with translation.override(language):
            assert cache.get(funnel.cache_key()) is not None
    assert analytics_panels_refresh(today=TODAY) is False

    LeadFactory(created_at=local(2026, 4, 1))

    assert analytics_panels_refresh(today=TODAY) is True


def test_deleting_a_lead_changes_the_data_version(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    lead = LeadFactory()
    before = data_version()

    with django_capture_on_commit_callbacks(execute=True):
        lead.delete()

    assert data_version() != before


def test_beat_schedule_runs_the_refresh_task() -> None:
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "analytics.tasks.analytics_panels_refresh_task" in tasks
    analytics_panels_refresh_task.delay()  # eager in tests: runs without error
