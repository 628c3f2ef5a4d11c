"""Scoring engine: hand-checked engagement (decay, negative behaviour, cap and floor), source shrinkage, fit by
customer type, grade boundaries, and the set-based refresh agreeing with the Python explanation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.choices import Tier
from leads.choices import Stage, TouchpointKind
from leads.models import Lead, StageChange
from leads.scoring.explain import lead_score_explain
from leads.scoring.rules import config_build, grade, source_score
from leads.scoring.services import channel_conversions_count, leads_scores_refresh
from tests.factories import AccountFactory, ChannelFactory, LeadFactory
from tests.leads.scoring_helpers import NOW, SIMPLE, live_ruleset, touch

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def scored(lead: Lead, now: dt.datetime = NOW) -> Lead:
    leads_scores_refresh(lead_ids=[lead.pk], now=now)
    lead.refresh_from_db()
    return lead


@pytest.mark.parametrize(("at", "expected"), [
    (NOW - 30 * DAY, 10),  # the moment it happened: full points
    (NOW, 5),  # one half-life later: 10 * 0.5
    (NOW + 30 * DAY, 3),  # two half-lives: 2.5, rounded half up
    (NOW + 60 * DAY, 1),  # three: 1.25
    (NOW - 31 * DAY, 0),  # before it happened: not counted
])  # fmt: skip
def test_engagement_halves_every_half_life(at: dt.datetime, expected: int) -> None:
    # given a webinar attended (10 points, half-life 30 days) 30 days before NOW
    live_ruleset()
    lead = LeadFactory()
    touch(lead, TouchpointKind.WEBINAR_ATTEND, days_ago=30)
    # when the lead is scored as of `at`, then the points have decayed by 0.5 ** (age / 30)
    assert scored(lead, at).engagement_score == expected


def test_negative_behaviour_subtracts_decayed_points() -> None:
    # given a meeting (40) and an email click (20) today, and an unsubscribe (-30) 30 days ago
    live_ruleset()
    lead = LeadFactory()
    touch(lead, TouchpointKind.MEETING, days_ago=0)
    touch(lead, TouchpointKind.EMAIL_CLICK, days_ago=0)
    touch(lead, TouchpointKind.EMAIL_CLICK, days_ago=30, event="unsubscribe")
    # then 40 + 20 - 30 * 0.5 = 45 (the unsubscribe replaces the click's points)
    assert scored(lead).engagement_score == 45


def test_engagement_is_capped_at_100_and_floored_at_0() -> None:
    live_ruleset()
    busy, gone = LeadFactory(), LeadFactory()
    for _ in range(3):
        touch(busy, TouchpointKind.DEMO_REQUEST, days_ago=0)  # 180 points
        touch(gone, TouchpointKind.OTHER, days_ago=0, event="unsubscribe")  # -90 points
    assert scored(busy).engagement_score == 100
    assert scored(gone).engagement_score == 0


def test_source_score_of_three_lucky_leads_stays_near_the_prior() -> None:
    # given a new channel with prior 50 whose 3 leads all became customers (observed 100)
    live_ruleset()
    channel = ChannelFactory(prior_score=50)
    leads = [LeadFactory(source_channel=channel, stage=Stage.CUSTOMER) for _ in range(3)]
    channel_conversions_count(now=NOW)
    # then (3 * 100 + 50 * 50) / 53 = 52.8 -> 53, not 100
    assert scored(leads[0]).source_score == 53


def test_source_score_with_5000_leads_moves_to_the_observed_rate() -> None:
    config = config_build(SIMPLE)
    # 45 % MQL (1.5 x reference) and 3 % customers (1.5 x reference) observe 100 * 3 / 4 = 75
    # 5,000 leads: (5000 * 75 + 50 * 20) / 5050 = 74.46 -> 74, far from the prior 20
    assert source_score(prior=20, leads=5000, mql=2250, customers=150, config=config) == 74
    # 3 leads all MQL (observed 100 * (1 / 0.3) / 4 = 83.3): (3 * 83.3 + 50 * 20) / 53 = 23.6 -> 24, near 20
    assert source_score(prior=20, leads=3, mql=3, customers=0, config=config) == 24
    assert source_score(prior=20, leads=0, mql=0, customers=0, config=config) == 20


def test_source_score_counts_mql_from_stage_history() -> None:
    # given a lead now lost that went through MQL (its history says so)
    live_ruleset(source_pseudo_count=0)
    channel = ChannelFactory(prior_score=0)
    lead = LeadFactory(source_channel=channel, stage=Stage.LOST)
    StageChange.objects.create(lead=lead, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=NOW)
    channel_conversions_count(now=NOW)
    # then its channel observes 100 % MQL: 100 * (1 / 0.3) / 4 = 83.3 -> 83
    assert scored(lead).source_score == 83


def test_lead_without_a_channel_gets_the_no_channel_score() -> None:
    live_ruleset()
    assert scored(LeadFactory(source_channel=None)).source_score == 30


def test_same_profile_scores_more_from_a_key_account_than_from_the_long_tail() -> None:
    live_ruleset()
    profile = {"industry": "software", "title": "销售总监"}
    key = LeadFactory(account=AccountFactory(tier=Tier.A), **profile)
    standard = LeadFactory(account=AccountFactory(tier=Tier.B), **profile)
    long_tail = LeadFactory(account=AccountFactory(tier=Tier.C), **profile)
    no_account = LeadFactory(account=None, **profile)
    assert [scored(lead).fit_score for lead in (key, standard, long_tail, no_account)] == [50, 30, 15, 15]


@pytest.mark.parametrize(("fit", "engagement", "expected"), [
    (75, 60, "A1"), (74, 60, "B1"), (75, 59, "A2"), (50, 30, "B2"), (49, 29, "C3"), (25, 10, "C3"),
    (24, 9, "D4"), (100, 0, "A4"), (0, 100, "D1"),
])  # fmt: skip
def test_grade_letter_and_digit_switch_exactly_at_the_thresholds(fit: int, engagement: int, expected: str) -> None:
    assert grade(fit=fit, engagement=engagement, config=config_build(SIMPLE)) == expected


def test_refresh_writes_the_grade_and_the_instant_it_scored_for() -> None:
    live_ruleset()
    lead = LeadFactory(account=AccountFactory(tier=Tier.S), industry="software", title="总监")
    touch(lead, TouchpointKind.DEMO_REQUEST, days_ago=0)
    lead = scored(lead)
    assert (lead.fit_score, lead.engagement_score, lead.grade, lead.scored_at) == (50, 60, "B1", NOW)


def test_explanation_lines_add_up_to_the_stored_scores() -> None:
    # given a lead with fit rules, decayed touchpoints, a clamp and a channel
    live_ruleset()
    channel = ChannelFactory(prior_score=70)
    lead = LeadFactory(account=AccountFactory(tier=Tier.A), industry="software", title="总监", source_channel=channel)
    touch(lead, TouchpointKind.WEBINAR_ATTEND, days_ago=3)
    touch(lead, TouchpointKind.MEETING, days_ago=10)
    touch(lead, TouchpointKind.EMAIL_CLICK, days_ago=45, event="unsubscribe")
    lead = scored(lead)
    # when it is explained at the instant it was scored
    with translation.override("en"):
        explanation = lead_score_explain(lead=lead)
    # then each score's lines add up to what is stored, and the touchpoint line says when
    for name, stored in (("fit", lead.fit_score), ("engagement", lead.engagement_score), ("source", lead.source_score)):
        assert sum(line.points for line in explanation.of(name)) == pytest.approx(stored, abs=1e-9)
    assert (explanation.fit, explanation.engagement, explanation.source, explanation.grade) == (
        lead.fit_score, lead.engagement_score, lead.source_score, lead.grade)
    labels = [line.label for line in explanation.of("engagement")]
    assert any("Webinar attended, 3\xa0days ago" in label for label in labels), labels
    assert any(line.label == "industry in target list" and line.points == 30 for line in explanation.of("fit"))


def test_explanation_shows_the_cap_as_its_own_line() -> None:
    live_ruleset()
    lead = LeadFactory()
    for _ in range(2):
        touch(lead, TouchpointKind.DEMO_REQUEST, days_ago=0)
    lead = scored(lead)
    lines = lead_score_explain(lead=lead).of("engagement")
    assert lines[-1].kind == "clamp" and lines[-1].points == -20
    assert sum(line.points for line in lines) == 100


def test_refresh_of_many_leads_costs_the_same_queries_as_of_one() -> None:
    live_ruleset()
    leads = [LeadFactory() for _ in range(30)]
    for lead in leads:
        touch(lead, TouchpointKind.MEETING, days_ago=1)
    with CaptureQueriesContext(connection) as one:
        leads_scores_refresh(lead_ids=[leads[0].pk], now=NOW)
    with CaptureQueriesContext(connection) as many:
        leads_scores_refresh(lead_ids=[lead.pk for lead in leads], now=NOW)
    assert len(many) == len(one)
    scores = Lead.objects.filter(pk__in=[lead.pk for lead in leads]).values_list("engagement_score", flat=True)
    assert set(scores) == {39}  # 40 * 0.5 ** (1 / 30) = 39.1


def test_refresh_skips_merged_leads() -> None:
    live_ruleset()
    survivor = LeadFactory()
    merged = LeadFactory(merged_into=survivor)
    touch(merged, TouchpointKind.MEETING, days_ago=0)
    assert leads_scores_refresh(lead_ids=[merged.pk], now=NOW) == 0
