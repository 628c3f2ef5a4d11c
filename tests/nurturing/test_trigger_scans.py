"""The incremental trigger and exit scans: after a complete first scan, each tick asks only the leads that may
have changed their answer (crossed the silence threshold, touched, edited, let go by a sequence on the
track), plus a rolling re-check slice; `now` moves, nobody sleeps.

Leads here are backdated (created, touched and edited long ago) so that only what a test does marks them;
RECHECK_BATCH is 1, and a first lead (the "sentinel", created first) takes the re-check slice's first turn.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.segments.models import Segment
from leads.services.touchpoints import leads_touch
from nurturing.models.cursors import ScanCursor
from nurturing.models.sequences import Enrollment, EnrollmentStatus, ExitReason, Sequence
from nurturing.services import trigger_scans
from nurturing.services.enrollments import enrollment_stop, enrollments_start
from nurturing.services.trigger_scans import inactivity_scan, scan_cursor_advance
from nurturing.services.triggers import (
    enrollments_exit_engaged,
    sequences_enroll_inactive,
    sequences_enroll_segment_entries,
)
from tests.factories import TouchpointFactory
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
NOW = at(2025, 6, 16, 10)
STEPS = [("w", "wait", {"days": 30})]
SILENT = {"days": 30, "rule": {"stage": "lead"}}
TRIAL = {"rule": {"event": {"kind": "trial_signup", "within_days": 3}}}


@pytest.fixture(autouse=True)
def _one_lead_rechecked_per_tick(monkeypatch: pytest.MonkeyPatch) -> Lead:
    pause_builtins()
    monkeypatch.setattr(trigger_scans, "RECHECK_BATCH", 1)
    return old_lead(stage="customer")  # the sentinel: lowest id, never in any audience here


def old_lead(*, silent_since: dt.datetime = NOW - dt.timedelta(days=400), **fields: Any) -> Lead:
    """A lead created, last touched and last edited long ago: no mark sees it until something happens."""
    lead = new_lead(created_at=silent_since, last_touch_at=silent_since, **fields)
    Lead.objects.filter(pk=lead.pk).update(updated_at=timezone.now() - dt.timedelta(days=1))
    return lead


def enrolled(sequence: Sequence) -> list[int]:
    return list(Enrollment.objects.filter(sequence=sequence).order_by("lead_id").values_list("lead_id", flat=True))


def test_the_first_scan_is_complete_and_writes_the_cursor_later_scans_start_from() -> None:
    sequence = make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    silent = old_lead()

    assert sequences_enroll_inactive(now=NOW) == 1

    assert enrolled(sequence) == [silent.pk]
    cursor = ScanCursor.objects.get(sequence=sequence)
    assert (cursor.now_mark, cursor.recheck_after) == (NOW, 0)


def test_a_lead_whose_silence_crosses_the_threshold_between_ticks_is_enrolled_at_the_next_one() -> None:
    sequence = make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    quiet = old_lead(silent_since=NOW - dt.timedelta(days=29, hours=23))
    sequences_enroll_inactive(now=NOW)
    assert enrolled(sequence) == []

    assert sequences_enroll_inactive(now=NOW + dt.timedelta(hours=2)) == 1

    assert enrolled(sequence) == [quiet.pk]
    assert sequences_enroll_inactive(now=NOW + dt.timedelta(hours=3)) == 0  # handled: not again


def test_a_silent_lead_edited_back_into_the_audience_is_enrolled_at_the_next_tick() -> None:
    sequence = make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    returned = old_lead(stage="mql")
    sequences_enroll_inactive(now=NOW)
    assert enrolled(sequence) == []

    returned.stage = "lead"
    returned.save(update_fields=["stage", "updated_at"])  # edits stamp updated_at (wall clock)
    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=1))

    assert enrolled(sequence) == [returned.pk]


def test_a_silent_lead_let_go_by_a_higher_sequence_on_its_track_is_enrolled_at_the_next_tick() -> None:
    silent = make_sequence(STEPS, slug="silent", trigger_kind="inactivity", trigger_config=SILENT, priority=40)
    mining = make_sequence(STEPS, slug="mining", priority=60)
    lead = old_lead()
    enrollments_start(sequence=mining, leads=[lead.pk], now=NOW - dt.timedelta(days=1), trigger="manual")
    sequences_enroll_inactive(now=NOW)
    assert enrolled(silent) == []

    enrollment_stop(enrollment=Enrollment.objects.get(sequence=mining), now=NOW + dt.timedelta(minutes=1),
                    reason=ExitReason.MANUAL_STOP)  # fmt: skip
    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=2))

    assert enrolled(silent) == [lead.pk]


def test_what_no_mark_sees_is_found_when_the_rolling_recheck_reaches_the_lead(
    _one_lead_rechecked_per_tick: Lead,
) -> None:
    sequence = make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    lead = old_lead(stage="mql")
    sequences_enroll_inactive(now=NOW)
    Lead.objects.filter(pk=lead.pk).update(stage="lead")  # a raw write: no updated_at, no touch

    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=1))  # re-checks the sentinel
    assert enrolled(sequence) == []
    assert ScanCursor.objects.get(sequence=sequence).recheck_after == _one_lead_rechecked_per_tick.pk

    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=2))  # re-checks the next lead
    assert enrolled(sequence) == [lead.pk]
    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=3))  # past the last lead: from the start again
    assert ScanCursor.objects.get(sequence=sequence).recheck_after == 0


def test_changed_trigger_settings_make_the_next_scan_complete_again() -> None:
    sequence = make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    mql = old_lead(stage="mql")
    sequences_enroll_inactive(now=NOW)
    assert enrolled(sequence) == []

    Sequence.objects.filter(pk=sequence.pk).update(trigger_config={"days": 30, "rule": {"stage": "mql"}})
    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=1))

    assert enrolled(sequence) == [mql.pk]


def test_an_edited_rule_of_the_segment_a_trigger_names_makes_the_next_scan_complete_again() -> None:
    south = Segment.objects.create(name="South", rule={"field": "region", "op": "eq", "value": "华南"})
    sequence = make_sequence(STEPS, trigger_kind="segment_entry", trigger_config={"segment": south.pk})
    north = old_lead(region="华北")
    sequences_enroll_segment_entries(now=NOW)
    assert enrolled(sequence) == []

    south.rule = {"field": "region", "op": "in", "value": ["华南", "华北"]}
    south.save()
    sequences_enroll_segment_entries(now=NOW + dt.timedelta(minutes=1))

    assert enrolled(sequence) == [north.pk]


def test_a_segment_entry_through_a_new_touchpoint_is_enrolled_at_the_next_tick() -> None:
    sequence = make_sequence(STEPS, trigger_kind="segment_entry", trigger_config=TRIAL)
    lead = old_lead()
    sequences_enroll_segment_entries(now=NOW)
    assert enrolled(sequence) == []

    signed_up = NOW + dt.timedelta(minutes=1)
    TouchpointFactory(lead=lead, kind="trial_signup", occurred_at=signed_up)
    leads_touch({lead.pk: signed_up})  # what every touchpoint writer does
    sequences_enroll_segment_entries(now=NOW + dt.timedelta(minutes=2))

    assert enrolled(sequence) == [lead.pk]


def test_the_scans_leave_alone_leads_nothing_happened_to() -> None:
    sequence = make_sequence(STEPS, trigger_kind="segment_entry",
                             trigger_config={"rule": {"field": "region", "op": "eq", "value": "华南"}})  # fmt: skip
    sequences_enroll_segment_entries(now=NOW)
    south = old_lead(region="华北")
    Lead.objects.filter(pk=south.pk).update(region="华南")  # a raw write the marks cannot see

    assert sequences_enroll_segment_entries(now=NOW + dt.timedelta(minutes=1)) == 0
    assert enrolled(sequence) == []


def test_an_engagement_exits_at_the_next_tick_and_a_touch_the_marks_miss_when_the_recheck_comes() -> None:
    sequence = make_sequence(STEPS, trigger_kind="manual", exit_on_engagement=True)
    clicked, late = old_lead(), old_lead()
    enrollments_start(sequence=sequence, leads=[clicked.pk, late.pk], now=NOW - dt.timedelta(days=1),
                      trigger="manual")  # fmt: skip
    enrollments_exit_engaged(now=NOW)

    TouchpointFactory(lead=clicked, kind="email_click", occurred_at=NOW + dt.timedelta(minutes=1))
    leads_touch({clicked.pk: NOW + dt.timedelta(minutes=1)})
    TouchpointFactory(lead=late, kind="email_click", occurred_at=NOW - dt.timedelta(hours=1))  # last touch kept
    enrollments_exit_engaged(now=NOW + dt.timedelta(minutes=2))

    active = Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE)
    assert list(active.values_list("lead_id", flat=True)) == [late.pk]
    for minute in range(3, 6):  # the re-check walks the sentinel, `clicked`, then `late`
        enrollments_exit_engaged(now=NOW + dt.timedelta(minutes=minute))
    assert not active.exists()
    assert Enrollment.objects.get(lead=late).exit_reason == ExitReason.ENGAGED


def test_the_marks_never_move_back_and_a_stale_worker_does_not_overwrite_them() -> None:
    sequence = make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    sequences_enroll_inactive(now=NOW)
    scan = trigger_scans.trigger_scans_load(kind="inactivity")[0]
    assert scan.marks is not None

    sequences_enroll_inactive(now=NOW + dt.timedelta(minutes=5))  # another worker moved on
    scan_cursor_advance(name=scan.cursor_name, fingerprint=scan.fingerprint, marks=scan.marks,
                        now=NOW + dt.timedelta(minutes=1), wall=timezone.now())  # fmt: skip
    assert ScanCursor.objects.get(sequence=sequence).now_mark == NOW + dt.timedelta(minutes=5)

    sequences_enroll_inactive(now=NOW - dt.timedelta(days=1))  # a replay of an earlier moment
    assert ScanCursor.objects.get(sequence=sequence).now_mark == NOW + dt.timedelta(minutes=5)


def test_the_scan_registered_for_the_benchmark_reads_what_the_sweep_enrols() -> None:
    make_sequence(STEPS, trigger_kind="inactivity", trigger_config=SILENT)
    silent = [old_lead().pk for _ in range(3)]

    assert inactivity_scan(now=NOW, limit=2) == silent[:2]
    assert sequences_enroll_inactive(now=NOW, limit=2) == 2
    assert inactivity_scan(now=NOW, limit=2) == silent[2:]
