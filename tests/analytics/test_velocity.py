"""Velocity: median / p75 days between stages, skipped stages left out, sales cycle, time in stage."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.queries.velocity import VelocityQuery
from leads.choices import Stage
from leads.services.stages import lead_transition
from tests.analytics.attribution_helpers import lead_with_touches
from tests.analytics.helpers import local, period
from tests.factories import AccountFactory, make_journey

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
START = local(2026, 1, 1, 12)


def _walk(stages_days: list[tuple[str, int]]) -> None:
    lead = make_journey(["lead"], start=START)
    for stage, day in stages_days:
        extra = {"bant": {"budget": True, "need": True, "authority": True, "timing": True}}
        lead = lead_transition(lead=lead, to=stage, at=START + day * DAY, now=START + day * DAY, **extra)


def _given_journeys() -> None:
    _walk([("mql", 2), ("sal", 3), ("sql", 7)])  # 2, 1, 4 days
    _walk([("mql", 4), ("sal", 6)])  # 4, 2
    _walk([("mql", 6)])  # 6
    skipper = make_journey(["lead"], start=START)  # mql and sal implied at day 10
    lead_transition(lead=skipper, to=Stage.SQL, skip=True, at=START + 10 * DAY, now=START + 10 * DAY)
    make_journey(["lead", "mql", "sal", "sql", "opportunity", "customer"], start=START, step=3 * DAY,
                 account=AccountFactory())  # 3 days each, cycle 15  # fmt: skip
    imported = lead_with_touches([], created_at=START)  # a customer by import: cycle 20, no step counted
    lead_transition(lead=imported, to=Stage.CUSTOMER, skip=True, amount="1000", at=START + 20 * DAY,
                    now=START + 20 * DAY)  # fmt: skip


def test_median_and_p75_between_stages_leave_out_implied_steps() -> None:
    _given_journeys()

    result = VelocityQuery(filters=period()).run()

    steps = {(row["from_stage"], row["to_stage"]): row for row in result.data["steps"]}
    # lead -> mql: 2, 3, 4, 6 -> median 3.5; p75 at rank 2.25 -> 4 + 0.25 x 2 = 4.5.
    assert steps[("lead", "mql")] | {"label": ""} == {"from_stage": "lead", "to_stage": "mql", "label": "",
                                                      "leads": 4, "median_days": 3.5, "p75_days": 4.5}  # fmt: skip
    assert (steps[("mql", "sal")]["median_days"], steps[("mql", "sal")]["p75_days"]) == (2.0, 2.5)  # 1, 2, 3
    assert (steps[("sal", "sql")]["median_days"], steps[("sal", "sql")]["p75_days"]) == (3.5, 3.75)  # 4, 3
    assert steps[("opportunity", "customer")]["leads"] == 1  # the import's implied opportunity is left out


def test_sales_cycle_counts_every_customer() -> None:
    _given_journeys()

    cycle = VelocityQuery(filters=period()).run().data["sales_cycle"]

    assert cycle == {"leads": 2, "median_days": 17.5, "p75_days": 18.75}  # 15 and 20 days


def test_time_in_current_stage_at_the_end_of_the_period() -> None:
    _given_journeys()

    current = {row["stage"]: row for row in VelocityQuery(filters=period()).run().data["time_in_stage"]}

    # Period ends Jul 1 00:00 Shanghai; the MQL has waited since Jan 7 12:00: 174.5 days.
    assert current["mql"]["leads"] == 1 and current["mql"]["median_days"] == 174.5
    # SQL since Jan 8 12:00 (173.5) and Jan 11 12:00 (170.5): median 172, p75 172.75.
    assert (current["sql"]["median_days"], current["sql"]["p75_days"]) == (172.0, 172.75)
    assert current["lead"] | {"label": ""} == {"stage": "lead", "label": "", "leads": 0, "median_days": None,
                                               "p75_days": None}  # fmt: skip
