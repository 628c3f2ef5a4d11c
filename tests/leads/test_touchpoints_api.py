"""Touchpoint ingest (single and bulk, idempotent by event_id) and identify (visitor stitching)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import IdentityKind
from leads.models import Campaign, Channel, Identity, Lead, Touchpoint
from leads.services.merge import lead_merge
from leads.services.touchpoints import MAX_TOUCHPOINT_RECORDS
from tests.factories import ChannelFactory, LeadFactory, UserFactory, token_client, user_with_role

pytestmark = pytest.mark.django_db
BULK = "/api/v1/touchpoints/bulk/"


def _client(role: Role | None = Role.MARKETER) -> APIClient:
    user = user_with_role(role) if role else UserFactory()
    return token_client(user)


def _known_lead(email: str = "k@acme.cn") -> Lead:
    lead = LeadFactory(email=email)
    Identity.objects.create(lead=lead, kind=IdentityKind.EMAIL, value=email)
    return lead


def _bulk(client: APIClient, records: list[dict[str, Any]]) -> Any:
    return client.post(BULK, {"records": records}, format="json")


def test_single_touchpoint_by_email_is_recorded_with_utm_columns_and_touches_the_lead() -> None:
    lead = _known_lead()
    at = timezone.now() - dt.timedelta(hours=1)

    response = _client().post("/api/v1/touchpoints/", {
        "email": "K@acme.cn", "kind": "form_submit", "occurred_at": at.isoformat(),
        "properties": {"utm_source": "baidu", "utm_medium": "cpc", "page": "/pricing"},
    }, format="json")  # fmt: skip

    assert response.status_code == 201
    touchpoint = Touchpoint.objects.get(pk=response.json()["id"])
    assert (touchpoint.lead_id, touchpoint.utm_source, touchpoint.utm_medium) == (lead.pk, "baidu", "cpc")
    lead.refresh_from_db()
    assert lead.last_touch_at == at


def test_repeated_event_id_is_ignored_within_a_batch_and_across_batches() -> None:
    lead = _known_lead()
    client = _client()
    records = [{"lead": lead.pk, "kind": "page_view", "event_id": "ev-1"},
               {"lead": lead.pk, "kind": "page_view", "event_id": "ev-1"},
               {"lead": lead.pk, "kind": "page_view", "event_id": "ev-2"}]  # fmt: skip

    first = _bulk(client, records).json()
    second = _bulk(client, records).json()

    assert [row["status"] for row in first["results"]] == ["created", "duplicate", "created"]
    assert [row["status"] for row in second["results"]] == ["duplicate"] * 3
    assert (second["created"], second["duplicate"]) == (0, 3)
    assert Touchpoint.objects.count() == 2


def test_unknown_email_without_anonymous_id_is_refused_but_with_one_is_kept_anonymous() -> None:
    records = [{"email": "nobody@acme.cn", "kind": "page_view"},
               {"email": "nobody@acme.cn", "anonymous_id": "cookie-1", "kind": "page_view"},
               {"kind": "page_view"}, {"anonymous_id": "c", "kind": "nonsense"}]  # fmt: skip

    body = _bulk(_client(), records).json()

    assert [row["status"] for row in body["results"]] == ["failed", "created", "failed", "failed"]
    assert "email" in body["results"][0]["errors"]
    assert "kind" in body["results"][3]["errors"]
    assert Touchpoint.objects.get().lead is None
    assert Lead.objects.count() == 0


def test_lead_id_of_a_merged_lead_resolves_to_its_survivor() -> None:
    survivor, other = _known_lead("s@acme.cn"), _known_lead("o@acme.cn")
    lead_merge(survivor=survivor, other=other)

    body = _bulk(_client(), [{"lead": other.pk, "kind": "call"}, {"lead": 999999, "kind": "call"}]).json()

    assert Touchpoint.objects.get(pk=body["results"][0]["id"]).lead_id == survivor.pk
    assert "lead" in body["results"][1]["errors"]


def test_unknown_channel_and_campaign_slugs_are_created_once_and_flagged() -> None:
    lead = _known_lead()

    _bulk(_client(), [{"lead": lead.pk, "kind": "ad_click", "channel": "douyin-ads", "campaign": "spring-25"}] * 2)

    assert Channel.objects.get(slug="douyin-ads").needs_review is True
    assert Campaign.objects.get(slug="spring-25").needs_review is True
    assert Touchpoint.objects.filter(channel__slug="douyin-ads", campaign__slug="spring-25").count() == 2


def test_more_than_50000_touchpoints_get_413() -> None:
    response = _bulk(_client(), [{"anonymous_id": "a", "kind": "page_view"}] * (MAX_TOUCHPOINT_RECORDS + 1))

    assert response.status_code == 413
    assert "50000" in response.json()["detail"]


def test_identify_attaches_earlier_anonymous_touchpoints_and_carries_the_utm_source() -> None:
    client = _client()
    start = timezone.now() - dt.timedelta(days=3)
    _bulk(client, [
        {"anonymous_id": "cookie-9", "kind": "page_view", "occurred_at": (start + dt.timedelta(hours=h)).isoformat(),
         "properties": {"utm_source": source}}
        for h, source in ((2, "zhihu"), (0, "wechat-article"), (5, ""))
    ])  # fmt: skip
    _bulk(client, [{"anonymous_id": "someone-else", "kind": "page_view"}])

    response = client.post("/api/v1/identify/", {"anonymous_id": "cookie-9", "email": "v@acme.cn"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["attached"], body["created"]) == (3, True)
    lead = Lead.objects.get(pk=body["lead"]["id"])
    assert lead.source_channel is not None and lead.source_channel.slug == "wechat-article"
    assert Touchpoint.objects.filter(lead=lead).count() == 3
    assert Touchpoint.objects.filter(lead__isnull=True).count() == 1
    assert Identity.objects.filter(lead=lead, kind=IdentityKind.ANONYMOUS_ID, value="cookie-9").exists()
    assert lead.last_touch_at == start + dt.timedelta(hours=5)


def test_identify_twice_is_idempotent_and_later_visits_resolve_by_cookie() -> None:
    client = _client()
    channel = ChannelFactory(slug="seo")
    _bulk(client, [{"anonymous_id": "c2", "kind": "page_view", "channel": channel.slug}])
    first = client.post("/api/v1/identify/", {"anonymous_id": "c2", "email": "w@acme.cn"}, format="json").json()

    again = client.post("/api/v1/identify/", {"anonymous_id": "c2", "email": "w@acme.cn"}, format="json").json()
    later = _bulk(client, [{"anonymous_id": "c2", "kind": "page_view"}]).json()

    assert (again["lead"]["id"], again["attached"], again["created"]) == (first["lead"]["id"], 0, False)
    assert first["lead"]["source_channel"] == "seo"
    assert Touchpoint.objects.get(pk=later["results"][0]["id"]).lead_id == first["lead"]["id"]
    assert Lead.objects.count() == 1


def test_touchpoint_endpoints_need_a_role() -> None:
    assert _bulk(_client(None), [{"anonymous_id": "a", "kind": "page_view"}]).status_code == 403
    assert APIClient().post("/api/v1/identify/", {}, format="json").status_code == 401


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_event_id_dedup_holds_under_two_concurrent_bulk_requests() -> None:
    lead = _known_lead()
    records = [{"lead": lead.pk, "kind": "page_view", "event_id": f"c-{i}"} for i in range(500)]
    clients = [_client(), _client()]
    barrier = threading.Barrier(2)
    statuses: list[list[str]] = []

    def send(client: APIClient) -> None:
        try:
            barrier.wait()
            statuses.append([row["status"] for row in _bulk(client, records).json()["results"]])
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Touchpoint.objects.count() == 500
    assert len(statuses) == 2
    for position in range(500):
        assert sorted(s[position] for s in statuses) == ["created", "duplicate"]


def test_a_nul_character_in_properties_is_a_400_naming_properties_and_in_bulk_fails_only_its_row() -> None:
    # given: a known lead and touchpoints whose properties carry a NUL character
    _known_lead()
    bad = {"email": "k@acme.cn", "kind": "page_view", "properties": {"page": "/pri\u0000cing"}}

    # when: sent alone, then in a batch beside a good one
    single = _client().post("/api/v1/touchpoints/", bad, format="json")
    batch = _client().post("/api/v1/touchpoints/bulk/", {"records": [bad, {**bad, "properties": {"page": "/ok"}}]},
                           format="json")  # fmt: skip

    # then: a field error naming properties; the good row of the batch is stored
    assert single.status_code == 400
    assert "properties" in single.json()["errors"]
    rows = batch.json()["results"]
    assert [row["status"] for row in rows] == ["failed", "created"]
    assert "properties" in rows[0]["errors"]
    assert Touchpoint.objects.count() == 1
