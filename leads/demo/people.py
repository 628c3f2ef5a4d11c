"""Accounts, and the people who become leads: channel, campaign, creation time, profile and fit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from accounts.choices import SizeBand, Tier
from leads.choices import ChannelCategory
from leads.demo.catalog import (
    BRANDS,
    CHANNELS,
    CORE_INDUSTRIES,
    EVENT_CHANNELS,
    FREE_MAIL,
    GIVEN,
    INDUSTRIES,
    MOBILE_PREFIXES,
    REGION_WEIGHTS,
    REGIONS,
    SIZE_RANGES,
    SURNAMES,
    TERRITORIES,
    TIER_SIZES,
    TIERS,
    TITLES,
    ChannelSpec,
)
from leads.demo.plans import AccountPlan, CampaignPlan, LeadPlan, Rng, Window
from leads.demo.timeline import local_at, seasonal_day, triangular, weighted_choice


def accounts_plan(rng: Rng, count: int) -> list[AccountPlan]:
    """Companies named region city + brand + industry suffix; each call with the same rng yields a prefix
    of the same sequence, so a smaller demo has the first accounts of the full one."""
    accounts: list[AccountPlan] = []
    names: set[str] = set()
    domains: set[str] = set()
    industries = [(name, weight) for name, (weight, _suffixes) in INDUSTRIES.items()]
    while len(accounts) < count:
        region = weighted_choice(rng, list(REGION_WEIGHTS.items()))
        city, city_py = rng.choice(REGIONS[region])
        brand, brand_py = rng.choice(BRANDS)
        industry = weighted_choice(rng, industries)
        suffix, abbr = rng.choice(INDUSTRIES[industry][1])
        tier = weighted_choice(rng, TIERS)
        legal = "股份有限公司" if tier in (Tier.S, Tier.A) and rng.random() < 0.5 else "有限公司"
        name = f"{city}{brand}{suffix}{legal}"
        domain = f"{brand_py}-{abbr}.{rng.choice(('com.cn', 'com', 'cn'))}"
        if domain in domains:
            domain = f"{brand_py}{city_py}.com.cn"
        size = rng.choice(TIER_SIZES[tier])
        owned = tier in (Tier.S, Tier.A) or (tier == Tier.B and rng.random() < 0.3)
        territory = TERRITORIES[region][len(accounts) % len(TERRITORIES[region])]
        if name in names or domain in domains:
            continue
        names.add(name)
        domains.add(domain)
        accounts.append(AccountPlan(len(accounts), name, domain, industry, size, region, tier,
                                    territory if owned else None, territory))  # fmt: skip
    return accounts


def lead_new(
    rng: Rng, window: Window, campaigns: list[CampaignPlan], accounts: list[AccountPlan], used: set[str]
) -> LeadPlan:
    spec = weighted_choice(rng, [(spec, spec.share) for spec in CHANNELS])
    campaign, day = _lead_campaign_day(rng, window, spec, campaigns)
    if spec.slug in EVENT_CHANNELS:
        created = local_at(day, 9, 30) + dt.timedelta(minutes=rng.randint(0, 420))
    elif day in window.business_days:
        created = local_at(day, 8) + dt.timedelta(minutes=int(triangular(rng, 0, 150, 900)))
    else:
        created = local_at(day, 9) + dt.timedelta(minutes=rng.randint(0, 780))
    account = None if rng.random() < spec.free_mail else _account_pick(rng, spec, accounts)
    profile, seniority = _profile(rng, account, used)
    fit = _fit(rng, account, seniority)
    return LeadPlan(spec=spec, campaign=campaign, account=account, created_at=created, profile=profile, fit=fit,
                    seniority=seniority)  # fmt: skip


def _lead_campaign_day(
    rng: Rng, window: Window, spec: ChannelSpec, campaigns: list[CampaignPlan]
) -> tuple[CampaignPlan | None, dt.date]:
    own = [c for c in campaigns if c.channel == spec.slug and c.lead_from <= c.lead_to]
    if not own or rng.random() < spec.organic:
        return None, seasonal_day(rng, window, window.days[0], window.days[-1])
    weights = [c.weight * _days_weight(window, c.lead_from, c.lead_to) for c in own]
    campaign = rng.choices(own, weights=weights)[0]
    return campaign, seasonal_day(rng, window, campaign.lead_from, campaign.lead_to)


def _days_weight(window: Window, lo: dt.date, hi: dt.date) -> float:
    i, j = (lo - window.days[0]).days, (hi - window.days[0]).days
    return window.day_weights[j] - (window.day_weights[i - 1] if i else 0.0)


def _account_pick(rng: Rng, spec: ChannelSpec, accounts: list[AccountPlan]) -> AccountPlan:
    targeted = spec.category in (ChannelCategory.ABM, ChannelCategory.SALES_SOURCED)
    weights = {Tier.S: 10, Tier.A: 6, Tier.B: 1, Tier.C: .3} if targeted else \
        {Tier.S: 4, Tier.A: 2.5, Tier.B: 1.5, Tier.C: 1}  # fmt: skip
    return rng.choices(accounts, weights=[weights[Tier(a.tier)] for a in accounts])[0]


def _profile(rng: Rng, account: AccountPlan | None, used: set[str]) -> tuple[dict[str, Any], int]:
    """Name, title, email (company domain or free mail), mobile and company details of one person."""
    last, last_py = rng.choice(SURNAMES)
    given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    first, first_py = "".join(g[0] for g in given), "".join(g[1] for g in given)
    title, seniority, _w = rng.choices(TITLES, weights=[t[2] for t in TITLES])[0]
    if account is not None:
        local = rng.choice((f"{first_py}.{last_py}", f"{last_py}{first_py}", f"{last_py}.{first_py}",
                            f"{first_py[0]}{last_py}"))  # fmt: skip
        domain = account.domain
    else:
        domain = weighted_choice(rng, FREE_MAIL)
        local = str(rng.randint(10_000_000, 3_999_999_999)) if domain == "qq.com" else \
            f"{last_py}{first_py}{rng.randint(1, 999)}"  # fmt: skip
    email = f"{local}@{domain}"
    while email in used:
        email = f"{local}{rng.randint(2, 99)}@{domain}"
    used.add(email)
    phone = ""
    if rng.random() < 0.75:
        phone = f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"
        if phone in used:
            phone = ""
        used.add(phone)
    company = _company(rng, account)
    person = {"email": email, "phone": phone, "first_name": first, "last_name": last, "title": title}
    return {**person, **company, "consent_email": rng.random() < 0.7}, seniority


def _company(rng: Rng, account: AccountPlan | None) -> dict[str, Any]:
    if account is None:
        region = weighted_choice(rng, list(REGION_WEIGHTS.items()))
        if rng.random() < 0.3:
            return {"region": region}
        city, _py = rng.choice(REGIONS[region])
        industry = rng.choice(list(INDUSTRIES))
        suffix = INDUSTRIES[industry][1][0][0]
        return {"company": f"{city}{rng.choice(BRANDS)[0]}{suffix}有限公司", "industry": industry, "region": region,
                "employee_count": rng.randint(8, 199)}  # fmt: skip
    low, high = SIZE_RANGES[SizeBand(account.size_band)]
    return {"company": account.name, "company_domain": account.domain, "industry": account.industry,
            "region": account.region, "employee_count": rng.randint(low, high)}  # fmt: skip


def _fit(rng: Rng, account: AccountPlan | None, seniority: int) -> int:
    base = {Tier.S: 82, Tier.A: 70, Tier.B: 57, Tier.C: 44}[Tier(account.tier)] if account else 30
    core = 6 if account is not None and account.industry in CORE_INDUSTRIES else 0
    return max(0, min(100, round(base + core + (seniority - 1) * 8 + rng.gauss(0, 7))))
