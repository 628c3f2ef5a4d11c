"""Every built-in SOP walked by moving `now` (no sleeping): what each lead gets, when, and how it leaves."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core import mail

from leadflow.roles import Role
from leads.models import Lead
from leads.services.stages import lead_transition
from leads.signals import leads_created
from nurturing.models.messages import Message
from nurturing.models.sequences import Enrollment, EnrollmentStatus, ExitReason, Sequence, SequenceStatus
from nurturing.models.tasks import SdrTask
from nurturing.services.suppression import lead_unsubscribe
from tests.factories import TouchpointFactory, make_journey, role_client, user_with_role
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import run

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
MONDAY = at(2025, 6, 16, 10)


def only(slug: str) -> Sequence:
    Sequence.objects.exclude(slug=slug).update(status=SequenceStatus.PAUSED)
    return Sequence.objects.get(slug=slug)


def walk(start: dt.datetime, until: dt.datetime) -> None:
    """Run the sweeps at `start`, then at every moment an active enrollment is due, up to `until`."""
    now = start
    while now <= until:
        run(now)
        due = Enrollment.objects.filter(status="active", next_run_at__gt=now).order_by("next_run_at").first()
        if due is None or due.next_run_at > until:
            break
        now = due.next_run_at


def sent(lead: Lead) -> list[tuple[dt.datetime, str]]:
    return list(Message.objects.filter(lead=lead, channel="email", is_marketing__in=(True, False))
                .exclude(recipient__endswith="@leadflow.test").order_by("created_at", "id")
                .values_list("created_at", "template__slug"))  # fmt: skip


def test_golden_48h_high_score_lead_gets_an_sdr_call_task_and_its_owner_is_told(committed: Any) -> None:
    only("golden-48h")
    sdr = user_with_role(Role.SDR, email="sdr@leadflow.test")
    lead = new_lead(source_score=75, owner_sdr=sdr)
    with committed():
        leads_created.send(sender=Lead, lead_ids=[lead.pk], at=MONDAY)

    run(MONDAY)

    task = SdrTask.objects.get(lead=lead)
    assert (task.assignee, task.kind, task.due_at) == (sdr, "call", MONDAY + dt.timedelta(hours=4))
    assert [m.to for m in mail.outbox] == [["sdr@leadflow.test"]]
    assert set(lead.tags.values_list("name", flat=True)) == {"triaged-48h"}
    assert Enrollment.objects.get(lead=lead).status == EnrollmentStatus.COMPLETED


def test_golden_48h_low_score_lead_is_welcomed_and_raised_to_hot_on_a_demo_request(committed: Any) -> None:
    only("golden-48h")
    lead = new_lead(source_score=30, consent_email=True)
    with committed():
        leads_created.send(sender=Lead, lead_ids=[lead.pk], at=MONDAY)

    walk(MONDAY, MONDAY + dt.timedelta(hours=24))
    assert sent(lead) == [(MONDAY, "golden-welcome")]
    assert Lead.objects.get(pk=lead.pk).temperature == "warm"  # no hot behaviour in the first day

    TouchpointFactory(lead=lead, kind="demo_request", occurred_at=MONDAY + dt.timedelta(hours=30))
    walk(MONDAY + dt.timedelta(hours=24), MONDAY + dt.timedelta(hours=48))

    assert Lead.objects.get(pk=lead.pk).temperature == "hot"
    assert SdrTask.objects.filter(lead=lead, due_at=MONDAY + dt.timedelta(hours=50)).exists()
    assert set(lead.tags.values_list("name", flat=True)) == {"pre-nurture", "triaged-48h"}
    client, _user = role_client(Role.MARKETER)
    types = [item["type"] for item in client.get(f"/api/v1/leads/{lead.pk}/timeline/").json()["results"]]
    assert "message_sent" in types and "sequence_completed" in types


def test_demand_mining_runs_seven_touches_on_working_days_with_calls_at_days_5_and_14() -> None:
    only("demand-mining")
    lead = new_lead(bant_need=True, consent_email=True, industry="制造业")

    walk(MONDAY, MONDAY + dt.timedelta(days=40))

    # Due days 0, 2, 5, 9, 14, 21, 28; day 5 (a Saturday) moves to Monday 09:00, later waits count from it.
    assert sent(lead) == [
        (MONDAY, "dm-1-manufacturing"), (at(2025, 6, 18, 10), "dm-2-case"), (at(2025, 6, 23, 9), "dm-3-roi"),
        (at(2025, 6, 27, 9), "dm-4-checklist"), (at(2025, 7, 2, 9), "dm-5-benchmark"),
        (at(2025, 7, 9, 9), "dm-6-plan"), (at(2025, 7, 16, 9), "dm-7-talk"),
    ]  # fmt: skip
    # The calls at days 5 and 14 are due a day after their step ran.
    assert sorted(SdrTask.objects.filter(lead=lead).values_list("due_at", flat=True)) == [
        at(2025, 6, 24, 9), at(2025, 7, 3, 9)]


def test_demand_mining_exits_when_the_lead_becomes_an_mql(committed: Any) -> None:
    only("demand-mining")
    lead = new_lead(bant_need=True, bant_budget=True, consent_email=True, created_at=MONDAY,
                    stage_changed_at=MONDAY)  # fmt: skip
    walk(MONDAY, MONDAY + dt.timedelta(days=3))
    with committed():
        lead_transition(lead=lead, to="mql", at=MONDAY + dt.timedelta(days=3), now=MONDAY + dt.timedelta(days=3))

    walk(MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=40))

    assert len(sent(lead)) == 2
    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.status, enrollment.exit_reason) == (EnrollmentStatus.EXITED, ExitReason.STAGE_ADVANCED)


def test_trial_drip_sends_days_1_to_8_then_an_sdr_task() -> None:
    only("trial-drip")
    lead = new_lead(consent_email=False)  # onboarding mail the lead asked for: not marketing
    TouchpointFactory(lead=lead, kind="trial_signup", occurred_at=MONDAY - dt.timedelta(hours=1))

    walk(MONDAY, MONDAY + dt.timedelta(days=10))

    days = [(moment - MONDAY).days for moment, _slug in sent(lead)]
    assert days == [0, 1, 2, 3, 4, 5, 6, 7]
    assert [slug for _moment, slug in sent(lead)][-1] == "trial-8-others"
    assert SdrTask.objects.filter(lead=lead, source="step").count() == 1


def test_silent_lead_gets_30_60_90_then_monthly_content_and_exits_on_engagement() -> None:
    only("silent-reactivation")
    lead = new_lead(consent_email=True, industry="制造业", title="CEO", region="华东", temperature="hot",
                    created_at=MONDAY, last_touch_at=MONDAY)  # fmt: skip

    walk(MONDAY + dt.timedelta(days=29), MONDAY + dt.timedelta(days=29))
    assert sent(lead) == []
    walk(MONDAY + dt.timedelta(days=30), MONDAY + dt.timedelta(days=155))

    assert [slug for _moment, slug in sent(lead)] == [
        "react-30-manufacturing", "react-60-executive", "react-90-east", "react-monthly", "react-monthly"]
    moments = [moment for moment, _slug in sent(lead)]
    assert moments[0] == MONDAY + dt.timedelta(days=30)
    assert all(dt.timedelta(days=30) <= b - a <= dt.timedelta(days=33) for a, b in itertools.pairwise(moments))

    clicked = MONDAY + dt.timedelta(days=160)
    TouchpointFactory(lead=lead, kind="email_click", occurred_at=clicked)
    Lead.objects.filter(pk=lead.pk).update(last_touch_at=clicked)
    run(clicked + dt.timedelta(minutes=1))

    enrollment = Enrollment.objects.get(lead=lead)
    assert (enrollment.status, enrollment.exit_reason) == (EnrollmentStatus.EXITED, ExitReason.ENGAGED)
    assert SdrTask.objects.filter(lead=lead, key=f"handoff:{enrollment.pk}").exists()  # hot: back to an SDR

    walk(clicked + dt.timedelta(days=30, minutes=1), clicked + dt.timedelta(days=30, minutes=1))
    assert Enrollment.objects.filter(lead=lead, status="active").count() == 1  # silent again: a new round


def test_silent_lead_reactivation_stops_on_unsubscribe() -> None:
    only("silent-reactivation")
    lead = new_lead(consent_email=True, created_at=MONDAY, last_touch_at=MONDAY)
    walk(MONDAY + dt.timedelta(days=30), MONDAY + dt.timedelta(days=30))
    lead_unsubscribe(lead=lead, email=lead.email, now=MONDAY + dt.timedelta(days=31))

    walk(MONDAY + dt.timedelta(days=31), MONDAY + dt.timedelta(days=100))

    assert len(sent(lead)) == 1
    assert Enrollment.objects.get(lead=lead).exit_reason == ExitReason.UNSUBSCRIBED


def test_lead_returned_by_sales_enters_long_term_nurture_and_reengagement_goes_to_an_sdr(committed: Any) -> None:
    only("long-term-nurture")
    sales = user_with_role(Role.SALES)
    lead = make_journey(["lead", "mql"], start=MONDAY - dt.timedelta(days=5), consent_email=True, owner_sales=sales)
    with committed():
        lead_transition(lead=lead, to="lead", actor=sales, reason="bad_timing", at=MONDAY, now=MONDAY)

    walk(MONDAY, MONDAY + dt.timedelta(days=65))
    assert [slug for _moment, slug in sent(lead)] == ["long-1-report", "long-2-story", "long-3-update"]

    TouchpointFactory(lead=lead, kind="webinar_register", occurred_at=MONDAY + dt.timedelta(days=70))
    run(MONDAY + dt.timedelta(days=70, minutes=5))

    enrollment = Enrollment.objects.get(lead=lead)
    assert enrollment.exit_reason == ExitReason.ENGAGED
    assert SdrTask.objects.filter(lead=lead, key=f"handoff:{enrollment.pk}").exists()



def test_a_batch_too_big_to_enrol_inline_is_enrolled_by_the_worker_task(committed: Any) -> None:
    from nurturing.receivers_sequences import INLINE_BATCH

    golden = only("golden-48h")
    leads = [new_lead(source_score=75) for _ in range(INLINE_BATCH + 1)]
    with committed():  # Celery runs eagerly in tests: the queued task enrols at once
        leads_created.send(sender=Lead, lead_ids=[lead.pk for lead in leads], at=MONDAY)

    enrolled = Enrollment.objects.filter(sequence=golden, lead__in=leads, status=EnrollmentStatus.ACTIVE)
    assert enrolled.count() == len(leads)
    assert {e.started_at for e in enrolled} == {MONDAY}
