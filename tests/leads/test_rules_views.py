"""The rules page: marketers create, order, apply and delete qualification rules and tags; others get 403."""

from __future__ import annotations

import pytest
from django.test import Client

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Lead, Segment, Tag
from leads.qualification.models import QualificationRule
from tests.factories import LeadFactory, user_with_role

pytestmark = pytest.mark.django_db

GRADE_A = {"field": "grade", "op": "in", "value": ["A1", "A2"]}


def browser(role: str = Role.MARKETER) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(role))
    return client


def test_marketer_creates_a_rule_sees_its_live_match_count_and_applies_it():
    segment = Segment.objects.create(name="A grades", rule=GRADE_A)
    matching = LeadFactory.create_batch(2, grade="A1")
    LeadFactory(grade="C1")
    client = browser()

    created = client.post("/rules/qualification/new/", {"rule-name": "A grades to MQL", "rule-action": "mql",
                                                        "rule-segment": segment.pk, "rule-active": "on"})
    rule = QualificationRule.objects.get()
    page = client.get("/rules/")
    count = client.get(f"/rules/qualification/{rule.pk}/matches/")
    applied = client.post(f"/rules/qualification/{rule.pk}/apply/", follow=True)

    assert created.status_code == 302
    assert "A grades to MQL" in page.content.decode()
    assert count.content.decode() == "2"
    assert "acted on 2 leads" in applied.content.decode()
    assert set(Lead.objects.filter(stage=Stage.MQL).values_list("pk", flat=True)) == {m.pk for m in matching}


def test_a_rule_without_segment_or_with_a_taken_name_shows_the_field_error():
    segment = Segment.objects.create(name="A grades", rule=GRADE_A)
    client = browser()
    client.post("/rules/qualification/new/", {"rule-name": "Taken", "rule-action": "mql", "rule-segment": segment.pk})

    no_segment = client.post("/rules/qualification/new/", {"rule-name": "x", "rule-action": "mql"})
    taken = client.post("/rules/qualification/new/", {"rule-name": "Taken", "rule-action": "hot",
                                                      "rule-segment": segment.pk})  # fmt: skip

    assert no_segment.status_code == 422 and "This field is required" in no_segment.content.decode()
    assert taken.status_code == 422 and "Another rule already has this name." in taken.content.decode()
    assert QualificationRule.objects.count() == 1


def test_rule_tag_created_from_the_page_is_synced_at_once_and_counted():
    segment = Segment.objects.create(name="A grades", rule=GRADE_A)
    LeadFactory.create_batch(3, grade="A2")
    client = browser()

    client.post("/rules/tags/new/", {"tag-name": "a-grade", "tag-category": "fit", "tag-segment": segment.pk})
    page = client.get("/rules/").content.decode()

    tag = Tag.objects.get(name="a-grade")
    assert tag.leads.count() == 3 and tag.synced_at is not None
    assert '<td class="num"><a href="/leads/?tag=a-grade">3</a></td>' in page


def test_moving_a_rule_up_reorders_and_delete_removes_it():
    segment = Segment.objects.create(name="A grades", rule=GRADE_A)
    client = browser()
    for name in ("first", "second"):
        client.post("/rules/qualification/new/", {"rule-name": name, "rule-action": "mql", "rule-segment": segment.pk})
    second = QualificationRule.objects.get(name="second")

    client.post(f"/rules/qualification/{second.pk}/move/up/")
    assert list(QualificationRule.objects.values_list("name", flat=True)) == ["second", "first"]
    client.post(f"/rules/qualification/{second.pk}/delete/")
    assert list(QualificationRule.objects.values_list("name", flat=True)) == ["first"]


@pytest.mark.parametrize("role", [Role.SDR, Role.SALES, Role.SALES_MANAGER])
def test_only_marketing_manages_rules(role):
    assert browser(role).get("/rules/").status_code == 403


def test_lead_list_filters_by_tag():
    tagged, _other = LeadFactory(), LeadFactory()
    tagged.tags.add(Tag.objects.create(name="vip"))
    page = browser().get("/leads/?tag=vip").content.decode()
    assert f"/leads/{tagged.pk}/" in page and f"/leads/{_other.pk}/" not in page
