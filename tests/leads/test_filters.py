"""LeadFilterSet: each filter narrows the queryset it is given (the HTML list and the API list share it)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.utils import timezone

from accounts.choices import Tier
from leadflow.roles import Role
from leads.choices import Stage, Temperature
from leads.filters import LeadFilterSet
from leads.models import Lead
from tests.factories import AccountFactory, CampaignFactory, ChannelFactory, LeadFactory, make_journey, user_with_role

pytestmark = pytest.mark.django_db


def filtered(**params: object) -> set[int]:
    """Filter all leads as a request's query string would (`?stage=mql&stage=sal`)."""
    data = QueryDict(urlencode(params, doseq=True))
    filterset = LeadFilterSet(data, queryset=Lead.objects.all())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def test_stage_filter_takes_several_stages():
    new = make_journey(["lead"])
    mql = make_journey(["lead", "mql"])
    sal = make_journey(["lead", "mql", "sal"])

    assert filtered(stage=["mql", "sal"]) == {mql.pk, sal.pk}
    assert filtered(stage="lead") == {new.pk}


def test_temperature_filter():
    hot = LeadFactory(temperature=Temperature.HOT)
    LeadFactory(temperature=Temperature.COLD)

    assert filtered(temperature="hot") == {hot.pk}


def test_owner_matches_either_side_and_owner_sides_match_one():
    sdr, sales = user_with_role(Role.SDR), user_with_role(Role.SALES)
    worked_by_sdr = LeadFactory(owner_sdr=sdr)
    sold_by_sales = LeadFactory(owner_sales=sales)
    both = LeadFactory(owner_sdr=sdr, owner_sales=sales)
    LeadFactory()

    assert filtered(owner=sdr.pk) == {worked_by_sdr.pk, both.pk}
    assert filtered(owner=sales.pk) == {sold_by_sales.pk, both.pk}
    assert filtered(owner_sdr=sdr.pk) == {worked_by_sdr.pk, both.pk}
    assert filtered(owner_sales=sales.pk) == {sold_by_sales.pk, both.pk}


def test_channel_and_campaign_filter_by_slug():
    baidu = ChannelFactory(slug="baidu-sem")
    webinar = CampaignFactory(slug="webinar-2026-05")
    from_baidu = LeadFactory(source_channel=baidu)
    from_webinar = LeadFactory(campaign=webinar)

    assert filtered(channel="baidu-sem") == {from_baidu.pk}
    assert filtered(campaign="webinar-2026-05") == {from_webinar.pk}


def test_unknown_channel_slug_is_a_filter_error():
    filterset = LeadFilterSet({"channel": "nope"}, queryset=Lead.objects.all())

    assert not filterset.is_valid()
    assert "channel" in filterset.errors


def test_grade_filter_takes_exact_grades_and_whole_fit_letters():
    a1, a3, b1 = LeadFactory(grade="A1"), LeadFactory(grade="A3"), LeadFactory(grade="B1")
    LeadFactory(grade="")

    assert filtered(grade="A") == {a1.pk, a3.pk}
    assert filtered(grade="a1,B1") == {a1.pk, b1.pk}


def test_account_tier_and_customer_check():
    strategic = LeadFactory(account=AccountFactory(tier=Tier.S))
    LeadFactory(account=AccountFactory(tier=Tier.C))
    flagged = LeadFactory(customer_check=True)

    assert filtered(account_tier=["S", "A"]) == {strategic.pk}
    assert filtered(customer_check="true") == {flagged.pk}
    assert flagged.pk not in filtered(customer_check="false")


def test_created_and_updated_windows():
    now = timezone.now()
    old = LeadFactory(created_at=now - dt.timedelta(days=40))
    recent = LeadFactory(created_at=now - dt.timedelta(days=2))
    Lead.objects.filter(pk=old.pk).update(updated_at=now - dt.timedelta(days=30))

    cutoff = (now - dt.timedelta(days=10)).date().isoformat()
    assert filtered(created_after=cutoff) == {recent.pk}
    assert filtered(created_before=cutoff) == {old.pk}
    assert filtered(updated_since=(now - dt.timedelta(days=1)).isoformat()) == {recent.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [("ALICE@acme", "alice"), ("13812345678", "alice"), ("Acme", "alice"), ("王小明", "bob"), ("globex bob", "bob")],
)
def test_search_matches_email_phone_company_and_name(query: str, expected: str):
    leads = {
        "alice": LeadFactory(email="alice@acme.cn", phone="+8613812345678", company="Acme 工业", first_name="Alice",
                             last_name="Smith"),
        "bob": LeadFactory(email="bob@globex.cn", company="Globex", first_name="小明", last_name="王"),
    }  # fmt: skip

    assert filtered(q=query) == {leads[expected].pk}


def test_sorts_keep_a_stable_order():
    now = timezone.now()
    older = LeadFactory(created_at=now - dt.timedelta(days=3), grade="B2")
    newer = LeadFactory(created_at=now - dt.timedelta(days=1), grade="A1")
    ungraded = LeadFactory(created_at=now, grade="")

    def order(sort: str) -> list[int]:
        return list(LeadFilterSet({"sort": sort}, queryset=Lead.objects.all()).qs.values_list("pk", flat=True))

    assert order("-created") == [ungraded.pk, newer.pk, older.pk]
    assert order("created") == [older.pk, newer.pk, ungraded.pk]
    assert order("grade") == [newer.pk, older.pk, ungraded.pk]
    assert LeadFilterSet({}, queryset=Lead.objects.all()).qs.first() == ungraded  # newest first by default


def test_filters_only_narrow_the_queryset_given():
    visible = LeadFactory(stage_changed_at=timezone.now())
    LeadFactory()

    filterset = LeadFilterSet({"stage": [Stage.LEAD]}, queryset=Lead.objects.filter(pk=visible.pk))

    assert list(filterset.qs) == [visible]
