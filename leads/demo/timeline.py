"""The demo year (`demo_window`) and the time and chance helpers every planner uses."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from typing import Any

from leadflow.calendar import is_business_day
from leads.demo.catalog import DEMO_TZ, SEASON
from leads.demo.plans import Rng, Window


def demo_window(*, today: dt.date) -> Window:
    """The 12 full months before today's month plus the days of today's month before today."""
    first = dt.date(today.year - 1, today.month, 1)
    days = tuple(first + dt.timedelta(days=i) for i in range((today - first).days))
    business = frozenset(day for day in days if is_business_day(day, country="CN"))
    weights, total = [], 0.0
    for index, day in enumerate(days):
        growth = 0.85 + 0.3 * index / max(len(days), 1)  # the company grows through the year
        total += SEASON[day.month] * growth * (1.0 if day in business else 0.22)
        weights.append(total)
    months = tuple(sorted({day.replace(day=1) for day in days}))
    return Window(
        today=today, start=local_at(first), cutoff=local_at(today), months=months, days=days,
        day_weights=tuple(weights), business_days=business,
    )  # fmt: skip


def local_at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=DEMO_TZ)


def month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def seasonal_day(rng: Rng, window: Window, lo: dt.date, hi: dt.date) -> dt.date:
    """A day in [lo, hi] drawn with the seasonal lead-volume weights."""
    i = max(0, (lo - window.days[0]).days)
    j = min(len(window.days) - 1, (hi - window.days[0]).days)
    base = window.day_weights[i - 1] if i else 0.0
    x = base + rng.random() * (window.day_weights[j] - base)
    return window.days[min(bisect.bisect_left(window.day_weights, x, i, j + 1), j)]


def _work_time(rng: Rng, window: Window, at: dt.datetime) -> dt.datetime:
    """`at`, or the next moment in office hours (09:00-19:00 on a working day) after it."""
    local = at.astimezone(DEMO_TZ)
    if local.date() in window.business_days and 9 <= local.hour < 19:
        return local
    day = local.date() if local.hour < 9 else local.date() + dt.timedelta(days=1)
    while day not in window.business_days and day < window.today:
        day += dt.timedelta(days=1)
    return local_at(day, 9) + dt.timedelta(minutes=rng.randint(0, 240))


def moment_after(rng: Rng, window: Window, start: dt.datetime, days: float, *, human: bool = True) -> dt.datetime:
    """`days` after `start` to the minute; a person acts at the next office-hours moment from then."""
    at = max(start, (start + dt.timedelta(days=days)).replace(second=0, microsecond=0))
    return _work_time(rng, window, at) if human else at


def triangular(rng: Rng, lo: float, mode: float, hi: float) -> float:
    return rng.triangular(lo, hi, mode)


def weighted_choice(rng: Rng, options: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]
