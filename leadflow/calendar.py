"""Business calendar: weekends, public holidays and make-up working days (调休) from the `holidays` library.

All functions take aware datetimes and work in the configured TIME_ZONE, so "10 business days" means
ten working days where the team sits, whatever UTC says.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from django.conf import settings
from django.utils import timezone


@lru_cache(maxsize=8)
def _calendar(country: str) -> holidays.HolidayBase:
    return holidays.country_holidays(country)


def business_country() -> str:
    return str(settings.LEADFLOW["BUSINESS_COUNTRY"])


def is_business_day(day: dt.date, *, country: str | None = None) -> bool:
    """True on working days: weekdays that are not holidays, plus make-up Saturdays and Sundays."""
    return bool(_calendar(country or business_country()).is_working_day(day))


def holiday_name(day: dt.date, *, country: str | None = None) -> str | None:
    return _calendar(country or business_country()).get(day)


def add_business_days(start: dt.datetime, days: int, *, country: str | None = None) -> dt.datetime:
    """The same local time-of-day `days` working days after `start`.

    A start outside working days counts from the next working day's start (00:00 local), so a
    clock started on a holiday gets the full allowance.
    """
    if days < 0:
        raise ValueError("days must be >= 0")
    local = timezone.localtime(start)
    day = local.date()
    if not is_business_day(day, country=country):
        while not is_business_day(day, country=country):
            day += dt.timedelta(days=1)
        local = local.replace(hour=0, minute=0, second=0, microsecond=0)
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_business_day(day, country=country):
            remaining -= 1
    naive = dt.datetime.combine(day, local.time().replace(tzinfo=None))
    return timezone.make_aware(naive, timezone.get_current_timezone())


def business_days_between(start: dt.date, end: dt.date, *, country: str | None = None) -> int:
    """Working days in the half-open range [start, end)."""
    count, day = 0, start
    while day < end:
        if is_business_day(day, country=country):
            count += 1
        day += dt.timedelta(days=1)
    return count
