"""The lead endpoints of spec/api.md that the foundation provides, with problem+json errors."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Channel, Lead
from tests.factories import LeadFactory, make_journey, role_client, user_with_role

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def _client(role: Role | None = Role.MARKETER) -> tuple[APIClient, Any]:
    return role_client(role)


def test_me_returns_the_caller_and_roles() -> None:
    client, user = _client(Role.SDR)

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {"id": user.pk, "username": user.username, "roles": ["sdr"]}


def test_anonymous_gets_401_as_problem_json() -> None:
    response = APIClient().get("/api/v1/leads/")

    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401


def test_a_user_without_a_role_gets_403() -> None:
    client, _ = _client(None)

    response = client.get("/api/v1/leads/")

    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM


def test_create_returns_201_and_the_contract_fields() -> None:
    client, _ = _client()

    response = client.post("/api/v1/leads/", {"email": "Li@Acme.cn", "phone": "13900001111", "first_name": "雷",
                                              "source_channel": "baidu-sem", "bant": {"budget": True}},
                           format="json")  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["email"], body["phone"], body["stage"], body["source_channel"]) == (
        "li@acme.cn", "+8613900001111", "lead", "baidu-sem"
    )
    assert body["bant"]["budget"] is True
    for field in ("temperature", "fit_score", "engagement_score", "source_score", "grade", "owner_sdr",
                  "owner_sales", "account", "tags", "created_at", "updated_at", "stage_changed_at", "sla",
                  "enrollments"):  # fmt: skip
        assert field in body


def test_an_unknown_channel_slug_is_created_and_flagged_for_review() -> None:
    client, _ = _client()

    client.post("/api/v1/leads/", {"email": "a@acme.cn", "source_channel": "new-expo-2027"}, format="json")

    channel = Channel.objects.get(slug="new-expo-2027")
    assert (channel.category, channel.needs_review) == ("other", True)


def test_posting_the_same_person_again_updates_with_200() -> None:
    client, _ = _client()
    first = client.post("/api/v1/leads/", {"email": "li@acme.cn"}, format="json").json()

    response = client.post("/api/v1/leads/", {"email": "li@acme.cn", "title": "CTO"}, format="json")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["title"]) == (first["id"], "CTO")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"first_name": "No contact"}, "email"), ({"email": "not-an-email"}, "email"),
     ({"phone": "12"}, "phone"), ({"email": "a@acme.cn", "employee_count": -5}, "employee_count"),
     ({"email": "a@acme.cn", "company": "Ac\u0000me"}, "company"),
     ({"email": "a@acme.cn", "attributes": {"k\u0000": "v"}}, "attributes")],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(body: dict[str, Any], field: str) -> None:
    client, _ = _client()

    response = client.post("/api/v1/leads/", body, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert field in response.json()["errors"]
    assert Lead.objects.count() == 0


def test_transition_moves_the_lead() -> None:
    client, _ = _client(Role.SDR)
    lead = LeadFactory()

    response = client.post(f"/api/v1/leads/{lead.pk}/transition/",
                           {"to": "mql", "bant": {"budget": True, "need": True}}, format="json")  # fmt: skip

    assert response.status_code == 200
    assert response.json()["stage"] == "mql"


def test_an_illegal_transition_is_a_409_problem_in_the_callers_language() -> None:
    client, _ = _client(Role.SDR)
    lead = LeadFactory()
    url = f"/api/v1/leads/{lead.pk}/transition/"

    english = client.post(url, {"to": "customer"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.post(url, {"to": "customer"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert english.status_code == chinese.status_code == 409
    assert english["Content-Type"] == PROBLEM
    assert "cannot move" in english.json()["detail"]
    assert "不能" in chinese.json()["detail"]


def test_a_transition_missing_its_reason_is_a_400_naming_it() -> None:
    client, _ = _client(Role.ADMIN)
    lead = make_journey(["lead", "mql"])

    response = client.post(f"/api/v1/leads/{lead.pk}/transition/", {"to": "lead"}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()["errors"]


def test_an_opportunity_without_amount_is_a_400_naming_amount_and_close_date() -> None:
    client, _ = _client(Role.ADMIN)
    lead = make_journey(["lead", "mql", "sal", "sql"])

    response = client.post(f"/api/v1/leads/{lead.pk}/transition/", {"to": "opportunity"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"amount", "expected_close"}


def test_a_sales_rep_cannot_see_someone_elses_lead() -> None:
    client, _ = _client(Role.SALES)
    lead = make_journey(["lead", "mql"], owner_sales=user_with_role(Role.SALES))

    assert client.get(f"/api/v1/leads/{lead.pk}/").status_code == 404


def test_merge_and_the_merged_id_resolves_to_the_survivor() -> None:
    client, _ = _client(Role.MARKETER)
    survivor, other = LeadFactory(), make_journey(["lead", "mql"])

    merged = client.post("/api/v1/leads/merge/", {"survivor": survivor.pk, "other": other.pk}, format="json")
    resolved = client.get(f"/api/v1/leads/{other.pk}/")

    assert merged.status_code == 200
    assert merged.json()["stage"] == Stage.MQL
    assert (resolved.status_code, resolved.json()["id"]) == (200, survivor.pk)


def test_the_openapi_schema_and_docs_are_served() -> None:
    client = APIClient()

    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/leads/{id}/transition/" in schema.content
    assert docs.status_code == 200


def test_the_docs_carry_the_integrators_guide() -> None:
    schema = APIClient().get("/api/schema/?format=json").json()

    guide = schema["info"]["description"]
    for topic in ("Idempotency-Key", "/api/v1/changes/?since=", "X-LeadFlow-Signature", "hmac.compare_digest",
                  "与 CRM 同步"):
        assert topic in guide


def test_the_list_is_cursor_paginated_and_filtered_by_the_shared_filterset() -> None:
    client, _ = _client(Role.MARKETER)
    mqls = [make_journey(["lead", "mql"]) for _ in range(3)]
    LeadFactory()

    page = client.get("/api/v1/leads/", {"stage": "mql", "page_size": 2}).json()
    rest = client.get(page["next"]).json()

    assert [row["id"] for row in page["results"] + rest["results"]] == sorted((m.pk for m in mqls), reverse=True)
    assert rest["next"] is None


def test_an_invalid_filter_value_is_a_400_naming_the_filter() -> None:
    client, _ = _client(Role.MARKETER)

    response = client.get("/api/v1/leads/", {"stage": "won"})

    assert response.status_code == 400
    assert "stage" in response.json()["errors"]
