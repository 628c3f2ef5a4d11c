"""/api/v1/accounts/: any role reads; marketers, sales managers and admins write."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Account
from leadflow.roles import Role
from tests.factories import AccountFactory, token_client, user_with_role

pytestmark = pytest.mark.django_db


def _client(role: Role = Role.MARKETER) -> APIClient:
    return token_client(user_with_role(role))


def test_create_normalises_the_domain_and_patch_sets_tier_and_owner() -> None:
    client = _client(Role.SALES_MANAGER)
    rep = user_with_role(Role.SALES)

    created = client.post("/api/v1/accounts/", {"name": "Acme", "domain": "https://WWW.Acme.cn/about"},
                          format="json")  # fmt: skip
    patched = client.patch(f"/api/v1/accounts/{created.json()['id']}/",
                           {"tier": "S", "is_target": True, "owner_sales": rep.pk}, format="json")  # fmt: skip

    assert created.status_code == 201, created.json()
    assert created.json()["domain"] == "acme.cn"
    assert (patched.json()["tier"], patched.json()["is_target"], patched.json()["owner_sales"]) == ("S", True, rep.pk)


@pytest.mark.parametrize("domain", ["qq.com", "acme", "company0.cn"])
def test_a_free_mail_malformed_or_taken_domain_is_refused_on_domain(domain: str) -> None:
    AccountFactory(domain="company0.cn")

    response = _client().post("/api/v1/accounts/", {"name": "X", "domain": domain}, format="json")

    assert response.status_code == 400
    assert "domain" in response.json()["errors"]


def test_an_owner_must_be_a_sales_user() -> None:
    account = AccountFactory()

    response = _client().patch(f"/api/v1/accounts/{account.pk}/", {"owner_sales": user_with_role(Role.SDR).pk},
                               format="json")  # fmt: skip

    assert response.status_code == 400 and "owner_sales" in response.json()["errors"]


def test_filters_by_domain_tier_and_customer_status() -> None:
    AccountFactory(domain="acme.cn", tier="S", customer_status="customer")
    AccountFactory(domain="beta.cn", tier="B")
    client = _client(Role.SDR)

    def ids(query: str) -> list[str]:
        return [row["domain"] for row in client.get(f"/api/v1/accounts/?{query}").json()["results"]]

    assert ids("domain=WWW.ACME.CN") == ["acme.cn"]
    assert ids("tier=B") == ["beta.cn"]
    assert ids("customer_status=customer") == ["acme.cn"]


@pytest.mark.parametrize("role,expected", [(Role.MARKETER, 201), (Role.SALES_MANAGER, 201), (Role.ADMIN, 201),
                                           (Role.SDR, 403), (Role.SALES, 403)])  # fmt: skip
def test_who_may_create_accounts(role: Role, expected: int) -> None:
    response = _client(role).post("/api/v1/accounts/", {"name": "Gamma", "domain": "gamma.cn"}, format="json")

    assert response.status_code == expected
    assert Account.objects.filter(domain="gamma.cn").exists() == (expected == 201)


def test_accounts_cannot_be_deleted_through_the_api() -> None:
    account = AccountFactory()

    assert _client(Role.ADMIN).delete(f"/api/v1/accounts/{account.pk}/").status_code == 405
