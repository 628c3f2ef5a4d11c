"""Contract of /api/v1/sequences/, /api/v1/enrollments/ and the lead's `enrollments` field (spec/api.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leadflow.roles import Role
from nurturing.models.sequences import Enrollment, Sequence
from tests.factories import role_client
from tests.nurturing.conftest import new_lead
from tests.nurturing.sequence_helpers import pause_builtins, template

pytestmark = pytest.mark.django_db

STEPS = [
    {"key": "hello", "kind": "send_email", "config": {"template": "hello"}},
    {"key": "wait", "kind": "wait", "config": {"days": 3}},
    {"key": "call", "kind": "create_task", "config": {"title": "Call", "due_hours": 4}},
]


@pytest.fixture(autouse=True)
def _setup() -> None:
    pause_builtins()
    template()


def create(client, **extra):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/sequences/", {"name": "Webinar follow-up", "track": "nurture", "steps": STEPS,
                                              **extra}, format="json")  # fmt: skip


def test_anyone_with_a_role_lists_the_built_in_sops() -> None:
    client, _user = role_client(Role.SDR)
    response = client.get("/api/v1/sequences/")
    assert response.status_code == 200
    slugs = {row["slug"] for row in response.json()["results"]}
    assert {"golden-48h", "demand-mining", "trial-drip", "silent-reactivation", "long-term-nurture"} <= slugs


def test_a_marketer_creates_a_draft_sequence_with_steps_in_order() -> None:
    client, _user = role_client(Role.MARKETER)
    response = create(client)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["slug"], body["status"]) == ("webinar-follow-up", "draft")
    assert [(step["key"], step["position"]) for step in body["steps"]] == [("hello", 1), ("wait", 2), ("call", 3)]


def test_a_bad_step_setting_is_a_400_naming_the_step_and_field() -> None:
    client, _user = role_client(Role.MARKETER)
    response = create(client, steps=[{"key": "w", "kind": "wait", "config": {"days": -1}},
                                     {"key": "g", "kind": "goto", "config": {"to": "nowhere"}}])  # fmt: skip
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"steps[0].config.days", "steps[1].config.to"}
    assert not Sequence.objects.filter(name="Webinar follow-up").exists()


def test_an_sdr_may_not_build_sequences() -> None:
    client, _user = role_client(Role.SDR)
    assert create(client).status_code == 403


def test_activate_pause_and_add_step() -> None:
    client, _user = role_client(Role.MARKETER)
    sequence_id = create(client).json()["id"]
    added = client.post(f"/api/v1/sequences/{sequence_id}/steps/", {"kind": "add_tag", "config": {"tag": "x"}},
                        format="json")  # fmt: skip
    assert added.status_code == 201 and added.json()["position"] == 4
    assert client.post(f"/api/v1/sequences/{sequence_id}/activate/").json()["status"] == "active"
    assert client.post(f"/api/v1/sequences/{sequence_id}/pause/").json()["status"] == "paused"


def test_enrol_one_lead_shows_on_the_lead_and_in_enrollments_then_stop() -> None:
    client, _user = role_client(Role.MARKETER)
    sequence_id = create(client).json()["id"]
    client.post(f"/api/v1/sequences/{sequence_id}/activate/")
    lead = new_lead()

    enrolled = client.post(f"/api/v1/sequences/{sequence_id}/enroll/", {"lead": lead.pk}, format="json")
    assert enrolled.json() == {"enrolled": 1}
    again = client.post("/api/v1/enrollments/", {"lead": lead.pk, "sequence": "webinar-follow-up"}, format="json")
    assert again.status_code == 409

    field = client.get(f"/api/v1/leads/{lead.pk}/").json()["enrollments"]
    assert [(e["sequence"], e["status"], e["current_step"]) for e in field] == [
        ("webinar-follow-up", "active", "hello")]
    assert dt.datetime.fromisoformat(field[0]["next_run_at"]) <= timezone.now()
    listed = client.get(f"/api/v1/enrollments/?lead={lead.pk}").json()["results"]
    assert [row["sequence"] for row in listed] == ["webinar-follow-up"]

    stopped = client.post(f"/api/v1/enrollments/{listed[0]['id']}/stop/")
    assert (stopped.json()["status"], stopped.json()["exit_reason"]) == ("exited", "manual_stop")
    assert client.post(f"/api/v1/enrollments/{listed[0]['id']}/stop/").status_code == 409


def test_enrol_a_rule_tree_counts_only_leads_that_may_enter() -> None:
    client, _user = role_client(Role.MARKETER)
    sequence_id = create(client).json()["id"]
    for _n in range(3):
        new_lead(industry="制造业")
    new_lead(industry="金融")
    rule = {"field": "industry", "op": "eq", "value": "制造业"}

    first = client.post(f"/api/v1/sequences/{sequence_id}/enroll/", {"rule": rule}, format="json")
    second = client.post(f"/api/v1/sequences/{sequence_id}/enroll/", {"rule": rule}, format="json")

    assert (first.json(), second.json()) == ({"enrolled": 3}, {"enrolled": 0})
    assert Enrollment.objects.count() == 3


def test_dry_run_lists_who_would_enter_and_what_they_would_get() -> None:
    client, _user = role_client(Role.MARKETER)
    sequence_id = create(client).json()["id"]
    lead = new_lead(industry="制造业", consent_email=True)

    response = client.post(f"/api/v1/sequences/{sequence_id}/dry-run/",
                           {"rule": {"field": "industry", "op": "eq", "value": "制造业"}}, format="json")

    body = response.json()
    assert body["count"] == 1 and body["leads"][0]["id"] == lead.pk
    assert [item["kind"] for item in body["leads"][0]["items"]] == ["send_email", "create_task"]
    assert Enrollment.objects.count() == 0


def test_figures_per_step() -> None:
    client, _user = role_client(Role.MARKETER)
    sequence_id = create(client).json()["id"]
    rows = client.get(f"/api/v1/sequences/{sequence_id}/figures/").json()
    assert [row["step"] for row in rows] == ["hello", "wait", "call"]
    assert rows[0] == {"step": "hello", "kind": "send_email", "entered": 0, "sent": 0, "opened": 0, "clicked": 0,
                       "replied": 0, "converted": 0}
