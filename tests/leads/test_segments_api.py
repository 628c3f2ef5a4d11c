"""Segments API contract: saved segments CRUD by role, preview counts within visibility, and 400
problem+json naming the bad node of a rule tree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import Stage, TouchpointKind
from leads.models import Segment
from tests.factories import LeadFactory, TouchpointFactory, role_client, token_client, user_with_role

pytestmark = pytest.mark.django_db

LIST = "/api/v1/segments/"
PREVIEW = "/api/v1/segments/preview/"
HOT_RULE = {"all": [{"field": "fit_score", "op": "gte", "value": 60}, {"not": {"stage": "customer"}}]}


def post(client: APIClient, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE="en")


def test_marketer_saves_a_segment_and_everyone_reads_it():
    marketer_client, marketer = role_client(Role.MARKETER)
    sdr_client, _ = role_client(Role.SDR)

    created = post(marketer_client, LIST, {"name": "Hot fits", "description": "ICP, not customers", "rule": HOT_RULE})
    listed = sdr_client.get(LIST)

    assert created.status_code == 201, created.json()
    assert created.json()["owner"] == marketer.pk
    assert created.json()["rule"] == HOT_RULE
    assert [row["name"] for row in listed.json()["results"]] == ["Hot fits"]
    assert sdr_client.get(f"{LIST}{created.json()['id']}/").json()["rule"] == HOT_RULE


def test_a_bad_rule_is_a_400_problem_naming_the_node():
    client, _ = role_client(Role.MARKETER)
    rule = {"all": [{"stage": "mql"}, {"any": [{"field": "title", "op": "foo", "value": "CTO"}, {"tag": "ghost"}]}]}

    response = post(client, LIST, {"name": "Broken", "rule": rule})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "rule.all[1].any[0].op": ["Unknown operator “foo”."],
        "rule.all[1].any[1].tag": ["Unknown tag “ghost”."],
    }
    assert not Segment.objects.exists()


@pytest.mark.parametrize("rule", [None, [], "all", 3])
def test_a_rule_that_is_not_an_object_is_a_400_on_rule(rule: Any):
    client, _ = role_client(Role.MARKETER)

    response = post(client, PREVIEW, {"rule": rule})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["rule"]


def test_only_marketers_and_admins_write_segments():
    segment = Segment.objects.create(name="Existing", rule=HOT_RULE)
    for role in (Role.SDR, Role.SALES, Role.SALES_MANAGER):
        client, _ = role_client(role)
        assert post(client, LIST, {"name": f"By {role}", "rule": HOT_RULE}).status_code == 403
        assert client.patch(f"{LIST}{segment.pk}/", {"name": "x"}, format="json").status_code == 403
        assert client.delete(f"{LIST}{segment.pk}/").status_code == 403
    admin_client, _ = role_client(Role.ADMIN)
    assert post(admin_client, LIST, {"name": "By admin", "rule": HOT_RULE}).status_code == 201


def test_anonymous_and_roleless_callers_are_refused():
    assert APIClient().post(PREVIEW, {"rule": HOT_RULE}, format="json").status_code == 401
    roleless, _ = role_client(None)
    assert roleless.post(PREVIEW, {"rule": HOT_RULE}, format="json").status_code == 403


def test_patch_checks_a_new_rule_and_keeps_the_old_one_when_it_is_bad():
    client, _ = role_client(Role.MARKETER)
    segment = Segment.objects.create(name="Hot fits", rule=HOT_RULE)
    url = f"{LIST}{segment.pk}/"

    renamed = client.patch(url, {"name": "Warm fits", "rule": {"stage": "mql"}}, format="json")
    refused = client.patch(url, {"rule": {"any": []}}, format="json")

    assert renamed.status_code == 200
    assert renamed.json()["rule"] == {"stage": "mql"}
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["rule.any"]
    segment.refresh_from_db()
    assert (segment.name, segment.rule) == ("Warm fits", {"stage": "mql"})


def test_names_are_unique():
    client, _ = role_client(Role.MARKETER)
    Segment.objects.create(name="Hot fits", rule=HOT_RULE)

    response = post(client, LIST, {"name": "Hot fits", "rule": HOT_RULE})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name"]


def test_delete_removes_the_segment():
    client, _ = role_client(Role.MARKETER)
    segment = Segment.objects.create(name="Old", rule=HOT_RULE)

    assert client.delete(f"{LIST}{segment.pk}/").status_code == 204
    assert client.get(f"{LIST}{segment.pk}/").status_code == 404
    assert client.get(f"{LIST}abc/").status_code == 404


def test_preview_counts_and_samples_newest_first():
    client, _ = role_client(Role.MARKETER)
    fits = [LeadFactory(fit_score=score, company="华东精密") for score in (60, 70, 80)]
    LeadFactory(fit_score=10)
    LeadFactory(fit_score=90, stage=Stage.CUSTOMER)

    response = post(client, PREVIEW, {"rule": HOT_RULE, "sample_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["sample"]] == [fits[2].pk, fits[1].pk]
    assert set(body["sample"][0]) == {"id", "name", "email", "company", "stage", "temperature", "grade",
                                      "fit_score", "engagement_score", "source_score"}  # fmt: skip
    assert body["sample"][0]["name"] == "王小明"


def test_preview_of_an_event_window_uses_the_current_time():
    client, _ = role_client(Role.MARKETER)
    clicked, stale = LeadFactory(), LeadFactory()
    TouchpointFactory(lead=clicked, kind=TouchpointKind.EMAIL_CLICK, occurred_at=timezone.now() - dt.timedelta(days=1))
    TouchpointFactory(lead=stale, kind=TouchpointKind.EMAIL_CLICK, occurred_at=timezone.now() - dt.timedelta(days=60))

    body = post(client, PREVIEW, {"rule": {"event": {"kind": "email_click", "within_days": 30}}}).json()

    assert [row["id"] for row in body["sample"]] == [clicked.pk]


def test_an_sdr_previewing_counts_only_the_leads_an_sdr_may_see():
    sdr = user_with_role(Role.SDR)
    rep = user_with_role(Role.SALES)
    pool = LeadFactory(stage=Stage.LEAD, fit_score=70)
    mine = LeadFactory(stage=Stage.MQL, fit_score=70, owner_sdr=sdr)
    LeadFactory(stage=Stage.MQL, fit_score=70)  # someone else's MQL
    reps = LeadFactory(stage=Stage.SQL, fit_score=70, owner_sales=rep)

    sdr_body = post(token_client(sdr), PREVIEW, {"rule": HOT_RULE}).json()
    rep_body = post(token_client(rep), PREVIEW, {"rule": HOT_RULE}).json()
    marketer_body = post(role_client(Role.MARKETER)[0], PREVIEW, {"rule": HOT_RULE}).json()

    assert (sdr_body["count"], {row["id"] for row in sdr_body["sample"]}) == (2, {pool.pk, mine.pk})
    assert (rep_body["count"], {row["id"] for row in rep_body["sample"]}) == (1, {reps.pk})
    assert marketer_body["count"] == 4


def test_preview_leaves_out_merged_and_erased_leads():
    client, _ = role_client(Role.MARKETER)
    live = LeadFactory(fit_score=70)
    LeadFactory(fit_score=70, merged_into=live)
    LeadFactory(fit_score=70, erased_at=timezone.now())

    assert post(client, PREVIEW, {"rule": HOT_RULE}).json()["count"] == 1


def test_preview_with_a_bad_tree_names_every_bad_node():
    client, _ = role_client(Role.SDR)
    rule = {"all": [{"field": "fit_score", "op": "gt", "value": "high"}, {"event": {"within_days": -1}}]}

    response = post(client, PREVIEW, {"rule": rule})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "rule.all[0].value": ["Expected a number."],
        "rule.all[1].event.within_days": ["Expected a whole number from 1 to 3650."],
    }
