"""Scores follow the writes that change them: a lead's profile (single and bulk upserts) and its touchpoints."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.choices import Tier
from leads.models import Lead
from leads.scoring.services import leads_scores_refresh
from leads.services.bulk import leads_bulk_upsert
from leads.services.touchpoints import touchpoints_ingest
from leads.services.upsert import lead_upsert
from tests.factories import AccountFactory, ChannelFactory
from tests.leads.scoring_helpers import default_live_ruleset, live_ruleset

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


def test_bulk_created_leads_are_written_with_the_scores_the_sql_pass_gives() -> None:
    # given: the default rules, a key account, a channel with a prior, and varied profiles
    default_live_ruleset()
    AccountFactory(domain="bigco.cn", tier=Tier.S)
    ChannelFactory(slug="expo", prior_score=80)
    titles = ["CEO", "市场总监", "Engineer", "采购经理", ""]
    industries = ["manufacturing", "software", "education", ""]
    records = [{"email": f"p{i}@{'bigco.cn' if i % 3 == 0 else 'acme.cn'}", "title": titles[i % 5],
                "industry": industries[i % 4], "employee_count": [20, 300, 5000][i % 3], "region": "华东",
                "source_channel": "expo" if i % 2 else "", "attributes": {"decision_role": "decision_maker"}}
               for i in range(40)]  # fmt: skip

    # when: created in bulk (scored in memory), then scored again by the SQL pass
    ids = [row.id for row in leads_bulk_upsert(records=records).rows]
    written = list(Lead.objects.filter(pk__in=ids).order_by("pk").values_list("fit_score", "source_score", "grade"))
    leads_scores_refresh(lead_ids=ids, now=timezone.now())

    # then: the SQL pass changes nothing, and the profiles did score differently
    again = list(Lead.objects.filter(pk__in=ids).order_by("pk").values_list("fit_score", "source_score", "grade"))
    assert again == written
    assert len({fit for fit, _source, _grade in written}) > 3


def test_bulk_updated_leads_are_rescored_after_commit() -> None:
    # given: leads scored with an empty profile
    live_ruleset()
    ids = [row.id for row in leads_bulk_upsert(records=[{"email": f"b{i}@acme.cn"} for i in range(3)]).rows]
    assert set(Lead.objects.filter(pk__in=ids).values_list("fit_score", flat=True)) == {0}

    # when: the same people come back with an industry
    leads_bulk_upsert(records=[{"email": f"b{i}@acme.cn", "industry": "software"} for i in range(3)])

    # then: their fit follows the new profile (long-tail software: 10)
    assert set(Lead.objects.filter(pk__in=ids).values_list("fit_score", flat=True)) == {10}


def test_ingested_touchpoints_raise_the_engagement_score() -> None:
    # given: a lead with no engagement yet
    live_ruleset()
    lead = lead_upsert(data={"email": "eng@acme.cn"}).lead
    assert lead.engagement_score == 0

    # when: a meeting (40 points) arrives now
    touchpoints_ingest(records=[{"email": "eng@acme.cn", "kind": "meeting", "occurred_at": timezone.now().isoformat()}])

    # then
    assert Lead.objects.get(pk=lead.pk).engagement_score == 40
