"""Contract of /api/v1/tasks/ (list with filters, create, complete) and the lead's `sla` field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage, Temperature
from leads.services.leads import lead_assign_owner
from leads.services.stages import lead_transition
from nurturing.models import ClockStatus, PolicyCode, SdrTask, SlaClock, SlaPolicy
from nurturing.services.tasks import task_create
from nurturing.services.tick import nurture_tick
from tests.factories import role_client, token_client, user_with_role
from tests.nurturing.conftest import new_lead

pytestmark = pytest.mark.django_db


def test_create_task_defaults_the_assignee_to_the_leads_sdr_and_returns_201() -> None:
    client, sdr = role_client(Role.SDR)
    lead = new_lead(owner_sdr=sdr)
    due = timezone.now() + dt.timedelta(hours=4)
    response = client.post("/api/v1/tasks/", {"lead": lead.pk, "kind": "call", "due_at": due.isoformat(),
                                              "title": "回访：确认预算"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["lead"], body["assignee"], body["kind"], body["source"], body["created_by"]) == (
        lead.pk, sdr.pk, "call", "user", sdr.pk)
    assert body["done_at"] is None and body["overdue"] is False


def test_create_task_with_a_bad_kind_names_the_field() -> None:
    client, sdr = role_client(Role.SDR)
    lead = new_lead(owner_sdr=sdr)
    response = client.post("/api/v1/tasks/", {"lead": lead.pk, "kind": "fax", "due_at": timezone.now().isoformat()},
                           format="json")  # fmt: skip
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "kind" in response.json()["errors"]


def test_a_sales_rep_may_not_add_tasks_to_a_lead_they_cannot_see() -> None:
    client, _rep = role_client(Role.SALES)
    lead = new_lead(stage=Stage.MQL)
    response = client.post("/api/v1/tasks/", {"lead": lead.pk, "due_at": timezone.now().isoformat()}, format="json")
    assert response.status_code == 403


def test_list_filters_overdue_tasks_of_the_caller() -> None:
    client, sdr = role_client(Role.SDR)
    other = user_with_role(Role.SDR)
    lead = new_lead(owner_sdr=sdr)
    now = timezone.now()
    late = task_create(lead=lead, due_at=now - dt.timedelta(hours=1))
    task_create(lead=lead, due_at=now + dt.timedelta(hours=1))
    task_create(lead=lead, due_at=now - dt.timedelta(hours=2), assignee=other)
    response = client.get("/api/v1/tasks/", {"status": "overdue", "assignee": "me"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [late.pk]
    assert response.json()["results"][0]["overdue"] is True


def test_complete_records_the_outcome_meets_the_follow_up_clock_and_refuses_a_second_time(
    django_capture_on_commit_callbacks: Any,
) -> None:
    client, sdr = role_client(Role.SDR)
    lead = new_lead(temperature=Temperature.HOT)
    with django_capture_on_commit_callbacks(execute=True):
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=sdr)
    task = task_create(lead=lead, due_at=timezone.now() + dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"outcome": "connected", "note": "有预算"},
                               format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["outcome"], response.json()["completed_by"]) == ("connected", sdr.pk)
    statuses = set(SlaClock.objects.filter(lead=lead).values_list("policy__code", "status"))
    assert statuses == {(PolicyCode.FIRST_TOUCH, ClockStatus.MET), (PolicyCode.FOLLOW_UP, ClockStatus.MET)}
    again = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"outcome": "connected"}, format="json")
    assert again.status_code == 409


def test_complete_with_an_unknown_outcome_is_a_400_naming_outcome() -> None:
    client, sdr = role_client(Role.SDR)
    task = task_create(lead=new_lead(owner_sdr=sdr), due_at=timezone.now())
    response = client.post(f"/api/v1/tasks/{task.pk}/complete/", {"outcome": "maybe"}, format="json")
    assert response.status_code == 400 and "outcome" in response.json()["errors"]


def test_task_create_with_a_key_is_idempotent() -> None:
    lead = new_lead()
    due = timezone.now()
    first = task_create(lead=lead, due_at=due, source="step", source_ref="step:7", key="step-execution:42")
    second = task_create(lead=lead, due_at=due, source="step", source_ref="step:7", key="step-execution:42")
    assert first.pk == second.pk and SdrTask.objects.count() == 1


def test_overdue_reminder_is_sent_once_by_the_tick() -> None:
    sdr = user_with_role(Role.SDR)
    now = timezone.now()
    task = task_create(lead=new_lead(owner_sdr=sdr), due_at=now - dt.timedelta(minutes=5))
    first = nurture_tick(now=now)
    second = nurture_tick(now=now + dt.timedelta(minutes=1))
    task.refresh_from_db()
    counts = {r.name: r.processed for r in first.sweeps}, {r.name: r.processed for r in second.sweeps}
    assert counts[0]["tasks_overdue"] == 1 and counts[1]["tasks_overdue"] == 0
    assert task.overdue_notified_at == now


def test_lead_detail_sla_field_lists_the_clocks_with_the_contract_fields(
    django_capture_on_commit_callbacks: Any,
) -> None:
    rep = user_with_role(Role.SALES)
    client = token_client(rep)
    start = timezone.now() - dt.timedelta(hours=30)
    lead = new_lead(owner_sales=rep, bant_budget=True, bant_need=True, stage_changed_at=start - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        lead_transition(lead=lead, to=Stage.MQL, at=start, now=start)
    nurture_tick(now=start + dt.timedelta(hours=24))

    detail = client.get(f"/api/v1/leads/{lead.pk}/").json()
    listed = client.get("/api/v1/leads/").json()["results"]

    assert len(detail["sla"]) == 1
    clock = detail["sla"][0]
    assert {"policy", "started_at", "due_at", "met_at", "breached_at"} <= set(clock)
    assert clock["policy"] == "mql_accept" and clock["met_at"] is None
    assert clock["due_at"].endswith("+08:00") and clock["status"] == "open"  # like every time in the API
    assert dt.datetime.fromisoformat(clock["due_at"]) == start + dt.timedelta(hours=24)
    assert dt.datetime.fromisoformat(clock["breached_at"]) == start + dt.timedelta(hours=24)
    assert [row["sla"] for row in listed if row["id"] == lead.pk] == [detail["sla"]]


def test_lead_timeline_shows_the_clock_events() -> None:
    client, rep = role_client(Role.SALES)
    lead = new_lead(owner_sales=rep)
    now = timezone.now()
    SlaClock.objects.create(
        lead=lead, policy=SlaPolicy.objects.get(code="mql_accept"), owner=rep, started_at=now - dt.timedelta(hours=30),
        due_at=now - dt.timedelta(hours=6), breached_at=now - dt.timedelta(hours=6), met_at=now, met_late=True,
        closed_at=now, status=ClockStatus.MET,
    )  # fmt: skip
    items = client.get(f"/api/v1/leads/{lead.pk}/timeline/").json()["results"]
    types = [item["type"] for item in items if item["type"].startswith("sla_")]
    assert types == ["sla_met", "sla_breached", "sla_started"]
    assert items[0]["data"]["late"] is True
