"""factory_boy factories and journey helpers shared by every test folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Account
from leadflow.roles import Role
from leads.choices import ChannelCategory, ChannelRoute, Stage, TouchpointKind
from leads.models import Campaign, Channel, Lead, StageChange, Touchpoint
from leads.services.stages import lead_transition

PASSWORD = "pass-Word-123"  # every factory user's password (the browser tests sign in with it)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@leadflow.test")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Sequence[Role | str] | None, **kwargs: Any) -> None:
        if create and extracted:
            for role in extracted:
                self.groups.add(Group.objects.get_or_create(name=str(role))[0])


def user_with_role(role: Role | str, **kwargs: Any) -> User:
    return UserFactory(roles=[role], **kwargs)


def role_client(role: Role | str | None = Role.MARKETER) -> tuple[APIClient, User]:
    """A token-authenticated API client for a new user with `role` (no role: a user without one)."""
    user = user_with_role(role) if role else UserFactory()
    return token_client(user), user


def token_client(user: User) -> APIClient:
    """An API client that authenticates as `user` with its token (created on first use)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Company {n}")
    domain = factory.Sequence(lambda n: f"company{n}.cn")


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"channel-{n}")
    name = factory.Sequence(lambda n: f"Channel {n}")
    category = ChannelCategory.SEARCH_ADS
    route = ChannelRoute.SDR
    prior_score = 60


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    slug = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.Sequence(lambda n: f"Campaign {n}")
    channel = factory.SubFactory(ChannelFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    """A bare lead row. Use `make_journey` for a lead with stage history."""

    class Meta:
        model = Lead

    email = factory.Sequence(lambda n: f"lead{n}@example-corp.cn")
    first_name = "小明"
    last_name = "王"
    company = "示例科技"
    source_channel = factory.SubFactory(ChannelFactory)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    lead = factory.SubFactory(LeadFactory)
    kind = TouchpointKind.PAGE_VIEW
    occurred_at = factory.LazyFunction(timezone.now)


def make_journey(
    stages: Sequence[Stage | str], *, lead: Lead | None = None, start: dt.datetime | None = None,
    step: dt.timedelta = dt.timedelta(days=1), **lead_kwargs: Any,
) -> Lead:  # fmt: skip
    """A lead walked through `stages` (the first must be "lead") by the system, one `step` apart."""
    assert stages[0] == Stage.LEAD
    start = start or timezone.now() - step * len(stages)
    if lead is None:
        lead = LeadFactory(created_at=start, stage_changed_at=start, **lead_kwargs)
        StageChange.objects.create(lead=lead, from_stage="", to_stage=Stage.LEAD, at=start)
    at = start
    for stage in stages[1:]:
        at += step
        extra: dict[str, Any] = {}
        if stage == Stage.MQL:
            extra["bant"] = {"budget": True, "need": True}
        if stage == Stage.SQL:
            extra["bant"] = {"budget": True, "authority": True, "need": True, "timing": True}
        if stage in (Stage.OPPORTUNITY, Stage.CUSTOMER):
            extra["amount"] = Decimal("120000")
            extra["expected_close"] = (at + dt.timedelta(days=30)).date()
        if stage in (Stage.LOST,):
            extra["reason"] = "price"
        if stage in (Stage.DISQUALIFIED,):
            extra["reason"] = "spam"
        lead = lead_transition(lead=lead, to=stage, at=at, now=at, **extra)
    return lead
