"""Enrollment triggers and the one-sequence-per-track rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from leads.models import Lead
from leads.services.leads import lead_set_temperature
from leads.signals import leads_created
from nurturing.models.sequences import Enrollment, EnrollmentStatus, ExitReason
from nurturing.services.enrollments import enrollments_start
from nurturing.services.triggers import sequences_enroll_segment_entries
from tests.factories import ChannelFactory
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
NOW = at(2025, 6, 16, 10)
STEPS = [("w", "wait", {"days": 30})]


@pytest.fixture(autouse=True)
def _only_test_sequences() -> None:
    pause_builtins()


def test_lead_created_trigger_honours_source_conditions(committed: Any) -> None:
    make_sequence(STEPS, trigger_kind="lead_created", trigger_config={"channel_routes": ["pre_nurture"]})
    nurture, sdr = ChannelFactory(route="pre_nurture"), ChannelFactory(route="sdr")
    content_lead, ads_lead = new_lead(source_channel=nurture), new_lead(source_channel=sdr)
    with committed():
        leads_created.send(sender=Lead, lead_ids=[content_lead.pk, ads_lead.pk], at=NOW)

    assert list(Enrollment.objects.values_list("lead_id", flat=True)) == [content_lead.pk]


def test_temperature_change_trigger(committed: Any) -> None:
    make_sequence(STEPS, trigger_kind="temperature_changed", trigger_config={"to": ["cold"]})
    lead = new_lead()
    with committed():
        lead_set_temperature(lead=lead, temperature="hot")
    assert not Enrollment.objects.exists()
    with committed():
        lead_set_temperature(lead=lead, temperature="cold")
    assert Enrollment.objects.get().lead_id == lead.pk


def test_segment_entry_enrols_once_per_lead() -> None:
    make_sequence(STEPS, trigger_kind="segment_entry", trigger_config={"rule": {"field": "region", "op": "eq",
                                                                               "value": "华南"}})  # fmt: skip
    south, north = new_lead(region="华南"), new_lead(region="华北")

    assert sequences_enroll_segment_entries(now=NOW) == 1
    Enrollment.objects.update(status=EnrollmentStatus.COMPLETED)
    assert sequences_enroll_segment_entries(now=NOW + dt.timedelta(days=1)) == 0
    assert list(Enrollment.objects.values_list("lead_id", flat=True)) == [south.pk]
    assert north.pk not in Enrollment.objects.values_list("lead_id", flat=True)


def test_a_higher_priority_sequence_takes_the_track_over_a_lower_one_does_not() -> None:
    low = make_sequence(STEPS, slug="low", priority=10)
    high = make_sequence(STEPS, slug="high", priority=90)
    lead = new_lead()
    enrollments_start(sequence=low, leads=[lead.pk], now=NOW, trigger="manual")

    assert enrollments_start(sequence=high, leads=[lead.pk], now=NOW, trigger="manual") == [lead.pk]
    assert enrollments_start(sequence=low, leads=[lead.pk], now=NOW, trigger="manual") == []
    old = Enrollment.objects.get(sequence=low)
    assert (old.status, old.exit_reason) == (EnrollmentStatus.EXITED, ExitReason.SUPERSEDED)
    assert Enrollment.objects.get(sequence=high).status == EnrollmentStatus.ACTIVE


def test_the_database_refuses_two_active_enrollments_on_one_track() -> None:
    one = make_sequence(STEPS, slug="one")
    two = make_sequence(STEPS, slug="two")
    lead = new_lead()
    Enrollment.objects.create(sequence=one, lead=lead, track="nurture", started_at=NOW, trigger="manual")
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(sequence=two, lead=lead, track="nurture", started_at=NOW, trigger="manual")
    # Another track is free.
    Enrollment.objects.create(sequence=two, lead=lead, track="trial", started_at=NOW, trigger="manual")


def test_stage_change_trigger_and_exit_past_the_target(committed: Any) -> None:
    from tests.factories import make_journey

    make_sequence(STEPS, slug="lost", trigger_kind="stage_changed", trigger_config={"to": ["lost"]},
                  target_stage="mql")  # fmt: skip
    from leads.services.stages import lead_transition

    lead = make_journey(["lead", "mql", "sal", "sql", "opportunity"], start=NOW - dt.timedelta(days=10))
    with committed():
        lead = lead_transition(lead=lead, to="lost", reason="price", at=NOW, now=NOW)
    enrollment = Enrollment.objects.get(lead=lead)
    assert enrollment.status == EnrollmentStatus.ACTIVE

    with committed():  # marketing reopens it; it then becomes an MQL again: past the target, out
        lead = lead_transition(lead=lead, to="lead", at=NOW + dt.timedelta(days=1), now=NOW + dt.timedelta(days=1))
        lead = lead_transition(lead=lead, to="mql", at=NOW + dt.timedelta(days=2), now=NOW + dt.timedelta(days=2),
                               bant={"budget": True, "need": True})  # fmt: skip
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == (EnrollmentStatus.EXITED, ExitReason.STAGE_ADVANCED)
