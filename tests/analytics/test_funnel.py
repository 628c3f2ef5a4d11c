"""Funnel: cohort counts with skipped stages, conversions, flow entries, visits and benchmarks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.queries.funnel import FunnelQuery
from analytics.services import benchmark_set
from leadflow.errors import ValidationFailed
from leads.choices import Stage, TouchpointKind
from leads.services.stages import lead_transition
from tests.analytics.helpers import local, period
from tests.factories import AccountFactory, ChannelFactory, LeadFactory, TouchpointFactory, make_journey

pytestmark = pytest.mark.django_db


def _cohort() -> None:
    """Given 10 leads in January: 4 reach MQL, 3 SAL, 2 SQL, 1 opportunity->customer; plus a skipper."""
    start = local(2026, 1, 5)
    for _ in range(5):
        make_journey(["lead"], start=start)
    make_journey(["lead", "mql"], start=start)
    make_journey(["lead", "mql", "sal"], start=start)
    make_journey(["lead", "mql", "sal", "sql"], start=start)
    make_journey(["lead", "mql", "sal", "sql", "opportunity", "customer"], start=start, account=AccountFactory())
    skipper = make_journey(["lead"], start=start)
    lead_transition(lead=skipper, to=Stage.SQL, skip=True, at=local(2026, 1, 9), now=local(2026, 1, 9))


def test_cohort_counts_skipped_stages_as_reached_and_conversions_are_ratios() -> None:
    _cohort()

    result = FunnelQuery(filters=period()).run()

    counts = dict(zip(result.frame["stage"], result.frame["count"], strict=True))
    # The skipper reached mql, sal and sql through implied rows.
    assert counts == {"lead": 10, "mql": 5, "sal": 4, "sql": 3, "opportunity": 1, "customer": 1}
    conversion = dict(zip(result.frame["stage"], result.frame["conversion_from_previous"], strict=True))
    assert conversion["mql"] == pytest.approx(5 / 10)
    assert conversion["sql"] == pytest.approx(3 / 4)
    assert conversion["customer"] == pytest.approx(1 / 1)
    assert result.data["overall"] == pytest.approx(1 / 10)
    assert [row["stage"] for row in result.data["stages"]] == ["lead", "mql", "sal", "sql", "opportunity",
                                                               "customer"]


def test_cohort_excludes_leads_created_outside_the_period_but_flow_counts_their_entries() -> None:
    old = make_journey(["lead"], start=local(2025, 12, 20))
    lead_transition(lead=old, to=Stage.MQL, bant={"budget": True, "need": True}, at=local(2026, 1, 3),
                    now=local(2026, 1, 3))  # fmt: skip

    result = FunnelQuery(filters=period()).run()

    assert result.data["stages"][1] == {"stage": "mql", "count": 0, "conversion_from_previous": None,
                                        "flow_count": 1}  # fmt: skip


def test_visits_count_distinct_visitors_known_or_anonymous_and_visit_to_lead() -> None:
    lead = make_journey(["lead"], start=local(2026, 2, 1))
    for day in (2, 3):
        TouchpointFactory(lead=lead, kind=TouchpointKind.PAGE_VIEW, occurred_at=local(2026, 2, day))
    for anon in ("a1", "a1", "a2", "a3"):
        TouchpointFactory(lead=None, anonymous_id=anon, kind=TouchpointKind.PAGE_VIEW, occurred_at=local(2026, 2, 4))
    TouchpointFactory(lead=lead, kind=TouchpointKind.EMAIL_OPEN, occurred_at=local(2026, 2, 4))
    TouchpointFactory(lead=None, anonymous_id="a9", kind=TouchpointKind.PAGE_VIEW, occurred_at=local(2026, 8, 1))

    result = FunnelQuery(filters=period()).run()

    assert result.data["visits"] == 4
    assert result.data["visit_to_lead"] == pytest.approx(1 / 4)


def test_benchmarks_use_spec_defaults_until_edited() -> None:
    _cohort()
    benchmark_set(key="lead_mql", low=Decimal("0.6"), high=Decimal("0.7"))

    rows = {row["key"]: row for row in FunnelQuery(filters=period()).run().data["benchmarks"]}

    assert rows["mql_sql"]["low"] == 0.2 and rows["mql_sql"]["high"] == 0.4
    assert rows["mql_sql"]["rate"] == pytest.approx(3 / 5) and rows["mql_sql"]["status"] == "above"
    assert rows["lead_mql"]["rate"] == pytest.approx(0.5) and rows["lead_mql"]["status"] == "below"
    assert rows["sal_mql"]["rate"] == pytest.approx(4 / 5) and rows["sal_mql"]["status"] == "within"
    assert rows["visit_lead"]["status"] == "no_data"


def test_channel_filter_restricts_the_cohort() -> None:
    paid = ChannelFactory(slug="paid")
    make_journey(["lead", "mql"], start=local(2026, 1, 5), source_channel=paid)
    make_journey(["lead"], start=local(2026, 1, 5))

    result = FunnelQuery(filters=period(channel_ids=(paid.pk,))).run()

    assert list(result.frame["count"])[:2] == [1, 1]


def test_from_after_to_is_an_error_naming_to() -> None:
    with pytest.raises(ValidationFailed) as error:
        FunnelQuery(filters=period(dt.date(2026, 3, 1), dt.date(2026, 2, 1))).validate()
    assert "to" in error.value.errors


def test_result_is_cached_until_the_data_changes() -> None:
    _cohort()
    first = FunnelQuery(filters=period()).run()
    assert FunnelQuery(filters=period()).run().cache_key == first.cache_key

    LeadFactory(created_at=local(2026, 3, 1))

    second = FunnelQuery(filters=period()).run()
    assert second.cache_key != first.cache_key and second.data["stages"][0]["count"] == 11
