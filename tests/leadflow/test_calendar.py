"""The business calendar: Chinese public holidays and make-up working days (调休) from `holidays`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leadflow.calendar import add_business_days, business_days_between, holiday_name, is_business_day


def _local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=timezone.get_current_timezone())


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (dt.date(2026, 2, 14), True),  # Saturday, make-up working day before Spring Festival
        (dt.date(2026, 2, 17), False),  # Spring Festival
        (dt.date(2026, 2, 23), False),  # Monday, day off swapped from 28 February
        (dt.date(2026, 2, 28), True),  # Saturday, make-up working day
        (dt.date(2026, 10, 1), False),  # National Day
        (dt.date(2026, 10, 10), True),  # Saturday, make-up working day after National Day
        (dt.date(2026, 11, 21), False),  # an ordinary Saturday
        (dt.date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_working_days_follow_holidays_and_make_up_days(day: dt.date, working: bool) -> None:
    assert is_business_day(day) is working


def test_holidays_have_names() -> None:
    assert holiday_name(dt.date(2026, 10, 1)) == "National Day"
    assert holiday_name(dt.date(2026, 11, 23)) is None


def test_one_business_day_after_the_eve_of_national_day_is_after_the_holiday() -> None:
    assert add_business_days(_local(2026, 9, 30, 10, 0), 1) == _local(2026, 10, 8, 10, 0)


def test_a_make_up_saturday_counts_as_a_business_day() -> None:
    friday = _local(2026, 2, 13, 15, 0)

    assert add_business_days(friday, 1) == _local(2026, 2, 14, 15, 0)
    assert add_business_days(friday, 2) == _local(2026, 2, 24, 15, 0)


def test_a_clock_started_on_a_holiday_counts_from_the_next_working_day() -> None:
    assert add_business_days(_local(2026, 10, 3, 10, 0), 10) == _local(2026, 10, 21, 0, 0)


def test_business_days_between_counts_working_days_in_a_half_open_range() -> None:
    assert business_days_between(dt.date(2026, 9, 28), dt.date(2026, 10, 12)) == 6


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_business_days(_local(2026, 11, 23, 9, 0), -1)
