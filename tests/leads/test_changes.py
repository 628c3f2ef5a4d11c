"""The change feed: every lead change leaves one row in the change's transaction; CRMs read it by cursor."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage
from leads.models import ChangeKind, ChangeLog, Lead
from leads.services.changes import changes_positions_assign, changes_record_bulk
from leads.services.leads import lead_assign_owner, lead_create, lead_set_temperature
from leads.services.merge import lead_merge
from leads.services.stages import lead_transition
from leads.services.upsert import lead_upsert
from tests.factories import LeadFactory, make_journey, token_client, user_with_role

pytestmark = pytest.mark.django_db


def _kinds(lead: Lead) -> list[str]:
    return list(ChangeLog.objects.filter(lead=lead).order_by("id").values_list("kind", flat=True))


def _client(user: Any) -> APIClient:
    return token_client(user)


def test_create_update_stage_and_owner_changes_are_recorded_in_order() -> None:
    sdr = user_with_role(Role.SDR)
    lead = lead_upsert(data={"email": "li@acme.cn"}).lead

    lead_upsert(data={"email": "li@acme.cn", "company": "Acme", "title": "CTO"})
    lead_transition(lead=lead, to=Stage.MQL, bant={"budget": True, "need": True})
    lead_assign_owner(lead=Lead.objects.get(pk=lead.pk), side=OwnerSide.SDR, user=sdr)

    assert _kinds(lead) == ["created", "updated", "updated", "stage_changed", "owner_changed"]
    update, bant, stage, owner = ChangeLog.objects.filter(lead=lead).order_by("id")[1:]
    assert update.data == {"fields": ["company", "title"]}
    assert bant.data == {"fields": ["bant"]}
    assert stage.data == {"from": "lead", "to": "mql", "path": ["mql"]}
    assert owner.data == {"side": "sdr", "from": None, "to": sdr.pk}


def test_a_no_op_leaves_no_change() -> None:
    lead = lead_create(data={"email": "li@acme.cn"})
    before = ChangeLog.objects.count()

    lead_upsert(data={"email": "li@acme.cn"})
    lead_set_temperature(lead=lead, temperature=lead.temperature)
    lead_transition(lead=lead, to=Stage.LEAD)

    assert ChangeLog.objects.count() == before


def test_a_rolled_back_change_leaves_no_row() -> None:
    lead = make_journey(["lead"])

    with pytest.raises(RuntimeError), transaction.atomic():
        lead_set_temperature(lead=lead, temperature="hot")
        raise RuntimeError("rolled back")

    assert _kinds(lead) == []


def test_merge_is_recorded_on_both_leads() -> None:
    keep, gone = LeadFactory(), LeadFactory()

    lead_merge(survivor=keep, other=gone)

    assert _kinds(keep)[-1] == _kinds(gone)[-1] == "merged"
    assert ChangeLog.objects.filter(lead=gone).get().data == {"survivor": keep.pk, "other": gone.pk}


def test_bulk_record_writes_one_row_per_entry_with_increasing_cursors() -> None:
    first, second = LeadFactory(), LeadFactory()

    rows = changes_record_bulk(entries=[(first.pk, "created", {}), (second.pk, ChangeKind.UPDATED, {"fields": ["x"]})])

    assert [row.lead_id for row in rows] == [first.pk, second.pk]
    assert rows[0].pk < rows[1].pk
    assert list(ChangeLog.objects.order_by("id").values_list("kind", flat=True)) == ["created", "updated"]


def test_feed_pages_by_cursor_and_resumes() -> None:
    client = _client(user_with_role(Role.MARKETER))
    leads = [lead_create(data={"email": f"p{i}@acme.cn"}) for i in range(3)]

    first = client.get("/api/v1/changes/", {"limit": 2}).json()
    rest = client.get("/api/v1/changes/", {"since": first["next_cursor"], "limit": 2}).json()
    empty = client.get("/api/v1/changes/", {"since": rest["next_cursor"]}).json()

    assert [item["lead"] for item in first["results"] + rest["results"]] == [lead.pk for lead in leads]
    assert set(first["results"][0]) == {"cursor", "lead", "kind", "changes", "at"}
    assert first["results"][0]["kind"] == "created"
    assert empty == {"results": [], "next_cursor": rest["next_cursor"]}


def test_feed_shows_an_sdr_only_changes_of_leads_they_may_see() -> None:
    sdr, rep = user_with_role(Role.SDR), user_with_role(Role.SALES)
    visible = lead_create(data={"email": "new@acme.cn"})
    hidden = make_journey(["lead", "mql", "sal"])
    lead_set_temperature(lead=hidden, temperature="hot")
    lead_assign_owner(lead=Lead.objects.get(pk=hidden.pk), side=OwnerSide.SALES, user=rep)

    sdr_leads = {item["lead"] for item in _client(sdr).get("/api/v1/changes/").json()["results"]}
    rep_leads = {item["lead"] for item in _client(rep).get("/api/v1/changes/").json()["results"]}

    assert sdr_leads == {visible.pk}
    assert rep_leads == {hidden.pk}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_that_commits_after_a_later_one_is_not_skipped_by_a_reader() -> None:
    # given: transaction A records a change (the lower id) and stays open while B records one and commits
    reader = _client(user_with_role(Role.MARKETER))
    slow, fast = LeadFactory(), LeadFactory()
    a_recorded, a_may_commit = threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                changes_record_bulk(entries=[(slow.pk, "updated", {"fields": ["title"]})])
                a_recorded.set()
                a_may_commit.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    a_recorded.wait(timeout=10)
    changes_record_bulk(entries=[(fast.pk, "updated", {"fields": ["title"]})])
    first_page = reader.get("/api/v1/changes/").json()  # read while A is still open

    # when: A commits and the reader resumes from the cursor it got
    a_may_commit.set()
    thread.join(timeout=20)
    second_page = reader.get("/api/v1/changes/", {"since": first_page["next_cursor"]}).json()

    # then: B came first, A on the next page, nothing skipped and nothing twice
    ids = ChangeLog.objects.order_by("id").values_list("lead_id", flat=True)
    assert list(ids) == [slow.pk, fast.pk]  # A took the lower id
    assert [item["lead"] for item in first_page["results"]] == [fast.pk]
    assert [item["lead"] for item in second_page["results"]] == [slow.pk]
    assert second_page["results"][0]["cursor"] > first_page["next_cursor"]


def test_positions_follow_commit_order_and_are_given_once() -> None:
    # given: three changes
    lead = LeadFactory()
    changes_record_bulk(entries=[(lead.pk, "updated", {}) for _ in range(3)])

    # when: positions are given twice
    given = changes_positions_assign(), changes_positions_assign()

    # then: the first call numbers them after the last position, in id order; the second has nothing to do
    assert given == (3, 0)
    positions = list(ChangeLog.objects.order_by("id").values_list("position", flat=True))
    assert positions == sorted(positions) and len(set(positions)) == 3


def test_bad_cursor_is_a_400_problem() -> None:
    response = _client(user_with_role(Role.MARKETER)).get("/api/v1/changes/", {"since": "abc", "limit": 0})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"since", "limit"}


def test_feed_needs_authentication() -> None:
    assert APIClient().get("/api/v1/changes/").status_code == 401


def test_the_beat_task_gives_positions_without_a_reader(settings: Any) -> None:
    # given: a change nobody has read yet, and the beat schedule
    from leadflow.celery import app

    app.loader.import_default_modules()
    lead = LeadFactory()
    change = changes_record_bulk(entries=[(lead.pk, "updated", {})])[0]
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    # when: the scheduled task runs
    app.tasks["leads.tasks.changes_positions_assign_task"].apply(throw=True)

    # then: the change has its position
    assert "leads.tasks.changes_positions_assign_task" in scheduled
    change.refresh_from_db()
    assert change.position is not None
