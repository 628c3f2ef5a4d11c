"""Account matching by company email domain. Free-mail domains never create or match accounts."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.choices import CustomerStatus
from accounts.models import Account

FREE_MAIL_DOMAINS = frozenset(
    {
        "qq.com", "vip.qq.com", "foxmail.com", "163.com", "126.com", "yeah.net", "vip.163.com", "vip.126.com",
        "188.com", "sina.com", "sina.cn", "vip.sina.com", "sohu.com", "139.com", "189.cn", "wo.cn", "aliyun.com",
        "tom.com", "21cn.com", "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com",
        "msn.com", "yahoo.com", "yahoo.com.cn", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "proton.me", "protonmail.com", "gmx.com", "mail.com", "yandex.com", "zoho.com",
    }
)  # fmt: skip


def domain_normalise(value: str) -> str:
    """`https://WWW.Acme.cn/about` -> `acme.cn`; `alice@Acme.cn` -> `acme.cn`."""
    value = (value or "").strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    value = value.split("/", 1)[0].split(":", 1)[0].strip(".")
    if value.startswith("www."):
        value = value[4:]
    return value


def is_free_mail(domain: str) -> bool:
    return domain_normalise(domain) in FREE_MAIL_DOMAINS


def account_domain_for(*, email: str = "", company_domain: str = "") -> str:
    """The company domain a lead belongs to: the explicit one, else its email's, never a free-mail one."""
    for candidate in (company_domain, email):
        domain = domain_normalise(candidate)
        if domain and "." in domain and domain not in FREE_MAIL_DOMAINS:
            return domain
    return ""


def account_match(*, email: str = "", company_domain: str = "", company: str = "") -> Account | None:
    """Find the account for these details, creating it on first sight of a company domain.

    Idempotent and safe under concurrency: a unique domain plus get-or-create after an IntegrityError.
    """
    domain = account_domain_for(email=email, company_domain=company_domain)
    if not domain:
        return None
    account = Account.objects.filter(domain=domain).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(domain=domain, name=(company or "").strip() or domain)
    except IntegrityError:
        return Account.objects.get(domain=domain)


def accounts_for_domains(*, companies: Mapping[str, str]) -> dict[str, Account]:
    """Account per company domain (`companies` maps domain -> company name for new ones), created on first
    sight: the set-based form of `account_match`, with its unique domain and its default name.

    Three queries whatever the number of domains; idempotent, and a concurrent creator of the same domain wins
    quietly (ignored conflict, then read back).
    """
    if not companies:
        return {}
    found = {account.domain: account for account in Account.objects.filter(domain__in=companies.keys())}
    missing = companies.keys() - found.keys()
    if missing:
        Account.objects.bulk_create(
            [Account(domain=d, name=(companies[d] or "").strip()[:200] or d) for d in sorted(missing)],
            ignore_conflicts=True,
        )
        found.update({account.domain: account for account in Account.objects.filter(domain__in=missing)})
    return {domain: account for domain, account in found.items() if domain is not None}


def account_record_win(*, account: Account, arr_added: Decimal, owner: Any = None) -> Account:
    """A won deal makes the account a customer and adds its first-year value to ARR (one UPDATE).

    An account without a sales owner gets the winning rep, so later leads of the customer reach someone.
    """
    Account.objects.filter(pk=account.pk).update(customer_status=CustomerStatus.CUSTOMER, arr=F("arr") + arr_added)
    if owner is not None:
        Account.objects.filter(pk=account.pk, owner_sales__isnull=True).update(owner_sales=owner)
    account.refresh_from_db(fields=["customer_status", "arr", "owner_sales"])
    return account
