"""Segment compiler: every operator on every field type, tags, events in a window and nesting, each checked
against leads built by hand. Rules go through the same parse + check as the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Tier
from leadflow.errors import ValidationFailed
from leads.choices import Stage, Temperature, TouchpointKind
from leads.models import Lead, Tag
from leads.segments.compiler import segment_q
from leads.segments.rules import MAX_DEPTH
from leads.segments.selectors import segment_rule_checked
from tests.factories import AccountFactory, CampaignFactory, ChannelFactory, LeadFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def matching(rule: dict[str, Any], *, now: dt.datetime = NOW) -> set[int]:
    node = segment_rule_checked(rule=rule)
    return set(Lead.objects.filter(segment_q(node, now=now)).values_list("pk", flat=True))


def leaf(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op, **({"value": value} if value is not None else {})}


def test_text_operators_eq_ne_in_not_in_contains_is_null():
    a = LeadFactory(industry="manufacturing", title="市场总监")
    b = LeadFactory(industry="chemicals", title="IT Manager")
    c = LeadFactory(industry="", title="")

    assert matching(leaf("industry", "eq", "manufacturing")) == {a.pk}
    assert matching(leaf("industry", "ne", "manufacturing")) == {b.pk, c.pk}
    assert matching(leaf("industry", "in", ["manufacturing", "chemicals"])) == {a.pk, b.pk}
    assert matching(leaf("industry", "not_in", ["manufacturing", "chemicals"])) == {c.pk}
    assert matching(leaf("title", "contains", "市场")) == {a.pk}
    assert matching(leaf("title", "contains", "manager")) == {b.pk}  # case-insensitive
    assert matching(leaf("title", "is_null", True)) == {c.pk}
    assert matching(leaf("title", "is_null", False)) == {a.pk, b.pk}


def test_number_operators_compare_between_and_null():
    small = LeadFactory(fit_score=10, employee_count=20)
    mid = LeadFactory(fit_score=50, employee_count=None)
    big = LeadFactory(fit_score=90, employee_count=5000)

    assert matching(leaf("fit_score", "gt", 50)) == {big.pk}
    assert matching(leaf("fit_score", "gte", 50)) == {mid.pk, big.pk}
    assert matching(leaf("fit_score", "lt", 50)) == {small.pk}
    assert matching(leaf("fit_score", "lte", 50)) == {small.pk, mid.pk}
    assert matching(leaf("fit_score", "between", [10, 50])) == {small.pk, mid.pk}
    assert matching(leaf("fit_score", "eq", 90)) == {big.pk}
    assert matching(leaf("fit_score", "ne", 90)) == {small.pk, mid.pk}
    assert matching(leaf("fit_score", "in", [10, 90])) == {small.pk, big.pk}
    assert matching(leaf("fit_score", "is_null", True)) == set()
    assert matching(leaf("employee_count", "is_null", True)) == {mid.pk}
    # ne on a nullable column keeps the lead without a value
    assert matching(leaf("employee_count", "ne", 20)) == {mid.pk, big.pk}


def test_choice_fields_stage_temperature_grade():
    hot = LeadFactory(stage=Stage.MQL, temperature=Temperature.HOT, grade="A1")
    cold = LeadFactory(stage=Stage.LEAD, temperature=Temperature.COLD, grade="")

    assert matching(leaf("temperature", "eq", "hot")) == {hot.pk}
    assert matching(leaf("grade", "in", ["A1", "A2"])) == {hot.pk}
    assert matching(leaf("grade", "is_null", True)) == {cold.pk}
    assert matching({"stage": "mql"}) == {hot.pk}
    assert matching({"stage": ["lead", "mql"]}) == {hot.pk, cold.pk}
    assert matching(leaf("stage", "not_in", ["mql"])) == {cold.pk}


def test_bool_fields_eq_and_ne():
    consented = LeadFactory(consent_email=True, bant_budget=True)
    other = LeadFactory(consent_email=False)

    assert matching(leaf("consent_email", "eq", True)) == {consented.pk}
    assert matching(leaf("bant_budget", "ne", True)) == {other.pk}


def test_dates_cover_the_whole_day_and_instants_are_exact():
    # 2026-03-10 in Asia/Shanghai runs from 03-09 16:00 to 03-10 16:00 UTC
    early = LeadFactory(created_at=dt.datetime(2026, 3, 9, 17, 0, tzinfo=dt.UTC))
    late = LeadFactory(created_at=dt.datetime(2026, 3, 10, 15, 59, tzinfo=dt.UTC))
    after = LeadFactory(created_at=dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC))
    LeadFactory(created_at=dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC))

    assert matching(leaf("created_at", "eq", "2026-03-10")) == {early.pk, late.pk}
    assert matching(leaf("created_at", "gt", "2026-03-10")) == {after.pk}
    assert matching(leaf("created_at", "lte", "2026-03-10")) - {after.pk} == matching(
        leaf("created_at", "lt", "2026-03-11"))  # fmt: skip
    assert matching(leaf("created_at", "between", ["2026-03-10", "2026-03-11"])) == {early.pk, late.pk, after.pk}
    assert matching(leaf("created_at", "gte", "2026-03-10T16:00:00Z")) == {after.pk}
    assert matching(leaf("created_at", "eq", "2026-03-10T16:00:00+00:00")) == {after.pk}
    assert matching(leaf("last_touch_at", "is_null", True)) == {early.pk, late.pk, after.pk} | (
        matching(leaf("created_at", "lt", "2026-03-10")) - {early.pk})  # fmt: skip


def test_channel_and_campaign_by_slug():
    baidu, expo = ChannelFactory(slug="baidu-sem"), ChannelFactory(slug="expo")
    campaign = CampaignFactory(slug="smart-factory")
    a = LeadFactory(source_channel=baidu, campaign=campaign)
    b = LeadFactory(source_channel=expo)
    c = LeadFactory(source_channel=None)

    assert matching(leaf("source_channel", "eq", "baidu-sem")) == {a.pk}
    assert matching(leaf("source_channel", "ne", "baidu-sem")) == {b.pk, c.pk}
    assert matching(leaf("source_channel", "in", ["baidu-sem", "expo"])) == {a.pk, b.pk}
    assert matching(leaf("source_channel", "is_null", True)) == {c.pk}
    assert matching(leaf("campaign", "eq", "smart-factory")) == {a.pk}


def test_account_fields_through_the_join_keep_leads_without_an_account_for_negations():
    strategic = LeadFactory(account=AccountFactory(tier=Tier.S, industry="chemicals", is_target=True))
    standard = LeadFactory(account=AccountFactory(tier=Tier.B, industry="food"))
    orphan = LeadFactory(account=None)

    assert matching(leaf("account.tier", "in", ["S", "A"])) == {strategic.pk}
    assert matching(leaf("account.tier", "ne", "S")) == {standard.pk, orphan.pk}
    assert matching({"not": leaf("account.industry", "eq", "chemicals")}) == {standard.pk, orphan.pk}
    assert matching(leaf("account.is_target", "eq", True)) == {strategic.pk}
    assert matching(leaf("account.tier", "is_null", True)) == {orphan.pk}


def test_custom_attributes_every_operator_and_missing_keys():
    pro = LeadFactory(attributes={"plan": "pro", "seats": 120, "trial": True})
    free = LeadFactory(attributes={"plan": "free", "seats": 3, "trial": False})
    text_seats = LeadFactory(attributes={"plan": "Pro Plus", "seats": "many"})
    blank = LeadFactory(attributes={"plan": None})
    empty = LeadFactory(attributes={})

    assert matching(leaf("attributes.plan", "eq", "pro")) == {pro.pk}
    assert matching(leaf("attributes.plan", "ne", "pro")) == {free.pk, text_seats.pk, blank.pk, empty.pk}
    assert matching(leaf("attributes.plan", "in", ["pro", "free"])) == {pro.pk, free.pk}
    assert matching(leaf("attributes.plan", "not_in", ["pro", "free"])) == {text_seats.pk, blank.pk, empty.pk}
    assert matching(leaf("attributes.plan", "contains", "pro")) == {pro.pk, text_seats.pk}
    assert matching(leaf("attributes.plan", "is_null", True)) == {blank.pk, empty.pk}
    assert matching(leaf("attributes.seats", "gt", 100)) == {pro.pk}  # "many" is not a number
    assert matching(leaf("attributes.seats", "lt", 100)) == {free.pk}
    assert matching(leaf("attributes.seats", "between", [3, 120])) == {pro.pk, free.pk}
    assert matching(leaf("attributes.seats", "eq", 120)) == {pro.pk}
    assert matching(leaf("attributes.trial", "eq", True)) == {pro.pk}
    assert matching({"not": leaf("attributes.seats", "gte", 100)}) == {free.pk, text_seats.pk, blank.pk, empty.pk}


def test_tags_match_by_name():
    analytics, _ = Tag.objects.get_or_create(name="product:analytics", category="product")
    tagged = LeadFactory()
    tagged.tags.add(analytics)
    untagged = LeadFactory()

    assert matching({"tag": "product:analytics"}) == {tagged.pk}
    assert matching({"not": {"tag": "product:analytics"}}) == {untagged.pk}


def clicks(lead: Lead, *days_ago: float, kind: str = TouchpointKind.EMAIL_CLICK, **kwargs: Any) -> None:
    for days in days_ago:
        TouchpointFactory(lead=lead, kind=kind, occurred_at=NOW - dt.timedelta(days=days), **kwargs)


def test_events_in_a_window_follow_now():
    recent, old, never = LeadFactory(), LeadFactory(), LeadFactory()
    clicks(recent, 2)
    clicks(old, 40)
    rule = {"event": {"kind": "email_click", "within_days": 30, "count_gte": 1}}

    assert matching(rule) == {recent.pk}
    assert matching(rule, now=NOW - dt.timedelta(days=20)) == {old.pk}  # 40 days ago was 20 days back then
    assert matching(rule, now=NOW - dt.timedelta(days=3)) == set()  # the recent click had not happened yet
    assert matching({"not": rule}) == {old.pk, never.pk}


def test_event_count_bounds_including_zero():
    once, three, five, none = LeadFactory(), LeadFactory(), LeadFactory(), LeadFactory()
    clicks(once, 1)
    clicks(three, 1, 2, 3)
    clicks(five, 1, 2, 3, 4, 5)
    TouchpointFactory(lead=None, anonymous_id="visitor-1", kind=TouchpointKind.EMAIL_CLICK, occurred_at=NOW)

    def bounded(**bounds: int) -> set[int]:
        return matching({"event": {"kind": "email_click", "within_days": 30, **bounds}})

    assert bounded() == {once.pk, three.pk, five.pk}
    assert bounded(count_gte=3) == {three.pk, five.pk}
    assert bounded(count_gte=2, count_lte=4) == {three.pk}
    assert bounded(count_lte=3) == {once.pk, three.pk, none.pk}  # an anonymous visitor does not hide anyone
    assert bounded(count_gte=0, count_lte=0) == {none.pk}
    assert bounded(count_gte=0) == {once.pk, three.pk, five.pk, none.pk}


def test_event_kind_channel_and_campaign_filters():
    webinar = ChannelFactory(slug="webinar")
    campaign = CampaignFactory(slug="launch", channel=webinar)
    by_channel, by_campaign, other_kind = LeadFactory(), LeadFactory(), LeadFactory()
    clicks(by_channel, 1, kind=TouchpointKind.WEBINAR_ATTEND, channel=webinar)
    clicks(by_campaign, 1, kind=TouchpointKind.WEBINAR_ATTEND, campaign=campaign)
    clicks(other_kind, 1, kind=TouchpointKind.PAGE_VIEW, channel=webinar)

    assert matching({"event": {"kind": ["webinar_attend", "webinar_register"]}}) == {by_channel.pk, by_campaign.pk}
    assert matching({"event": {"channel": "webinar"}}) == {by_channel.pk, other_kind.pk}
    assert matching({"event": {"campaign": ["launch"], "kind": "webinar_attend"}}) == {by_campaign.pk}


def test_and_inside_or_inside_not_matches_the_hand_built_expectation():
    leads = [
        LeadFactory(industry=industry, fit_score=score, temperature=temperature)
        for industry in ("manufacturing", "chemicals", "food")
        for score in (20, 80)
        for temperature in (Temperature.HOT, Temperature.COLD)
    ]
    rule = {"not": {"any": [
        {"all": [leaf("industry", "eq", "manufacturing"), leaf("fit_score", "gte", 50)]},
        {"all": [leaf("temperature", "eq", "hot"), {"not": leaf("industry", "eq", "food")}]},
    ]}}  # fmt: skip

    def expected(lead: Lead) -> bool:
        first = lead.industry == "manufacturing" and lead.fit_score >= 50
        second = lead.temperature == "hot" and lead.industry != "food"
        return not (first or second)

    assert matching(rule) == {lead.pk for lead in leads if expected(lead)}


def test_deep_nesting_alternates_groups_down_to_the_limit():
    target = LeadFactory(fit_score=70)
    LeadFactory(fit_score=10)
    rule: dict[str, Any] = leaf("fit_score", "gte", 60)
    for level in range(MAX_DEPTH - 1):  # as deep as allowed: not, not, all, any, not, not, all, ...
        rule = [{"not": rule}, {"not": rule}, {"all": [rule]}, {"any": [rule]}][level % 4]

    assert matching(rule) == {target.pk}


def test_the_spec_example_is_one_query():
    analytics, _ = Tag.objects.get_or_create(name="product:analytics")
    hit = LeadFactory(industry="manufacturing", title="市场经理", stage=Stage.MQL)
    clicks(hit, 3)
    tagged = LeadFactory(industry="chemicals", title="CTO", stage=Stage.LEAD)
    tagged.tags.add(analytics)
    clicks(tagged, 10)
    customer = LeadFactory(industry="chemicals", title="市场", stage=Stage.CUSTOMER)
    clicks(customer, 1)
    LeadFactory(industry="manufacturing", title="市场经理")  # no click
    rule = {"all": [
        {"field": "industry", "op": "in", "value": ["manufacturing", "chemicals"]},
        {"any": [{"field": "title", "op": "contains", "value": "市场"}, {"tag": "product:analytics"}]},
        {"event": {"kind": "email_click", "within_days": 30, "count_gte": 1}},
        {"not": {"stage": "customer"}},
    ]}  # fmt: skip
    node = segment_rule_checked(rule=rule)

    with CaptureQueriesContext(connection) as queries:
        found = set(Lead.objects.filter(segment_q(node, now=NOW)).values_list("pk", flat=True))

    assert found == {hit.pk, tagged.pk}
    assert len(queries) == 1


def test_bant_points_met_counts_the_confirmed_points():
    none = LeadFactory()
    two = LeadFactory(bant_budget=True, bant_timing=True)
    four = LeadFactory(bant_budget=True, bant_authority=True, bant_need=True, bant_timing=True)

    assert matching(leaf("bant_count", "gte", 2)) == {two.pk, four.pk}
    assert matching(leaf("bant_count", "eq", 0)) == {none.pk}
    assert matching(leaf("bant_count", "between", [1, 3])) == {two.pk}
    assert matching({"not": leaf("bant_count", "lt", 4)}) == {four.pk}


def test_event_outcome_matches_logged_calls_with_that_outcome():
    booked, no_answer = LeadFactory(), LeadFactory()
    TouchpointFactory(lead=booked, kind=TouchpointKind.CALL, occurred_at=NOW - dt.timedelta(days=1),
                      properties={"outcome": "meeting_booked"})  # fmt: skip
    TouchpointFactory(lead=no_answer, kind=TouchpointKind.CALL, occurred_at=NOW - dt.timedelta(days=1),
                      properties={"outcome": "no_answer"})  # fmt: skip

    assert matching({"event": {"kind": "call", "outcome": ["meeting_booked"], "within_days": 7}}) == {booked.pk}
    with pytest.raises(ValidationFailed) as bad:
        matching({"event": {"kind": "call", "outcome": "nonsense"}})
    assert "rule.event.outcome" in bad.value.errors
