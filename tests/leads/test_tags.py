"""Tags: rule tags follow their segment (added and removed set-based, idempotent); people cannot set them by
hand; manual tags keep working."""

from __future__ import annotations

import datetime as dt

import pytest

from leadflow.errors import ValidationFailed
from leads.models import Lead, Segment, Tag
from leads.services.edit import lead_set_tags
from leads.services.tags import tag_save, tags_rules_sync, tags_with_counts
from tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
HIGH_FIT = {"field": "fit_score", "op": "gte", "value": 60}


def rule_tag(name: str = "high-fit", tree: dict | None = None) -> Tag:
    segment = Segment.objects.create(name=f"segment {name}", rule=tree or HIGH_FIT)
    return tag_save(tag=None, data={"name": name, "category": "fit", "segment": segment})


def names(lead: Lead) -> set[str]:
    return set(lead.tags.values_list("name", flat=True))


def test_rule_tag_is_added_to_members_and_removed_when_a_lead_leaves_the_segment():
    tag = rule_tag()
    fits, poor = LeadFactory(fit_score=80), LeadFactory(fit_score=20)

    first = tags_rules_sync(now=NOW)
    Lead.objects.filter(pk=fits.pk).update(fit_score=10)
    second = tags_rules_sync(now=NOW)

    assert [(r.added, r.removed) for r in first] == [(1, 0)]
    assert [(r.added, r.removed) for r in second] == [(0, 1)]
    assert names(fits) == set() and names(poor) == set()
    tag.refresh_from_db()
    assert tag.synced_at == NOW


def test_sync_twice_changes_nothing_the_second_time():
    rule_tag()
    LeadFactory.create_batch(3, fit_score=90)

    tags_rules_sync(now=NOW)

    assert [(r.added, r.removed) for r in tags_rules_sync(now=NOW)] == [(0, 0)]


def test_sync_for_some_leads_leaves_the_others_alone():
    rule_tag()
    touched, untouched = LeadFactory(fit_score=80), LeadFactory(fit_score=80)

    tags_rules_sync(now=NOW, lead_ids=[touched.pk])

    assert names(touched) == {"high-fit"} and names(untouched) == set()


def test_manual_change_cannot_add_a_rule_tag_and_does_not_remove_one():
    rule_tag()
    member, other = LeadFactory(fit_score=80), LeadFactory(fit_score=10)
    tags_rules_sync(now=NOW)

    with pytest.raises(ValidationFailed) as refused:
        lead_set_tags(lead=other, names=["vip", "high-fit"])
    lead_set_tags(lead=member, names=["vip"])

    assert "tags" in refused.value.errors
    assert names(member) == {"vip", "high-fit"}


def test_counts_and_save_errors_name_the_field():
    tag = rule_tag()
    LeadFactory.create_batch(2, fit_score=80)
    tags_rules_sync(now=NOW)

    assert {t.name: t.lead_count for t in tags_with_counts()} == {"high-fit": 2}
    with pytest.raises(ValidationFailed) as clash:
        tag_save(tag=None, data={"name": "high-fit"})
    with pytest.raises(ValidationFailed) as blank:
        tag_save(tag=tag, data={"name": ""})
    assert "name" in clash.value.errors and "name" in blank.value.errors


def test_lead_page_edits_manual_tags_and_explains_a_refused_rule_tag():
    from django.test import Client

    from leadflow.roles import Role
    from tests.factories import user_with_role

    rule_tag()
    lead = LeadFactory(fit_score=10)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(Role.MARKETER))

    form = client.get(f"/leads/{lead.pk}/tags/?edit=1", HTTP_HX_REQUEST="true")
    saved = client.post(f"/leads/{lead.pk}/tags/", {"tags": "vip，展会名片"}, HTTP_HX_REQUEST="true")
    refused = client.post(f"/leads/{lead.pk}/tags/", {"tags": "vip, high-fit"}, HTTP_HX_REQUEST="true")

    assert 'name="tags"' in form.content.decode()
    assert saved.status_code == 200 and names(lead) == {"vip", "展会名片"}
    assert refused.status_code == 422 and "LeadFlow adds and removes rule tags itself" in refused.content.decode()
    assert f"/leads/{lead.pk}/tags/" in client.get(f"/leads/{lead.pk}/").content.decode()
