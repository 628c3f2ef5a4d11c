"""Scores follow the writes that change them: a lead's profile (single and bulk upserts) and its touchpoints."""

from __future__ import annotations

import pytest
from django.utils import timezone

from leads.models import Lead
from leads.services.bulk import leads_bulk_upsert
from leads.services.touchpoints import touchpoints_ingest
from leads.services.upsert import lead_upsert
from tests.leads.scoring_helpers import live_ruleset

pytestmark = pytest.mark.django_db(transaction=True)  # the bulk writers score in a task sent at commit


def test_a_single_upsert_answers_with_the_scores_of_the_profile_it_wrote() -> None:
    # given: rules that give a software director fit points
    live_ruleset()

    # when
    lead = lead_upsert(data={"email": "dir@acme.cn", "industry": "software", "title": "市场总监"}).lead

    # then: the returned lead already carries its fit (long-tail: 10 + 5) and grade
    assert lead.fit_score == 15
    assert lead.grade == "D4"
    assert Lead.objects.get(pk=lead.pk).fit_score == 15


def test_bulk_upserted_leads_are_scored_after_commit() -> None:
    # given
    live_ruleset()

    # when
    result = leads_bulk_upsert(records=[{"email": f"b{i}@acme.cn", "industry": "software"} for i in range(3)])

    # then: every lead of the batch has its fit score and a scoring time
    leads = Lead.objects.filter(pk__in=[row.id for row in result.rows])
    assert sorted(lead.fit_score for lead in leads) == [10, 10, 10]
    assert all(lead.scored_at is not None for lead in leads)


def test_ingested_touchpoints_raise_the_engagement_score() -> None:
    # given: a lead with no engagement yet
    live_ruleset()
    lead = lead_upsert(data={"email": "eng@acme.cn"}).lead
    assert lead.engagement_score == 0

    # when: a meeting (40 points) arrives now
    touchpoints_ingest(records=[{"email": "eng@acme.cn", "kind": "meeting", "occurred_at": timezone.now().isoformat()}])

    # then
    assert Lead.objects.get(pk=lead.pk).engagement_score == 40
