"""Frequency cap, quiet hours, and the A/B winner's statistics (hand-checked)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.test import override_settings

from nurturing.models.messages import Message, MessageStatus
from nurturing.models.sequences import Enrollment, Step, StepExecution
from nurturing.services.ab_tests import Arm, ab_split_evaluate, ab_winner, two_proportion_z_test
from nurturing.services.enrollments import enrollments_start
from nurturing.services.pacing import quiet_hours_end
from tests.factories import TouchpointFactory
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins, run, template

pytestmark = [pytest.mark.usefixtures("shanghai")]


@pytest.mark.django_db
def test_the_fourth_marketing_email_in_seven_days_waits_until_the_first_leaves_the_window() -> None:
    pause_builtins()
    template()
    daily = [(f"e{n}", "send_email", {"template": "hello"}) for n in range(4)]
    steps = [item for pair in zip(daily, [(f"w{n}", "wait", {"days": 1}) for n in range(4)], strict=True)
             for item in pair]  # fmt: skip
    sequence = make_sequence(steps)
    lead = new_lead(consent_email=True)
    start = at(2025, 6, 16, 10)
    enrollments_start(sequence=sequence, leads=[lead.pk], now=start, trigger="manual")

    for day in range(4):
        run(start + dt.timedelta(days=day))

    sent = list(Message.objects.filter(lead=lead).order_by("created_at").values_list("created_at", flat=True))
    assert sent == [start, start + dt.timedelta(days=1), start + dt.timedelta(days=2)]
    enrollment = Enrollment.objects.get(lead=lead)
    # 3 per 7 days: the 4th waits until the first (day 0, 10:00) is 7 days old.
    assert enrollment.next_run_at == start + dt.timedelta(days=7, seconds=1)
    assert enrollment.current_step.key == "e3"

    run(start + dt.timedelta(days=7, minutes=1))
    assert Message.objects.filter(lead=lead).count() == 4


@pytest.mark.django_db
def test_no_marketing_email_during_quiet_hours_it_goes_out_when_they_end() -> None:
    pause_builtins()
    template()
    sequence = make_sequence([("e", "send_email", {"template": "hello"})])
    lead = new_lead(consent_email=True)
    night = at(2025, 6, 16, 22, 30)
    enrollments_start(sequence=sequence, leads=[lead.pk], now=night, trigger="manual")

    run(night)
    assert not Message.objects.filter(lead=lead).exists()
    assert Enrollment.objects.get(lead=lead).next_run_at == at(2025, 6, 17, 8)

    run(at(2025, 6, 17, 8))
    assert Message.objects.get(lead=lead).status == MessageStatus.SENT


@override_settings(LEADFLOW={"NURTURE_QUIET_HOURS": "12:00-14:00"})
def test_quiet_hours_that_do_not_wrap_midnight() -> None:
    assert quiet_hours_end(now=at(2025, 6, 16, 13)) == at(2025, 6, 16, 14)
    assert quiet_hours_end(now=at(2025, 6, 16, 14)) is None
    assert quiet_hours_end(now=at(2025, 6, 16, 11, 59)) is None


def test_two_proportion_z_test_matches_the_hand_calculation() -> None:
    # 40/200 = 0.20 vs 20/200 = 0.10; pooled p = 60/400 = 0.15;
    # se = sqrt(0.15 * 0.85 * (1/200 + 1/200)) = sqrt(0.001275) = 0.0357071; z = 0.10 / 0.0357071 = 2.8006;
    # p = erfc(2.8006 / sqrt 2) = 0.0051.
    z, p = two_proportion_z_test(x1=40, n1=200, x2=20, n2=200)
    assert z == pytest.approx(2.8006, abs=1e-4)
    assert p == pytest.approx(0.0051, abs=1e-4)
    assert two_proportion_z_test(x1=0, n1=0, x2=5, n2=10) == (0.0, 1.0)
    assert math.isclose(two_proportion_z_test(x1=10, n1=100, x2=10, n2=100)[1], 1.0)


def test_winner_needs_significance_and_the_minimum_sample_in_every_arm() -> None:
    # 22/200 vs 20/200: z = 0.318, p = 0.75: no winner.
    assert ab_winner(arms=[Arm("a", 200, 22), Arm("b", 200, 20)]) == ""
    assert ab_winner(arms=[Arm("a", 200, 40), Arm("b", 200, 20)]) == "a"
    # Same rates with 99 in an arm: below the minimum sample of 100.
    assert ab_winner(arms=[Arm("a", 99, 20), Arm("b", 200, 20)]) == ""
    # Three arms: "c" must beat both: 40/200 vs 30/200 is p = 0.19, so no winner yet.
    assert ab_winner(arms=[Arm("a", 200, 20), Arm("b", 200, 30), Arm("c", 200, 40)]) == ""


@pytest.mark.django_db
def test_split_picks_the_winner_from_matured_clicks_and_new_entrants_get_it() -> None:
    pause_builtins()
    sequence = make_sequence([
        ("split", "ab_split", {"variants": [{"key": "a", "weight": 50, "goto": "a"},
                                            {"key": "b", "weight": 50, "goto": "b"}],
                               "goal": "click", "window_days": 7, "min_sample": 100}),
        ("a", "add_tag", {"tag": "a"}), ("stop", "goto", {"to": "end"}), ("b", "add_tag", {"tag": "b"}),
        ("end", "add_tag", {"tag": "end"}),
    ])  # fmt: skip
    split = Step.objects.get(sequence=sequence, key="split")
    passed = at(2025, 6, 2, 10)
    # Hand-made history: 120 per arm passed the split 2 weeks ago; 36 clicks in arm a (0.30), 18 in b (0.15).
    for variant, clicks in (("a", 36), ("b", 18)):
        for n in range(120):
            lead = new_lead()
            enrollment = Enrollment.objects.create(sequence=sequence, lead=lead, track=sequence.track,
                                                   started_at=passed, trigger="manual", status="completed")
            StepExecution.objects.create(enrollment=enrollment, step=split, visit=0, executed_at=passed,
                                         branch=variant)  # fmt: skip
            if n < clicks:
                TouchpointFactory(lead=lead, kind="email_click", occurred_at=passed + dt.timedelta(days=2))
    # pooled 54/240 = 0.225; se = sqrt(0.225*0.775*(2/120)) = 0.053910; z = 0.15/0.053910 = 2.7824; p = 0.0054

    assert ab_split_evaluate(step=split, now=at(2025, 6, 16, 10)) == "a"
    split.refresh_from_db()
    assert split.winner_stats["arms"] == [{"key": "a", "n": 120, "successes": 36, "rate": 0.3},
                                         {"key": "b", "n": 120, "successes": 18, "rate": 0.15}]
    newcomers = [new_lead() for _ in range(6)]
    enrollments_start(sequence=sequence, leads=[lead.pk for lead in newcomers], now=at(2025, 6, 16, 10),
                      trigger="manual")  # fmt: skip
    run(at(2025, 6, 16, 10))
    assert {name for lead in newcomers for name in lead.tags.values_list("name", flat=True)} == {"a", "end"}


@pytest.mark.django_db
def test_clicks_outside_the_window_or_not_yet_matured_do_not_count() -> None:
    pause_builtins()
    sequence = make_sequence([("split", "ab_split", {"variants": [{"key": "a", "weight": 1, "goto": "x"},
                                                                  {"key": "b", "weight": 1, "goto": "x"}],
                                                     "goal": "click", "window_days": 7}),
                              ("x", "add_tag", {"tag": "x"})])  # fmt: skip
    split = Step.objects.get(sequence=sequence, key="split")
    lead = new_lead()
    enrollment = Enrollment.objects.create(sequence=sequence, lead=lead, track="nurture", started_at=at(2025, 6, 1),
                                           trigger="manual", status="completed")  # fmt: skip
    StepExecution.objects.create(enrollment=enrollment, step=split, visit=0, executed_at=at(2025, 6, 1), branch="a")
    TouchpointFactory(lead=lead, kind="email_click", occurred_at=at(2025, 6, 9))  # day 8: outside the window
    from nurturing.services.ab_tests import ab_arms

    assert ab_arms(step=split, now=at(2025, 6, 7)) == [Arm("a", 0, 0), Arm("b", 0, 0)]  # not matured yet
    assert ab_arms(step=split, now=at(2025, 6, 20)) == [Arm("a", 1, 0), Arm("b", 0, 0)]
