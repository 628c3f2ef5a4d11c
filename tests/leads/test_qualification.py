"""Auto-qualification rules: a rule is a saved segment and an action; it fires through the lifecycle services
and is named as the actor of the change; a second run fires nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.errors import ValidationFailed
from leads.choices import CallOutcome, LeadEventKind, Stage, Temperature, TouchpointKind
from leads.models import Lead, LeadEvent, Segment, StageChange
from leads.qualification.models import QualificationAction, QualificationRule
from leads.qualification.services import (
    leads_qualify,
    qualification_rule_move,
    qualification_rule_save,
    qualification_rules_apply_all,
)
from leads.services.activities import lead_activity_log
from tests.factories import LeadFactory, TouchpointFactory, user_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
GRADE_AND_BANT = {"all": [{"field": "grade", "op": "in", "value": ["A1", "A2", "B1"]},
                          {"field": "bant_count", "op": "gte", "value": 2}]}  # fmt: skip
MEETING_BOOKED = {"event": {"kind": "call", "outcome": "meeting_booked", "within_days": 7}}


def rule(name: str, tree: dict, action: str = QualificationAction.MQL, **kwargs) -> QualificationRule:
    segment = Segment.objects.create(name=f"segment of {name}", rule=tree)
    return qualification_rule_save(rule=None, data={"name": name, "segment": segment, "action": action, **kwargs})


def lead(**kwargs) -> Lead:
    kwargs.setdefault("created_at", NOW - dt.timedelta(days=3))
    kwargs.setdefault("stage_changed_at", kwargs["created_at"])
    return LeadFactory(**kwargs)


def test_grade_and_bant_rule_qualifies_only_the_leads_that_meet_both():
    fired_rule = rule("A-grade with BANT", GRADE_AND_BANT)
    both = lead(grade="A2", bant_budget=True, bant_need=True)
    grade_only = lead(grade="A1", bant_budget=True)
    bant_only = lead(grade="C2", bant_budget=True, bant_need=True, bant_timing=True)

    firings = leads_qualify(lead_ids=[both.pk, grade_only.pk, bant_only.pk], now=NOW)

    assert [(f.rule_id, f.lead_id) for f in firings] == [(fired_rule.pk, both.pk)]
    assert Lead.objects.get(pk=both.pk).stage == Stage.MQL
    assert set(Lead.objects.filter(pk__in=[grade_only.pk, bant_only.pk]).values_list("stage", flat=True)) == {
        Stage.LEAD}


def test_the_rule_that_fired_is_the_actor_of_the_stage_change():
    rule("A-grade with BANT", GRADE_AND_BANT)
    qualified = lead(grade="B1", bant_authority=True, bant_timing=True)

    leads_qualify(lead_ids=[qualified.pk], now=NOW)

    change = StageChange.objects.get(lead=qualified, to_stage=Stage.MQL)
    assert change.actor is None
    assert change.actor_label == "rule:A-grade with BANT"
    assert change.at == NOW


def test_a_second_run_fires_nothing_and_counts_each_firing_once():
    fired_rule = rule("A-grade with BANT", GRADE_AND_BANT)
    qualified = lead(grade="A1", bant_budget=True, bant_need=True)

    assert len(leads_qualify(lead_ids=[qualified.pk], now=NOW)) == 1
    assert leads_qualify(lead_ids=[qualified.pk], now=NOW + dt.timedelta(minutes=1)) == []

    fired_rule.refresh_from_db()
    assert (fired_rule.fired, fired_rule.last_fired_at) == (1, NOW)
    assert StageChange.objects.filter(lead=qualified, to_stage=Stage.MQL).count() == 1


def test_meeting_booked_call_qualifies_the_lead_through_the_activity_log():
    rule("Meeting booked", MEETING_BOOKED)
    sdr = user_with_role("sdr")
    worked = lead(owner_sdr=sdr)

    lead_activity_log(lead=worked, actor=sdr, kind=TouchpointKind.CALL, outcome=CallOutcome.MEETING_BOOKED,
                      note="Demo on Thursday", at=NOW, now=NOW)
    leads_qualify(lead_ids=[worked.pk], now=NOW)

    assert Lead.objects.get(pk=worked.pk).stage == Stage.MQL


def test_a_call_with_another_outcome_or_older_than_the_window_does_not_qualify():
    rule("Meeting booked", MEETING_BOOKED)
    no_answer, old_meeting = lead(), lead()
    TouchpointFactory(lead=no_answer, kind=TouchpointKind.CALL, occurred_at=NOW - dt.timedelta(days=1),
                      properties={"outcome": CallOutcome.NO_ANSWER})  # fmt: skip
    TouchpointFactory(lead=old_meeting, kind=TouchpointKind.CALL, occurred_at=NOW - dt.timedelta(days=8),
                      properties={"outcome": CallOutcome.MEETING_BOOKED})  # fmt: skip

    assert leads_qualify(lead_ids=[no_answer.pk, old_meeting.pk], now=NOW) == []


def test_hot_rule_makes_trial_sign_ups_hot_with_the_rule_as_actor():
    rule("Trial sign-up", {"event": {"kind": "trial_signup", "within_days": 30}}, action=QualificationAction.HOT)
    trial = lead(temperature=Temperature.WARM)
    TouchpointFactory(lead=trial, kind=TouchpointKind.TRIAL_SIGNUP, occurred_at=NOW - dt.timedelta(days=2))

    firings = leads_qualify(lead_ids=[trial.pk], now=NOW)

    assert [f.action for f in firings] == [QualificationAction.HOT]
    assert Lead.objects.get(pk=trial.pk).temperature == Temperature.HOT
    event = LeadEvent.objects.get(lead=trial, kind=LeadEventKind.TEMPERATURE_CHANGED)
    assert event.actor_label.startswith("qualification:") and event.actor_label.endswith("Trial sign-up")


def test_inactive_rules_and_leads_past_lead_are_left_alone():
    rule("Off", GRADE_AND_BANT, active=False)
    matching = lead(grade="A1", bant_budget=True, bant_need=True)

    assert leads_qualify(lead_ids=[matching.pk], now=NOW) == []

    QualificationRule.objects.update(active=True)
    already = lead(grade="A1", bant_budget=True, bant_need=True, stage=Stage.SAL)
    assert [f.lead_id for f in leads_qualify(lead_ids=[matching.pk, already.pk], now=NOW)] == [matching.pk]


def test_apply_all_finds_matching_leads_across_the_pool():
    fired_rule = rule("A-grade with BANT", GRADE_AND_BANT)
    matches = [lead(grade="A1", bant_budget=True, bant_need=True) for _ in range(3)]
    lead(grade="D4")

    firings = qualification_rules_apply_all(now=NOW, rule=fired_rule)

    assert sorted(f.lead_id for f in firings) == sorted(m.pk for m in matches)


def test_saving_a_rule_names_the_bad_field():
    segment = Segment.objects.create(name="s", rule=GRADE_AND_BANT)
    with pytest.raises(ValidationFailed) as missing_segment:
        qualification_rule_save(rule=None, data={"name": "x", "segment": None, "action": "mql"})
    with pytest.raises(ValidationFailed) as blank_name:
        qualification_rule_save(rule=None, data={"name": " ", "segment": segment, "action": "mql"})
    qualification_rule_save(rule=None, data={"name": "taken", "segment": segment, "action": "mql"})
    with pytest.raises(ValidationFailed) as clash:
        qualification_rule_save(rule=None, data={"name": "taken", "segment": segment, "action": "hot"})

    assert "segment" in missing_segment.value.errors
    assert "name" in blank_name.value.errors
    assert "name" in clash.value.errors


def test_new_rules_go_last_and_move_swaps_neighbours():
    first, second = rule("first", GRADE_AND_BANT), rule("second", MEETING_BOOKED)
    assert first.order < second.order

    qualification_rule_move(rule=second, up=True)

    assert list(QualificationRule.objects.values_list("name", flat=True)) == ["second", "first"]


def test_apply_all_without_a_rule_runs_every_active_rule_once_per_lead():
    rule("A-grade with BANT", GRADE_AND_BANT)
    rule("Trial sign-up", {"event": {"kind": "trial_signup", "within_days": 30}}, action=QualificationAction.HOT)
    both = lead(grade="A1", bant_budget=True, bant_need=True, temperature=Temperature.WARM)
    TouchpointFactory(lead=both, kind=TouchpointKind.TRIAL_SIGNUP, occurred_at=NOW - dt.timedelta(days=1))

    firings = qualification_rules_apply_all(now=NOW)

    assert sorted(f.action for f in firings) == ["hot", "mql"]
    assert qualification_rules_apply_all(now=NOW) == []
    assert (Lead.objects.get(pk=both.pk).stage, Lead.objects.get(pk=both.pk).temperature) == (Stage.MQL,
                                                                                             Temperature.HOT)
