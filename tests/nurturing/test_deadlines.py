"""SLA due times on the Chinese business calendar (holidays library data for 2026: National Day 1-7 October
off, Sunday 20 September and Saturday 10 October are make-up working days)."""

from __future__ import annotations

import datetime as dt

import pytest

from nurturing.models import DeadlineUnit, PolicyCode, SlaPolicy
from nurturing.services.deadlines import add_business_hours, deadline_after
from nurturing.services.sla import sla_due_at
from tests.nurturing.conftest import SHANGHAI, at

pytestmark = pytest.mark.django_db


def test_sal_qualify_ten_business_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    # Given a SAL accepted on Tuesday 29 September 2026 at 10:00 in Shanghai
    policy = SlaPolicy.objects.get(code=PolicyCode.SAL_QUALIFY)
    # When its 10-business-day clock is computed
    due = sla_due_at(policy=policy, start=at(2026, 9, 29, 10))
    # Then: 30 Sep (1), 1-7 Oct off, 8 Oct (2), 9 Oct (3), Sat 10 Oct make-up (4), 12-16 Oct (5-9), 19 Oct (10)
    assert due == at(2026, 10, 19, 10)


def test_business_days_started_on_a_holiday_count_from_the_next_working_morning() -> None:
    due = deadline_after(start=at(2026, 10, 2, 15), amount=1, unit=DeadlineUnit.BUSINESS_DAYS)
    # 8 Oct is the first working day (the start, at 00:00); one working day later is 9 Oct 00:00
    assert due == at(2026, 10, 9, 0)


def test_business_days_across_the_make_up_sunday_in_september() -> None:
    # Friday 18 Sep + 1 working day = Sunday 20 Sep, a make-up working day
    due = deadline_after(start=at(2026, 9, 18, 9, 30), amount=1, unit=DeadlineUnit.BUSINESS_DAYS)
    assert due == at(2026, 9, 20, 9, 30)


def test_business_hours_pause_over_national_day() -> None:
    # 30 Sep 20:00: 4 h left that day; 1-7 Oct do not count; 44 h more = 8 Oct (24) + 9 Oct 20:00 (20)
    assert add_business_hours(at(2026, 9, 30, 20), 48).astimezone(SHANGHAI) == at(2026, 10, 9, 20)


def test_business_hours_run_on_the_make_up_saturday() -> None:
    # Friday 9 Oct 12:00 + 24 business hours: 12 h on Friday, then Saturday 10 Oct (a working day) until noon
    assert add_business_hours(at(2026, 10, 9, 12), 24).astimezone(SHANGHAI) == at(2026, 10, 10, 12)


def test_hours_are_wall_clock_hours_even_over_holidays() -> None:
    policy = SlaPolicy.objects.get(code=PolicyCode.MQL_ACCEPT)
    assert sla_due_at(policy=policy, start=at(2026, 9, 30, 18)) == at(2026, 10, 1, 18)


def test_seeded_policies_match_the_spec_defaults() -> None:
    policies = {p.code: (p.deadline, p.unit, p.recycle_on_breach) for p in SlaPolicy.objects.all()}
    assert policies == {
        "first_touch": (48, "hours", False), "mql_accept": (24, "hours", False),
        "sal_qualify": (10, "business_days", False), "follow_up": (48, "hours", True),
    }
    assert dt.timedelta(hours=48) == deadline_after(start=at(2026, 1, 1), amount=48, unit="hours") - at(2026, 1, 1)
