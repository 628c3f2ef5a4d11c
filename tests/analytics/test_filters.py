"""The common filters: parsing request parameters, and each filter narrowing the leads a panel counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from accounts.choices import Tier
from analytics.queries.base import filters_from_params
from analytics.queries.funnel import FunnelQuery
from leadflow.errors import ValidationFailed
from leadflow.roles import Role
from leads.segments.models import Segment
from tests.analytics.helpers import local, period
from tests.factories import AccountFactory, CampaignFactory, ChannelFactory, make_journey, user_with_role

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 15)


def test_defaults_are_the_twelve_months_up_to_today() -> None:
    filters = filters_from_params(QueryDict(""), today=TODAY)

    assert (filters.date_from, filters.date_to) == (dt.date(2025, 7, 1), TODAY)


def test_channels_and_campaigns_by_slug_or_id_repeated_or_comma_separated() -> None:
    a, b = ChannelFactory(slug="a"), ChannelFactory(slug="b")
    spring = CampaignFactory(slug="spring")

    filters = filters_from_params(QueryDict(f"channel=a,{b.pk}&channel=a&campaign=spring&from=2026-01-01"),
                                  today=TODAY)  # fmt: skip

    assert filters.channel_ids == tuple(sorted((a.pk, b.pk))) and filters.campaign_ids == (spring.pk,)
    assert filters.date_from == dt.date(2026, 1, 1)


def test_every_bad_parameter_is_named() -> None:
    with pytest.raises(ValidationFailed) as error:
        filters_from_params({"channel": "nope", "from": "soon", "owner": "x", "account_tier": "Z"}, today=TODAY)

    assert set(error.value.errors) == {"channel", "from", "owner", "account_tier"}
    assert "nope" in error.value.errors["channel"][0]


def test_unknown_segment_is_named() -> None:
    with pytest.raises(ValidationFailed) as error:
        filters_from_params({"segment": "999"}, today=TODAY)
    assert "segment" in error.value.errors


def _cohort_count(**filters: object) -> int:
    return int(FunnelQuery(filters=period(**filters)).run().data["stages"][0]["count"])


def test_owner_tier_campaign_and_segment_narrow_the_leads() -> None:
    sdr = user_with_role(Role.SDR)
    big = AccountFactory(tier=Tier.S)
    spring = CampaignFactory(slug="spring")
    make_journey(["lead"], start=local(2026, 2, 1), owner_sdr=sdr, account=big, industry="software")
    make_journey(["lead"], start=local(2026, 2, 1), campaign=spring, industry="software")
    make_journey(["lead"], start=local(2026, 2, 1), industry="retail")
    segment = Segment.objects.create(name="Software", rule={"field": "industry", "op": "eq", "value": "software"})

    assert _cohort_count() == 3
    assert _cohort_count(owner_id=sdr.pk) == 1
    assert _cohort_count(account_tier="S") == 1
    assert _cohort_count(campaign_ids=(spring.pk,)) == 1
    assert _cohort_count(segment_id=segment.pk) == 2


def test_extra_frames_export_with_their_own_headings() -> None:
    make_journey(["lead", "mql"], start=local(2026, 2, 1))

    result = FunnelQuery(filters=period()).run()

    header = result.frame_csv("benchmarks").splitlines()[0]
    assert header.split(",")[0] == result.extra_columns["benchmarks"]["key"]
    assert result.frame_csv().splitlines()[0].split(",")[0] == result.columns["stage"]
