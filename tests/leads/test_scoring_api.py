"""GET /api/v1/leads/{id}/score/: the stored scores with contributions that add up, within the caller's
visibility (a lead the caller cannot see is a 404, like the lead itself)."""

from __future__ import annotations

import pytest

from accounts.choices import Tier
from leadflow.roles import Role
from leads.choices import Stage, TouchpointKind
from leads.scoring.services import leads_scores_refresh
from tests.factories import AccountFactory, LeadFactory, role_client, user_with_role
from tests.leads.scoring_helpers import NOW, live_ruleset, touch

pytestmark = pytest.mark.django_db


def _scored_lead(**kwargs: object) -> int:
    live_ruleset()
    lead = LeadFactory(account=AccountFactory(tier=Tier.S), industry="software", title="总监", **kwargs)
    touch(lead, TouchpointKind.WEBINAR_ATTEND, days_ago=3)
    touch(lead, TouchpointKind.MEETING, days_ago=40)
    leads_scores_refresh(lead_ids=[lead.pk], now=NOW)
    return lead.pk


def test_score_endpoint_returns_stored_scores_and_contributions_that_add_up() -> None:
    client, _user = role_client(Role.MARKETER)
    lead_id = _scored_lead()
    response = client.get(f"/api/v1/leads/{lead_id}/score/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "fit_score", "engagement_score", "source_score", "grade", "scored_at",
                         "customer_type", "ruleset_version", "current", "contributions"}  # fmt: skip
    # fit 30 + 20 (key account); engagement 10 * 0.5 ** (3 / 30) + 40 * 0.5 ** (40 / 30) = 9.3 + 15.9 -> 25
    assert (body["fit_score"], body["engagement_score"], body["grade"]) == (50, 25, "B3")
    assert (body["customer_type"], body["current"]) == ("key_account", True)
    for score in ("fit", "engagement", "source"):
        total = sum(line["points"] for line in body["contributions"] if line["score"] == score)
        assert total == pytest.approx(body[f"{score}_score"])
    assert {"score", "kind", "points", "label", "at", "touchpoint_id"} == set(body["contributions"][0])


def test_sales_rep_cannot_read_the_score_of_a_lead_they_cannot_see() -> None:
    client, rep = role_client(Role.SALES)
    other = _scored_lead(stage=Stage.SQL, owner_sales=user_with_role(Role.SALES))
    own = LeadFactory(stage=Stage.SQL, owner_sales=rep)
    assert client.get(f"/api/v1/leads/{other}/score/").status_code == 404
    assert client.get(f"/api/v1/leads/{own.pk}/score/").status_code == 200


def test_score_endpoint_needs_authentication_and_an_integer_id() -> None:
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/leads/1/score/").status_code == 401
    client, _user = role_client(Role.MARKETER)
    assert client.get("/api/v1/leads/abc/score/").status_code == 404
    assert client.get("/api/v1/leads/999999/score/").status_code == 404


def test_a_merged_lead_id_answers_with_its_survivor_score() -> None:
    client, _user = role_client(Role.MARKETER)
    survivor = _scored_lead()
    merged = LeadFactory(merged_into_id=survivor)
    body = client.get(f"/api/v1/leads/{merged.pk}/score/").json()
    assert body["id"] == survivor
