"""Each step kind, run by the engine at an explicit `now`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from leadflow.roles import Role
from leads.models import Lead
from nurturing.models.messages import Message, MessageStatus
from nurturing.models.sequences import Enrollment, EnrollmentStatus, ExitReason, StepExecution
from nurturing.models.tasks import SdrTask
from nurturing.services.engine import MAX_CHAIN
from nurturing.services.enrollments import enrollments_start
from tests.factories import user_with_role
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins, run, template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
MONDAY_10 = at(2025, 6, 16, 10)


@pytest.fixture(autouse=True)
def _only_test_sequences() -> None:
    pause_builtins()


def enrol(sequence, lead, now=MONDAY_10) -> Enrollment:  # type: ignore[no-untyped-def]
    assert enrollments_start(sequence=sequence, leads=[lead.pk], now=now, trigger="manual") == [lead.pk]
    return Enrollment.objects.get(sequence=sequence, lead=lead)


def test_send_email_delivers_in_the_leads_language_with_one_click_unsubscribe_headers() -> None:
    template()
    sequence = make_sequence([("hello", "send_email", {"template": "hello"})])
    lead = new_lead(consent_email=True, first_name="小明", company="示例科技")
    enrollment = enrol(sequence, lead)

    run(MONDAY_10)

    message = Message.objects.get(enrollment=enrollment)
    assert message.status == MessageStatus.SENT and message.sent_at == MONDAY_10
    assert message.provider_id == f"<leadflow.message.{message.pk}@leadflow.local>"
    sent = mail.outbox[0]
    assert sent.subject == "您好 小明" and sent.to == [lead.email]
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sent.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/nurturing/unsubscribe/")
    assert "/nurturing/unsubscribe/" in sent.body
    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED


def test_send_email_to_a_lead_without_consent_is_recorded_suppressed_and_never_sent() -> None:
    template()
    sequence = make_sequence([("hello", "send_email", {"template": "hello"})])
    enrollment = enrol(sequence, new_lead(consent_email=False))

    run(MONDAY_10)

    message = Message.objects.get(enrollment=enrollment)
    assert (message.status, message.error) == (MessageStatus.SUPPRESSED, "no_consent")
    assert mail.outbox == []


def test_wait_counts_business_days_over_national_day_from_when_it_was_due() -> None:
    sequence = make_sequence([("w", "wait", {"business_days": 1}), ("tag", "add_tag", {"tag": "after"})])
    due = at(2025, 9, 30, 10)  # Tuesday before the 1-8 October holiday
    enrollment = enrol(sequence, new_lead(), now=due)

    run(due + dt.timedelta(hours=3))  # a late tick still counts from 10:00

    enrollment.refresh_from_db()
    assert enrollment.next_run_at == at(2025, 10, 9, 10)
    assert enrollment.current_step.key == "tag"


def test_wait_until_a_weekday_window_moves_friday_evening_to_monday_morning() -> None:
    sequence = make_sequence([("w", "wait", {"hours": 1, "window": {"weekdays": [0, 1, 2, 3, 4], "from_hour": 9,
                                                                    "to_hour": 11}}),
                              ("tag", "add_tag", {"tag": "after"})])  # fmt: skip
    friday = at(2025, 6, 20, 10, 30)
    enrollment = enrol(sequence, new_lead(), now=friday)

    run(friday)

    enrollment.refresh_from_db()
    assert enrollment.next_run_at == at(2025, 6, 23, 9)


def test_create_task_gives_the_sdr_owner_one_task_even_when_the_step_is_redone() -> None:
    sdr = user_with_role(Role.SDR)
    sequence = make_sequence([("call", "create_task", {"title": "Call now", "due_hours": 4})])
    lead = new_lead(owner_sdr=sdr)
    enrollment = enrol(sequence, lead)

    run(MONDAY_10)

    task = SdrTask.objects.get(lead=lead)
    assert (task.assignee, task.title, task.due_at) == (sdr, "Call now", MONDAY_10 + dt.timedelta(hours=4))
    assert task.key == f"step:{enrollment.pk}:{sequence.steps.get().pk}:0"


def test_notify_owner_emails_the_owner_and_is_not_marketing() -> None:
    sdr = user_with_role(Role.SDR, email="sdr@leadflow.test")
    sequence = make_sequence([("tell", "notify", {"to": "owner", "text": "Call {{ lead }} at {{ company }}"})])
    enrol(sequence, new_lead(owner_sdr=sdr, consent_email=False, company="Acme"))

    run(MONDAY_10)

    assert [m.to for m in mail.outbox] == [["sdr@leadflow.test"]]
    assert mail.outbox[0].body.startswith("Call 王小明 at Acme")
    assert "List-Unsubscribe" not in mail.outbox[0].extra_headers
    assert Message.objects.get().is_marketing is False


@pytest.mark.parametrize(("score", "taken"), [(70, "hot"), (30, "cold")])
def test_branch_on_score_takes_then_or_else(score: int, taken: str) -> None:
    sequence = make_sequence([
        ("check", "branch", {"condition": {"score": {"field": "source_score", "gte": 60}}, "then": "hot",
                             "else": "cold"}),
        ("hot", "add_tag", {"tag": "hot-path"}), ("end", "goto", {"to": "done"}),
        ("cold", "add_tag", {"tag": "cold-path"}), ("done", "add_tag", {"tag": "done"}),
    ])  # fmt: skip
    lead = new_lead(source_score=score)
    enrol(sequence, lead)

    run(MONDAY_10)

    assert set(lead.tags.values_list("name", flat=True)) == {f"{taken}-path", "done"}
    assert StepExecution.objects.get(step__key="check").branch == ("then" if taken == "hot" else "else")


def test_branch_on_an_event_in_the_last_days() -> None:
    from tests.factories import TouchpointFactory

    sequence = make_sequence([
        ("check", "branch", {"condition": {"event": {"kind": "demo_request", "within_days": 2}}, "then": "yes"}),
        ("no", "add_tag", {"tag": "no"}), ("yes", "add_tag", {"tag": "yes"})])
    requested, quiet = new_lead(), new_lead()
    TouchpointFactory(lead=requested, kind="demo_request", occurred_at=MONDAY_10 - dt.timedelta(days=1))
    TouchpointFactory(lead=quiet, kind="demo_request", occurred_at=MONDAY_10 - dt.timedelta(days=5))
    enrol(sequence, requested)
    enrol(sequence, quiet)

    run(MONDAY_10)

    assert list(requested.tags.values_list("name", flat=True)) == ["yes"]
    assert sorted(quiet.tags.values_list("name", flat=True)) == ["no", "yes"]


def test_ab_split_follows_weights_and_sends_everyone_to_the_winner_once_chosen() -> None:
    sequence = make_sequence([
        ("split", "ab_split", {"variants": [{"key": "a", "weight": 50, "goto": "a"},
                                            {"key": "b", "weight": 50, "goto": "b"}], "goal": "click"}),
        ("a", "add_tag", {"tag": "variant-a"}), ("stop", "goto", {"to": "end"}),
        ("b", "add_tag", {"tag": "variant-b"}), ("end", "add_tag", {"tag": "end"}),
    ])  # fmt: skip
    leads = [new_lead() for _ in range(40)]
    enrollments_start(sequence=sequence, leads=[lead.pk for lead in leads], now=MONDAY_10, trigger="manual")
    run(MONDAY_10)
    branches = list(StepExecution.objects.filter(step__key="split").values_list("branch", flat=True))
    assert 10 <= branches.count("a") <= 30 and branches.count("a") + branches.count("b") == 40

    sequence.steps.filter(key="split").update(winner="b")
    later = [new_lead() for _ in range(10)]
    enrollments_start(sequence=sequence, leads=[lead.pk for lead in later], now=MONDAY_10, trigger="manual")
    run(MONDAY_10)
    assert {tag for lead in later for tag in lead.tags.values_list("name", flat=True)} == {"variant-b", "end"}


def test_set_field_add_tag_and_change_temperature_go_through_the_lead_services() -> None:
    sequence = make_sequence([
        ("need", "set_field", {"field": "bant_need", "value": True}),
        ("attr", "set_field", {"field": "attributes.nurtured_by", "value": "sop"}),
        ("tag", "add_tag", {"tag": "nurtured"}),
        ("hot", "change_temperature", {"temperature": "hot"}),
    ])  # fmt: skip
    lead = new_lead()
    enrol(sequence, lead)

    run(MONDAY_10)

    lead = Lead.objects.get(pk=lead.pk)
    assert lead.bant_need and lead.attributes["nurtured_by"] == "sop" and lead.temperature == "hot"
    assert list(lead.tags.values_list("name", flat=True)) == ["nurtured"]
    kinds = set(lead.events.values_list("kind", flat=True))
    assert {"bant_changed", "temperature_changed"} <= kinds


def test_goto_repeats_up_to_its_visit_limit_then_falls_through() -> None:
    sequence = make_sequence([
        ("w", "wait", {"days": 1}), ("again", "goto", {"to": "w", "max_visits": 2}), ("end", "add_tag", {"tag": "x"}),
    ])  # fmt: skip
    enrollment = enrol(sequence, new_lead())
    for day in range(5):
        run(MONDAY_10 + dt.timedelta(days=day))

    enrollment.refresh_from_db()
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert StepExecution.objects.filter(enrollment=enrollment, step__key="w").count() == 3


def test_a_loop_without_a_wait_is_cut_and_exits_with_an_error() -> None:
    sequence = make_sequence([("a", "add_tag", {"tag": "a"}), ("back", "goto", {"to": "a"})])
    enrollment = enrol(sequence, new_lead())

    run(MONDAY_10)

    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == (EnrollmentStatus.EXITED, ExitReason.ERROR)
    assert StepExecution.objects.filter(enrollment=enrollment).count() == MAX_CHAIN
