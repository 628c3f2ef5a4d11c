"""Merging two leads: survivor rules of spec/lifecycle.md."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from leadflow.errors import Conflict, ValidationFailed
from leads.choices import Stage
from leads.models import Lead, Tag
from leads.services.identity import lead_follow_merges
from leads.services.leads import lead_set_consent
from leads.services.merge import lead_merge
from leads.services.upsert import lead_upsert
from tests.factories import LeadFactory, TouchpointFactory, make_journey

pytestmark = pytest.mark.django_db


def test_the_survivor_gets_the_union_of_identities_touchpoints_tags_and_history() -> None:
    survivor = lead_upsert(data={"email": "li@acme.cn"}).lead
    other = lead_upsert(data={"phone": "13900001111", "first_name": "雷"}).lead
    TouchpointFactory(lead=survivor)
    TouchpointFactory(lead=other)
    TouchpointFactory(lead=other)
    survivor.tags.add(Tag.objects.create(name="interest:analytics"))
    other.tags.add(Tag.objects.create(name="event:waic"))

    merged = lead_merge(survivor=survivor, other=other)

    assert merged.identities.count() == 2
    assert merged.touchpoints.count() == 3
    assert set(merged.tags.values_list("name", flat=True)) == {"interest:analytics", "event:waic"}
    assert merged.stage_changes.filter(to_stage=Stage.LEAD).count() == 2
    assert merged.first_name == "雷"  # blank field filled from the other
    assert merged.events.filter(kind="merged").exists()


def test_the_survivor_keeps_the_most_advanced_stage() -> None:
    survivor = make_journey(["lead"])
    other = make_journey(["lead", "mql", "sal"])

    merged = lead_merge(survivor=survivor, other=other)

    assert merged.stage == Stage.SAL
    jump = merged.stage_changes.order_by("id").last()
    assert (jump.from_stage, jump.to_stage, jump.actor_label) == ("lead", "sal", f"merge:{other.pk}")


def test_an_active_lead_outranks_a_disqualified_one() -> None:
    survivor = make_journey(["lead", "mql"])
    other = make_journey(["lead", "disqualified"])

    assert lead_merge(survivor=survivor, other=other).stage == Stage.MQL


def test_the_merged_id_still_resolves_to_the_survivor_even_through_chains() -> None:
    first, second, third = LeadFactory(), LeadFactory(), LeadFactory()
    lead_merge(survivor=second, other=first)
    lead_merge(survivor=third, other=second)

    first.refresh_from_db()
    assert lead_follow_merges(lead=first).pk == third.pk
    assert Lead.objects.get(pk=first.pk).merged_into_id == third.pk


def test_the_most_recent_consent_decision_wins() -> None:
    survivor = LeadFactory(consent_email=True, consent_changed_at=timezone.now() - dt.timedelta(days=30))
    other = LeadFactory(consent_email=True)
    lead_set_consent(lead=other, consent_email=False)  # unsubscribed today

    assert lead_merge(survivor=survivor, other=other).consent_email is False


def test_a_lead_cannot_be_merged_into_itself_or_twice() -> None:
    lead, other = LeadFactory(), LeadFactory()
    with pytest.raises(ValidationFailed):
        lead_merge(survivor=lead, other=lead)

    lead_merge(survivor=lead, other=other)
    with pytest.raises(Conflict):
        lead_merge(survivor=lead, other=Lead.objects.get(pk=other.pk))
