"""Shared builders for analytics tests: dates in the business zone, journeys with explicit times."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from analytics.queries.base import AnalyticsFilters


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    """An aware datetime in the business time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute), timezone.get_default_timezone())


def period(date_from: dt.date = dt.date(2026, 1, 1), date_to: dt.date = dt.date(2026, 6, 30),
           **kwargs: object) -> AnalyticsFilters:  # fmt: skip
    return AnalyticsFilters(date_from=date_from, date_to=date_to, **kwargs)  # type: ignore[arg-type]
