"""Channels, campaigns, costs and revenue events of REST API v1."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.models import Campaign, Channel, Cost, RevenueEvent
from tests.factories import AccountFactory, CampaignFactory, ChannelFactory, token_client, user_with_role

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _client(role: Role = Role.MARKETER) -> APIClient:
    return token_client(user_with_role(role))


def test_a_marketer_creates_and_reviews_a_channel() -> None:
    client = _client()

    created = client.post("/api/v1/channels/", {"slug": "baidu-sem", "name": "百度 SEM", "category": "search_ads",
                                                "route": "sdr", "prior_score": 70}, format="json")  # fmt: skip
    ChannelFactory(slug="new-expo", needs_review=True)
    flagged = client.get("/api/v1/channels/?needs_review=true").json()["results"]
    patched = client.patch(f"/api/v1/channels/{flagged[0]['id']}/", {"needs_review": False, "category": "event"},
                           format="json")  # fmt: skip

    assert created.status_code == 201, created.json()
    assert created.json()["prior_score"] == 70
    assert [row["slug"] for row in flagged] == ["new-expo"]
    assert (patched.json()["needs_review"], patched.json()["category"]) == (False, "event")


@pytest.mark.parametrize("body,field", [
    ({"slug": "x", "name": "X", "category": "tv"}, "category"),
    ({"slug": "x", "name": "X", "category": "seo", "prior_score": 101}, "prior_score"),
    ({"name": "X", "category": "seo"}, "slug"),
])  # fmt: skip
def test_channel_validation_names_the_field(body: dict[str, Any], field: str) -> None:
    response = _client().post("/api/v1/channels/", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]


def test_a_duplicate_channel_slug_is_a_400_on_slug() -> None:
    ChannelFactory(slug="baidu-sem")

    response = _client().post("/api/v1/channels/", {"slug": "baidu-sem", "name": "X", "category": "seo"},
                              format="json")  # fmt: skip

    assert response.status_code == 400 and "slug" in response.json()["errors"]


def test_campaigns_take_the_channel_slug_start_end_and_budget() -> None:
    ChannelFactory(slug="webinars", category="webinar")
    client = _client()

    response = client.post("/api/v1/campaigns/", {"slug": "q3-webinar", "name": "Q3 webinar", "channel": "webinars",
                                                  "start": "2026-07-01", "end": "2026-09-30", "budget": "50000.00"},
                           format="json")  # fmt: skip
    listed = client.get("/api/v1/campaigns/?channel=webinars").json()["results"]

    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in ("channel", "start", "end", "budget")} == {
        "channel": "webinars", "start": "2026-07-01", "end": "2026-09-30", "budget": "50000.00"}  # fmt: skip
    assert [row["slug"] for row in listed] == ["q3-webinar"]
    assert Campaign.objects.get(slug="q3-webinar").channel == Channel.objects.get(slug="webinars")


@pytest.mark.parametrize("body,field", [
    ({"slug": "c", "name": "C", "channel": "nope"}, "channel"),
    ({"slug": "c", "name": "C", "start": "2026-07-01", "end": "2026-06-01"}, "end"),
    ({"slug": "c", "name": "C", "budget": "-1"}, "budget"),
])  # fmt: skip
def test_campaign_validation_names_the_field(body: dict[str, Any], field: str) -> None:
    response = _client().post("/api/v1/campaigns/", body, format="json")

    assert response.status_code == 400 and field in response.json()["errors"]


def test_a_cost_is_upserted_on_channel_month_and_category() -> None:
    ChannelFactory(slug="baidu-sem")
    client = _client()
    body = {"channel": "baidu-sem", "month": "2026-03-17", "category": "media", "amount": "12000.00"}

    first = client.post("/api/v1/costs/", body, format="json")
    second = client.post("/api/v1/costs/", {**body, "month": "2026-03-01", "amount": "15000.00"}, format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert (second.json()["month"], second.json()["amount"], second.json()["currency"]) == (
        "2026-03-01", "15000.00", "CNY")  # fmt: skip
    assert Cost.objects.count() == 1


def test_campaign_and_channel_costs_of_one_month_are_separate_rows() -> None:
    campaign = CampaignFactory(slug="expo")
    client = _client()
    for body in ({"campaign": "expo"}, {"channel": campaign.channel.slug}):
        client.post("/api/v1/costs/", {**body, "month": "2026-03-01", "category": "events", "amount": "1"},
                    format="json")  # fmt: skip

    listed = client.get("/api/v1/costs/?campaign=expo").json()["results"]

    assert Cost.objects.count() == 2
    assert [(row["campaign"], row["channel"]) for row in listed] == [("expo", None)]


@pytest.mark.parametrize("body,field", [
    ({"month": "2026-03-01", "category": "media", "amount": "1"}, "channel"),
    ({"channel": "ch", "campaign": "cp", "month": "2026-03-01", "category": "media", "amount": "1"}, "campaign"),
    ({"channel": "ch", "month": "2026-03-01", "category": "media", "amount": "-5"}, "amount"),
    ({"channel": "ch", "month": "2026-03-01", "category": "beer", "amount": "5"}, "category"),
    ({"channel": "ch", "month": "March", "category": "media", "amount": "5"}, "month"),
    ({"channel": "unknown", "month": "2026-03-01", "category": "media", "amount": "5"}, "channel"),
])  # fmt: skip
def test_cost_validation_names_the_field(body: dict[str, Any], field: str) -> None:
    ChannelFactory(slug="ch")
    CampaignFactory(slug="cp")

    response = _client().post("/api/v1/costs/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_patch_a_cost_changes_its_amount() -> None:
    ChannelFactory(slug="ch")
    client = _client()
    cost = client.post("/api/v1/costs/", {"channel": "ch", "month": "2026-03-01", "category": "media",
                                          "amount": "1"}, format="json").json()  # fmt: skip

    response = client.patch(f"/api/v1/costs/{cost['id']}/", {"amount": "99.50"}, format="json")

    assert response.status_code == 200 and response.json()["amount"] == "99.50"


def test_a_sales_manager_books_revenue_events_and_anyone_reads_them() -> None:
    account = AccountFactory()
    manager = _client(Role.SALES_MANAGER)

    created = manager.post("/api/v1/revenue-events/", {"account": account.pk, "kind": "renewal",
                                                       "date": "2027-01-01", "amount": "130000"},
                           format="json")  # fmt: skip
    read = _client(Role.SDR).get(f"/api/v1/revenue-events/?account={account.pk}&kind=renewal")

    assert created.status_code == 201, created.json()
    assert created.json()["currency"] == "CNY"
    assert [row["amount"] for row in read.json()["results"]] == ["130000.00"]
    assert RevenueEvent.objects.get().created_by is not None


@pytest.mark.parametrize("body,field", [
    ({"kind": "renewal", "date": "2027-01-01", "amount": "1"}, "account"),
    ({"account": 0, "kind": "upsell", "date": "2027-01-01", "amount": "1"}, "kind"),
    ({"account": 0, "kind": "churn", "date": "2027-01-01", "amount": "-1"}, "amount"),
])  # fmt: skip
def test_revenue_event_validation_names_the_field(body: dict[str, Any], field: str) -> None:
    account = AccountFactory()
    if body.get("account") == 0:
        body = {**body, "account": account.pk}

    response = _client(Role.ADMIN).post("/api/v1/revenue-events/", body, format="json")

    assert response.status_code == 400 and field in response.json()["errors"]


@pytest.mark.parametrize("role", [Role.MARKETER, Role.SDR, Role.SALES])
def test_only_sales_managers_and_admins_book_revenue(role: Role) -> None:
    response = _client(role).post("/api/v1/revenue-events/", {"account": AccountFactory().pk, "kind": "new",
                                                              "date": "2027-01-01", "amount": "1"},
                                  format="json")  # fmt: skip

    assert response.status_code == 403
    assert not RevenueEvent.objects.exists()


def test_money_is_a_decimal_string() -> None:
    ChannelFactory(slug="ch")
    body = _client().post("/api/v1/costs/", {"channel": "ch", "month": "2026-03-01", "category": "tools",
                                             "amount": 12.5}, format="json").json()  # fmt: skip

    assert body["amount"] == "12.50" and Decimal(body["amount"]) == Decimal("12.5")
