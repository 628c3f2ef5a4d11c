"""Logging an activity (call, email, meeting) on a lead: a touchpoint with outcome and note, last touch moved,
and the `lead_activity_logged` signal sent on commit for the SLA clocks."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.errors import ValidationFailed
from leads.choices import CallOutcome, TouchpointKind
from leads.models import Lead, Touchpoint
from leads.services.activities import lead_activity_log
from leads.signals import lead_activity_logged
from tests.factories import LeadFactory, user_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def test_a_logged_call_is_a_touchpoint_with_outcome_note_and_person(django_capture_on_commit_callbacks):
    sdr = user_with_role("sdr")
    lead = LeadFactory()
    heard: list[dict] = []
    lead_activity_logged.connect(receiver := lambda **kw: heard.append(kw), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            touch = lead_activity_log(lead=lead, actor=sdr, kind=TouchpointKind.CALL,
                                      outcome=CallOutcome.CALL_BACK, note=" Call back Monday ", at=NOW, now=NOW)
    finally:
        lead_activity_logged.disconnect(receiver)

    assert (touch.kind, touch.occurred_at) == (TouchpointKind.CALL, NOW)
    assert touch.properties == {"by": sdr.pk, "logged": True, "outcome": "call_back", "note": "Call back Monday"}
    assert Lead.objects.get(pk=lead.pk).last_touch_at == NOW
    assert [(h["lead_id"], h["actor_id"], h["kind"], h["outcome"], h["at"]) for h in heard] == [
        (lead.pk, sdr.pk, "call", "call_back", NOW)]


@pytest.mark.parametrize(("kind", "outcome", "field"), [
    ("page_view", "", "kind"),
    ("call", "", "outcome"),
    ("call", "won_the_lottery", "outcome"),
    ("email_sent", "meeting_booked", "outcome"),
])  # fmt: skip
def test_bad_activities_name_the_field_and_write_nothing(kind, outcome, field):
    lead = LeadFactory()
    with pytest.raises(ValidationFailed) as refused:
        lead_activity_log(lead=lead, actor=None, kind=kind, outcome=outcome, now=NOW)

    assert field in refused.value.errors
    assert not Touchpoint.objects.filter(lead=lead).exists()


def test_an_activity_in_the_future_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        lead_activity_log(lead=LeadFactory(), actor=None, kind="email_sent", at=NOW + dt.timedelta(hours=1), now=NOW)
    assert "at" in refused.value.errors
