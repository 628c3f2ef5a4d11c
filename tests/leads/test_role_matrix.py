"""Who may do what through REST API v1: every role against every endpoint, plus lead visibility.

Integrations (CRMs, scripts) are users with the `integration` role and an API token: per spec they read and
write every lead and touchpoint but administer nothing. Web forms and trackers in browsers use a site write
key instead (POST /api/v1/collect/, tests/leads/test_collect.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from leadflow.roles import Role
from leads.choices import Stage
from leads.services.upsert import lead_upsert
from tests.factories import AccountFactory, ChannelFactory, make_journey, token_client, user_with_role

pytestmark = pytest.mark.django_db
M, SDR, S, SM, A, INT = Role.MARKETER, Role.SDR, Role.SALES, Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION
ROLES = (M, SDR, S, SM, A, INT)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # dozens of users per case


@dataclass
class World:
    lead: int
    other: int
    account: int


@pytest.fixture
def world() -> World:
    ChannelFactory(slug="ch")
    lead = lead_upsert(data={"email": "matrix@acme.cn"}).lead
    other = lead_upsert(data={"email": "matrix2@acme.cn"}).lead
    return World(lead=lead.pk, other=other.pk, account=AccountFactory().pk)


Call = Callable[[APIClient, World], Any]


def _lead_body(n: int) -> dict[str, Any]:
    return {"email": f"new{n}@beta.cn"}


# name -> (call, {role: expected status}); a missing role means the same as `default`.
CASES: dict[str, tuple[Call, dict[Role, int]]] = {
    "leads list": (lambda c, w: c.get("/api/v1/leads/"), dict.fromkeys(ROLES, 200)),
    "lead detail (pre-MQL, unowned)": (lambda c, w: c.get(f"/api/v1/leads/{w.lead}/"),
                                       {M: 200, SDR: 200, S: 404, SM: 200, A: 200, INT: 200}),
    "lead create": (lambda c, w: c.post("/api/v1/leads/", _lead_body(1), format="json"),
                    dict.fromkeys(ROLES, 201)),
    "lead patch": (lambda c, w: c.patch(f"/api/v1/leads/{w.lead}/", {"title": "CTO"}, format="json"),
                   {M: 200, SDR: 200, S: 404, SM: 200, A: 200, INT: 200}),
    "lead delete (erase)": (lambda c, w: c.delete(f"/api/v1/leads/{w.lead}/"),
                            {M: 204, SDR: 403, S: 403, SM: 403, A: 204, INT: 403}),
    "lead timeline": (lambda c, w: c.get(f"/api/v1/leads/{w.lead}/timeline/"),
                      {M: 200, SDR: 200, S: 404, SM: 200, A: 200, INT: 200}),
    "lead transition lead->mql": (
        lambda c, w: c.post(f"/api/v1/leads/{w.lead}/transition/",
                            {"to": "mql", "bant": {"budget": True, "need": True}}, format="json"),
        {M: 403, SDR: 200, S: 404, SM: 200, A: 200, INT: 200}),
    "lead merge": (lambda c, w: c.post("/api/v1/leads/merge/", {"survivor": w.lead, "other": w.other},
                                       format="json"),
                   {M: 200, SDR: 200, S: 403, SM: 200, A: 200, INT: 200}),
    "channels read": (lambda c, w: c.get("/api/v1/channels/"), dict.fromkeys(ROLES, 200)),
    "channel create": (lambda c, w: c.post("/api/v1/channels/", {"slug": "x", "name": "X", "category": "seo"},
                                           format="json"),
                       {M: 201, SDR: 403, S: 403, SM: 403, A: 201, INT: 403}),
    "campaign create": (lambda c, w: c.post("/api/v1/campaigns/", {"slug": "x", "name": "X", "channel": "ch"},
                                            format="json"),
                        {M: 201, SDR: 403, S: 403, SM: 403, A: 201, INT: 403}),
    "cost upsert": (lambda c, w: c.post("/api/v1/costs/", {"channel": "ch", "month": "2026-01-01",
                                                           "category": "media", "amount": "1"}, format="json"),
                    {M: 201, SDR: 403, S: 403, SM: 403, A: 201, INT: 403}),
    "costs read": (lambda c, w: c.get("/api/v1/costs/"), dict.fromkeys(ROLES, 200)),
    "account create": (lambda c, w: c.post("/api/v1/accounts/", {"name": "G", "domain": "gamma.cn"},
                                           format="json"),
                       {M: 201, SDR: 403, S: 403, SM: 201, A: 201, INT: 403}),
    "account patch": (lambda c, w: c.patch(f"/api/v1/accounts/{w.account}/", {"tier": "A"}, format="json"),
                      {M: 200, SDR: 403, S: 403, SM: 200, A: 200, INT: 403}),
    "accounts read": (lambda c, w: c.get("/api/v1/accounts/"), dict.fromkeys(ROLES, 200)),
    "revenue event create": (
        lambda c, w: c.post("/api/v1/revenue-events/", {"account": w.account, "kind": "renewal",
                                                        "date": "2026-01-01", "amount": "1"}, format="json"),
        {M: 403, SDR: 403, S: 403, SM: 201, A: 201, INT: 403}),
    "revenue events read": (lambda c, w: c.get("/api/v1/revenue-events/"), dict.fromkeys(ROLES, 200)),
    "webhooks list": (lambda c, w: c.get("/api/v1/webhooks/"), {M: 200, SDR: 403, S: 403, SM: 403, A: 200, INT: 403}),
    "webhook create": (lambda c, w: c.post("/api/v1/webhooks/", {"url": "https://crm.example/hook",
                                                                 "events": ["lead.created"]}, format="json"),
                       {M: 201, SDR: 403, S: 403, SM: 403, A: 201, INT: 403}),
    "changes feed": (lambda c, w: c.get("/api/v1/changes/"), dict.fromkeys(ROLES, 200)),
}  # fmt: skip


def _client(role: Role) -> APIClient:
    return token_client(user_with_role(role))


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_role_matrix(world: World, case: str, role: Role) -> None:
    call, expected = CASES[case]

    response = call(_client(role), world)

    assert response.status_code == expected[role], (case, role, response.content[:300])


@pytest.mark.parametrize("case", ["leads list", "lead create", "channel create", "changes feed"])
def test_anonymous_gets_401(world: World, case: str) -> None:
    assert CASES[case][0](APIClient(), world).status_code == 401


def _ids(client: APIClient) -> set[int]:
    return {row["id"] for row in client.get("/api/v1/leads/?page_size=100").json()["results"]}


def test_an_sdr_sees_pre_mql_leads_and_their_own() -> None:
    sdr = user_with_role(SDR)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=sdr).key}")
    pool = make_journey([Stage.LEAD])
    disqualified = make_journey([Stage.LEAD, Stage.DISQUALIFIED])
    own_mql = make_journey([Stage.LEAD, Stage.MQL], owner_sdr=sdr)
    make_journey([Stage.LEAD, Stage.MQL])  # someone else's MQL
    make_journey([Stage.LEAD, Stage.MQL, Stage.SAL])

    assert _ids(client) == {pool.pk, disqualified.pk, own_mql.pk}


def test_a_sales_rep_sees_only_their_own_leads() -> None:
    rep = user_with_role(S)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=rep).key}")
    own = make_journey([Stage.LEAD, Stage.MQL, Stage.SAL], owner_sales=rep)
    make_journey([Stage.LEAD])
    make_journey([Stage.LEAD, Stage.MQL, Stage.SAL], owner_sales=user_with_role(S))

    assert _ids(client) == {own.pk}


@pytest.mark.parametrize("role", [M, SM, A, INT], ids=str)
def test_marketers_managers_admins_and_integrations_see_every_live_lead(role: Role) -> None:
    leads = {make_journey([Stage.LEAD]).pk, make_journey([Stage.LEAD, Stage.MQL, Stage.SAL]).pk}

    assert _ids(_client(role)) == leads


def test_an_integration_reports_a_won_deal_on_a_lead_owned_by_a_rep() -> None:
    # given: an opportunity owned by a sales rep, and a CRM integration token
    rep = user_with_role(S)
    lead = make_journey([Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY], owner_sales=rep)

    # when: the CRM reports the deal won
    response = _client(INT).post(f"/api/v1/leads/{lead.pk}/transition/", {"to": "customer", "amount": "120000"},
                                 format="json")  # fmt: skip

    # then: the lead is a customer; the integration still administers nothing
    assert response.status_code == 200, response.content[:300]
    assert response.json()["stage"] == "customer"
    assert _client(INT).post("/api/v1/channels/", {"slug": "y", "name": "Y", "category": "seo"},
                             format="json").status_code == 403  # fmt: skip
