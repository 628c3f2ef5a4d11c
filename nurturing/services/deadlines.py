"""Deadlines on the business calendar (`leadflow.calendar`: weekends, public holidays and make-up working
days of the configured country, from the `holidays` library)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from leadflow.calendar import add_business_days, is_business_day

_MAX_DAYS_SCANNED = 3660  # a calendar with no working day for ten years is a configuration error


def deadline_after(*, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """When a clock started at `start` with `amount` `unit` (hours, business_hours, business_days) is due.

    Hours are wall-clock hours; business hours only run on working days (local midnight to midnight), so a
    clock started before a holiday pauses over it; business days keep the local time of day.
    """
    if unit == "hours":
        return start + dt.timedelta(hours=amount)
    if unit == "business_days":
        return add_business_days(start, amount)
    if unit == "business_hours":
        return add_business_hours(start, amount)
    raise ValueError(f"unknown deadline unit {unit!r}")


def add_business_hours(start: dt.datetime, hours: int) -> dt.datetime:
    """`hours` hours counted only on working days, in the business time zone."""
    remaining = dt.timedelta(hours=hours)
    zone = timezone.get_default_timezone()
    cursor = timezone.localtime(start, zone)
    for _day in range(_MAX_DAYS_SCANNED):
        midnight = dt.datetime.combine(cursor.date() + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        if is_business_day(cursor.date()):
            available = midnight - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = midnight
    raise ValueError("no working day found in the business calendar")
