"""Account matching by company domain, free-mail exclusions, and the customer check (客户查重)."""

from __future__ import annotations

import pytest

from accounts.models import Account
from accounts.services import FREE_MAIL_DOMAINS, account_match, domain_normalise, is_free_mail
from leadflow.roles import Role
from leads.services.upsert import lead_upsert
from tests.factories import AccountFactory, make_journey, user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "domain"),
    [("https://WWW.Acme.cn/about", "acme.cn"), ("alice@Acme.com.cn", "acme.com.cn"), ("acme.cn.", "acme.cn"),
     ("http://shop.acme.cn:8080/x", "shop.acme.cn")],
)  # fmt: skip
def test_domains_are_normalised(raw: str, domain: str) -> None:
    assert domain_normalise(raw) == domain


@pytest.mark.parametrize("domain", ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "gmail.com",
                                    "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"])  # fmt: skip
def test_free_mail_domains_never_create_an_account(domain: str) -> None:
    assert is_free_mail(domain) and domain in FREE_MAIL_DOMAINS
    assert account_match(email=f"someone@{domain}") is None
    assert Account.objects.count() == 0


def test_leads_of_one_company_domain_share_one_account() -> None:
    first = lead_upsert(data={"email": "a@hengrui.com.cn", "company": "恒瑞精密"}).lead
    second = lead_upsert(data={"email": "b@HengRui.com.cn"}).lead

    assert first.account_id == second.account_id is not None
    assert first.account.name == "恒瑞精密"
    assert first.account.domain == "hengrui.com.cn"


def test_an_explicit_company_domain_beats_a_free_mail_address() -> None:
    lead = lead_upsert(data={"email": "boss@qq.com", "company_domain": "www.acme.cn"}).lead

    assert lead.account.domain == "acme.cn"


def test_a_free_mail_lead_has_no_account() -> None:
    assert lead_upsert(data={"email": "someone@163.com"}).lead.account is None


def test_a_lead_of_a_customer_account_is_flagged_and_routed_to_the_account_owner() -> None:
    owner = user_with_role(Role.SALES)
    AccountFactory(domain="acme.cn", customer_status="customer", owner_sales=owner)

    lead = lead_upsert(data={"email": "new.person@acme.cn"}).lead

    assert lead.customer_check is True
    assert lead.owner_sales == owner
    assert lead.events.filter(kind="customer_check", data__reason="customer").exists()


def test_a_lead_of_an_account_with_an_open_opportunity_goes_to_the_opportunity_owner() -> None:
    rep = user_with_role(Role.SALES)
    account = AccountFactory(domain="acme.cn")
    make_journey(["lead", "mql", "sal", "sql", "opportunity"], account=account, owner_sales=rep)

    lead = lead_upsert(data={"email": "colleague@acme.cn"}).lead

    assert (lead.customer_check, lead.owner_sales) == (True, rep)


def test_a_lead_of_a_prospect_account_is_not_flagged() -> None:
    AccountFactory(domain="acme.cn")

    lead = lead_upsert(data={"email": "someone@acme.cn"}).lead

    assert lead.customer_check is False
    assert lead.owner_sales is None
