"""PATCH, DELETE (erasure) and the timeline of /api/v1/leads/{id}/, and the revenue event of a win."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import LeadEventKind, Stage, TouchpointKind
from leads.models import ChangeLog, Identity, Lead, LeadEvent, RevenueEvent, StageChange, Touchpoint
from leads.services.identity import leads_resolve
from leads.services.upsert import lead_upsert
from tests.factories import (
    AccountFactory,
    TouchpointFactory,
    make_journey,
    role_client,
    user_with_role,
)

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _client(role: Role | None = Role.MARKETER) -> tuple[APIClient, Any]:
    return role_client(role)


def _lead(**data: Any) -> Lead:
    return lead_upsert(data={"email": "wang@acme.cn", "phone": "13800138000", "first_name": "小明", **data}).lead


def test_patch_changes_profile_owners_temperature_and_tags_with_history() -> None:
    client, _user = _client(Role.MARKETER)
    lead = _lead()
    sdr, rep = user_with_role(Role.SDR), user_with_role(Role.SALES)

    response = client.patch(f"/api/v1/leads/{lead.pk}/", {
        "title": "CTO", "owner_sdr": sdr.pk, "owner_sales": rep.pk, "temperature": "hot",
        "tags": ["vip", "expo-2027"], "bant": {"budget": True},
    }, format="json")  # fmt: skip

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["owner_sdr"], body["owner_sales"], body["temperature"]) == ("CTO", sdr.pk, rep.pk,
                                                                                              "hot")
    assert sorted(body["tags"]) == ["expo-2027", "vip"]
    assert body["bant"]["budget"] is True
    kinds = list(LeadEvent.objects.filter(lead=lead).values_list("kind", flat=True))
    assert kinds.count(LeadEventKind.OWNER_CHANGED) == 2
    assert LeadEventKind.TEMPERATURE_CHANGED in kinds and LeadEventKind.BANT_CHANGED in kinds
    feed = list(ChangeLog.objects.filter(lead=lead).values_list("kind", "data"))
    assert ("owner_changed", {"side": "sdr", "from": None, "to": sdr.pk}) in feed
    assert any(kind == "updated" and "tags" in data.get("fields", []) for kind, data in feed)


def test_patch_twice_with_the_same_body_records_nothing_the_second_time() -> None:
    client, _user = _client()
    lead = _lead()
    body = {"title": "CTO", "temperature": "cold", "tags": ["vip"]}
    client.patch(f"/api/v1/leads/{lead.pk}/", body, format="json")
    before = ChangeLog.objects.count()

    response = client.patch(f"/api/v1/leads/{lead.pk}/", body, format="json")

    assert response.status_code == 200
    assert ChangeLog.objects.count() == before


def test_patch_replaces_email_and_keeps_the_old_one_as_identity() -> None:
    client, _user = _client()
    lead = _lead()

    response = client.patch(f"/api/v1/leads/{lead.pk}/", {"email": "Xiao.Wang@Acme.cn"}, format="json")

    assert response.json()["email"] == "xiao.wang@acme.cn"
    assert set(Identity.objects.filter(lead=lead, kind="email").values_list("value", flat=True)) == {
        "wang@acme.cn", "xiao.wang@acme.cn"}  # fmt: skip


def test_patch_with_another_leads_email_is_a_409_naming_the_field() -> None:
    client, _user = _client()
    lead, other = _lead(), _lead(email="li@beta.cn", phone="13900139000")

    response = client.patch(f"/api/v1/leads/{lead.pk}/", {"email": other.email}, format="json")

    assert response.status_code == 409
    assert response["Content-Type"] == PROBLEM
    assert "email" in response.json()["errors"]


@pytest.mark.parametrize("field,role", [("owner_sdr", Role.SALES), ("owner_sales", Role.MARKETER)])
def test_an_owner_without_a_fitting_role_is_refused(field: str, role: Role) -> None:
    client, _user = _client()
    lead = _lead()

    response = client.patch(f"/api/v1/leads/{lead.pk}/", {field: user_with_role(role).pk}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_inactive_owner_is_refused_and_null_unassigns() -> None:
    client, _user = _client()
    sdr = user_with_role(Role.SDR)
    lead = _lead()
    client.patch(f"/api/v1/leads/{lead.pk}/", {"owner_sdr": sdr.pk}, format="json")
    inactive = user_with_role(Role.SDR, is_active=False)

    refused = client.patch(f"/api/v1/leads/{lead.pk}/", {"owner_sdr": inactive.pk}, format="json")
    cleared = client.patch(f"/api/v1/leads/{lead.pk}/", {"owner_sdr": None}, format="json")

    assert refused.status_code == 400
    assert cleared.json()["owner_sdr"] is None


def test_patch_an_unknown_temperature_names_the_field() -> None:
    client, _user = _client()

    response = client.patch(f"/api/v1/leads/{_lead().pk}/", {"temperature": "lukewarm"}, format="json")

    assert response.status_code == 400
    assert "temperature" in response.json()["errors"]


def test_delete_erases_personal_data_and_keeps_history() -> None:
    client, _user = _client(Role.MARKETER)
    lead = _lead(title="CTO", attributes={"wechat": "wx1"})
    lead = make_journey([Stage.LEAD, Stage.MQL], lead=lead, start=lead.created_at, step=dt.timedelta(seconds=1))
    TouchpointFactory(lead=lead, anonymous_id="cookie-1", properties={"page": "/pricing", "utm_source": "baidu"})
    email = lead.email

    response = client.delete(f"/api/v1/leads/{lead.pk}/")

    assert response.status_code == 204
    lead.refresh_from_db()
    assert (lead.email, lead.phone, lead.first_name, lead.last_name, lead.title, lead.attributes) == (
        "", "", "", "", "", {})  # fmt: skip
    assert lead.erased_at is not None
    assert lead.stage == Stage.MQL and StageChange.objects.filter(lead=lead).count() == 2
    assert not Identity.objects.filter(lead=lead).exists()
    assert Touchpoint.objects.filter(lead=lead, anonymous_id="", properties={}).count() == 1
    assert leads_resolve(identities=[("email", email)]) == []
    assert ChangeLog.objects.filter(lead=lead, kind="erased").exists()
    assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert client.delete(f"/api/v1/leads/{lead.pk}/").status_code == 404


def test_new_data_about_an_erased_person_makes_a_new_lead() -> None:
    client, _user = _client(Role.MARKETER)
    lead = _lead()
    client.delete(f"/api/v1/leads/{lead.pk}/")

    response = client.post("/api/v1/leads/", {"email": "wang@acme.cn"}, format="json")

    assert response.status_code == 201
    assert response.json()["id"] != lead.pk


@pytest.mark.parametrize("role", [Role.SDR, Role.SALES, Role.SALES_MANAGER])
def test_erasure_is_for_marketers_and_admins(role: Role) -> None:
    client, user = _client(role)
    lead = _lead(owner_sdr=user if role == Role.SDR else None)

    response = client.delete(f"/api/v1/leads/{lead.pk}/")

    assert response.status_code in (403, 404)
    assert Lead.objects.get(pk=lead.pk).erased_at is None


def test_timeline_lists_stage_changes_touchpoints_and_events_newest_first() -> None:
    client, _user = _client()
    start = timezone.now() - dt.timedelta(days=10)
    lead = make_journey([Stage.LEAD, Stage.MQL], start=start)
    TouchpointFactory(lead=lead, kind=TouchpointKind.DEMO_REQUEST, occurred_at=start + dt.timedelta(days=3))
    client.patch(f"/api/v1/leads/{lead.pk}/", {"temperature": "hot"}, format="json")

    response = client.get(f"/api/v1/leads/{lead.pk}/timeline/")

    assert response.status_code == 200
    items = response.json()["results"]
    types = [item["type"] for item in items if item["type"] != "bant_changed"]
    assert types == ["temperature_changed", "touchpoint", "stage_changed", "stage_changed", "created"]
    assert items[1]["data"]["kind"] == "demo_request"
    assert [item["at"] for item in items] == sorted((item["at"] for item in items), reverse=True)
    assert set(items[0]) == {"at", "type", "data"}


def test_timeline_is_capped_by_limit_and_pages_with_before() -> None:
    client, _user = _client()
    lead = _lead()
    base = timezone.now() - dt.timedelta(days=1)
    for minute in range(5):
        TouchpointFactory(lead=lead, occurred_at=base + dt.timedelta(minutes=minute))

    pages = [client.get(f"/api/v1/leads/{lead.pk}/timeline/?limit=3").json()]
    while pages[-1]["next_before"] and len(pages) < 5:
        pages.append(client.get(f"/api/v1/leads/{lead.pk}/timeline/",
                                {"limit": 3, "before": pages[-1]["next_before"]}).json())  # fmt: skip

    assert all(len(page["results"]) <= 3 for page in pages) and len(pages[0]["results"]) == 3
    seen = [item["at"] for page in pages for item in page["results"] if item["type"] == "touchpoint"]
    assert len(seen) == 5 == len(set(seen))


def test_a_won_opportunity_records_the_new_revenue_event_once() -> None:
    account = AccountFactory()
    lead = make_journey([Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER],
                        account=account)  # fmt: skip

    events = list(RevenueEvent.objects.filter(account=account))

    assert [(e.kind, e.amount, e.lead_id) for e in events] == [("new", Decimal("120000.00"), lead.pk)]
    assert events[0].opportunity is not None
