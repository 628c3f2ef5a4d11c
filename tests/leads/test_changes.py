"""The change feed: every lead change leaves one row in the change's transaction; CRMs read it by cursor."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage
from leads.models import ChangeKind, ChangeLog, Lead
from leads.services.changes import changes_record_bulk, changes_since
from leads.services.leads import lead_assign_owner, lead_create, lead_set_temperature
from leads.services.merge import lead_merge
from leads.services.stages import lead_transition
from leads.services.upsert import lead_upsert
from tests.factories import LeadFactory, make_journey, token_client, user_with_role

pytestmark = pytest.mark.django_db
LATER = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _no_settle(settings: Any) -> None:
    settings.LEADFLOW = {**settings.LEADFLOW, "CHANGES_SETTLE_SECONDS": 0}


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


def test_fresh_rows_are_held_back_for_the_settle_window(settings: Any) -> None:
    settings.LEADFLOW = {**settings.LEADFLOW, "CHANGES_SETTLE_SECONDS": 5}
    marketer = user_with_role(Role.MARKETER)
    lead = LeadFactory()
    now = timezone.now()
    changes_record_bulk(entries=[(lead.pk, "updated", {})], now=now - dt.timedelta(seconds=10))
    changes_record_bulk(entries=[(lead.pk, "updated", {})], now=now)

    assert len(changes_since(user=marketer, since=0, limit=10, now=now)) == 1
    assert len(changes_since(user=marketer, since=0, limit=10, now=now + dt.timedelta(seconds=6))) == 2


def test_bad_cursor_is_a_400_problem() -> None:
    response = _client(user_with_role(Role.MARKETER)).get("/api/v1/changes/", {"since": "abc", "limit": 0})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"since", "limit"}


def test_feed_needs_authentication() -> None:
    assert APIClient().get("/api/v1/changes/").status_code == 401
