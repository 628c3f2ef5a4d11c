"""Bulk rescore: the set-based pass agrees with the per-lead explanation, costs the same queries for any number
of leads, records its progress chunk by chunk, resumes after a stop; activation and the back-test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.choices import Tier
from leadflow.errors import Conflict
from leads.choices import Stage, TouchpointKind
from leads.models import Lead, StageChange
from leads.scoring import services
from leads.scoring.backtest import ruleset_backtest
from leads.scoring.explain import lead_score_explain
from leads.scoring.models import RescoreRun, RescoreStatus, RuleSetStatus
from leads.scoring.services import rescore_run_create, rescore_run_execute, rescore_run_resume, ruleset_activate
from tests.factories import AccountFactory, LeadFactory
from tests.leads.scoring_helpers import NOW, default_live_ruleset, live_ruleset, population, touch

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _rescore_all(chunk_size: int = 7) -> RescoreRun:
    live = default_live_ruleset()
    run = rescore_run_create(ruleset=live, reason="test", now=NOW)
    return rescore_run_execute(run_id=run.pk, chunk_size=chunk_size)


def _assert_rescore_matches_explanations() -> None:
    # given a mixed population scored by the set-based pass with the default rules
    leads = population(40)
    run = _rescore_all()
    assert run.status == RescoreStatus.DONE
    # then every lead's stored scores are what the per-lead explanation computes, and its lines add up
    for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads]).select_related("account", "source_channel"):
        explanation = lead_score_explain(lead=lead)
        assert lead.scored_at == NOW
        assert (explanation.fit, explanation.engagement, explanation.source, explanation.grade) == (
            lead.fit_score, lead.engagement_score, lead.source_score, lead.grade), lead.pk
        for name in ("fit", "engagement", "source"):
            assert sum(line.points for line in explanation.of(name)) == pytest.approx(getattr(explanation, name))


def test_set_based_rescore_gives_the_explained_scores_on_sqlite() -> None:
    _assert_rescore_matches_explanations()


@pytest.mark.postgres
def test_set_based_rescore_gives_the_explained_scores_on_postgresql() -> None:
    _assert_rescore_matches_explanations()


def test_rescore_query_count_does_not_grow_with_the_number_of_leads() -> None:
    live = default_live_ruleset()
    population(5, seed=1)
    small = rescore_run_create(ruleset=live, reason="test", now=NOW)
    with CaptureQueriesContext(connection) as few:
        rescore_run_execute(run_id=small.pk, chunk_size=1000)
    population(60, seed=2)
    large = rescore_run_create(ruleset=live, reason="test", now=NOW)
    with CaptureQueriesContext(connection) as many:
        rescore_run_execute(run_id=large.pk, chunk_size=1000)
    assert len(many) == len(few)


def test_rescore_run_records_progress_chunk_by_chunk_and_resumes_after_a_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    # given 10 leads and a database that fails on the third chunk of 4
    live = live_ruleset()
    leads = [LeadFactory() for _ in range(10)]
    for lead in leads:
        touch(lead, TouchpointKind.MEETING, days_ago=0)
    run = rescore_run_create(ruleset=live, reason="test", now=NOW)
    assert (run.status, run.total, run.done, run.percent) == (RescoreStatus.QUEUED, 10, 0, 0)
    real_update, calls = services._update, []

    def failing_update(*args: object) -> int:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("connection lost")
        return real_update(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "_update", failing_update)
    with pytest.raises(RuntimeError):
        rescore_run_execute(run_id=run.pk, chunk_size=4)
    # then the run stopped after two chunks, with their progress and the reason kept
    run.refresh_from_db()
    assert (run.status, run.done, run.percent, run.last_id) == (RescoreStatus.FAILED, 8, 80, leads[7].pk)
    assert "connection lost" in run.error
    assert Lead.objects.filter(engagement_score=40).count() == 8
    # when it is resumed, it goes on from the last chunk to the end
    rescore_run_resume(run=run)
    run = rescore_run_execute(run_id=run.pk, chunk_size=4)
    assert (run.status, run.done, run.total, run.percent) == (RescoreStatus.DONE, 10, 10, 100)
    assert Lead.objects.filter(engagement_score=40).count() == 10


def test_a_newer_run_supersedes_one_still_queued() -> None:
    live = live_ruleset()
    first = rescore_run_create(ruleset=live, reason="test", now=NOW)
    rescore_run_create(ruleset=live, reason="test", now=NOW)
    first = rescore_run_execute(run_id=first.pk)
    assert first.status == RescoreStatus.FAILED and first.done == 0


def test_activating_a_draft_retires_the_live_version_and_queues_a_rescore(
    django_capture_on_commit_callbacks: pytest.FixtureDef,
) -> None:
    old = live_ruleset()
    draft = services.ruleset_draft_create(source=old)
    lead = LeadFactory()
    touch(lead, TouchpointKind.MEETING, days_ago=0, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        run = ruleset_activate(ruleset=draft, now=NOW)
    old.refresh_from_db()
    draft.refresh_from_db()
    run.refresh_from_db()
    assert (old.status, draft.status, draft.activated_at) == (RuleSetStatus.RETIRED, RuleSetStatus.LIVE, NOW)
    assert (draft.version, run.ruleset_id, run.status) == (old.version + 1, draft.pk, RescoreStatus.DONE)
    lead.refresh_from_db()
    assert lead.engagement_score == 40 and lead.scored_at == NOW
    with pytest.raises(Conflict):
        ruleset_activate(ruleset=old, now=NOW)


def test_backtest_counts_mql_worthy_leads_and_their_customers_for_each_version() -> None:
    # given the live rules and a draft that values meetings far less, over a built history:
    live = live_ruleset()
    draft = services.ruleset_draft_create(source=live)
    draft.touchpoint_points = {**draft.touchpoint_points, "meeting": 5}
    draft.save()

    def lead(days_old: int, *, meetings_after_days: list[int], customer: bool) -> Lead:
        created = NOW - days_old * DAY
        row = LeadFactory(industry="software", title="总监", created_at=created, stage=Stage.LEAD)
        for after in meetings_after_days:
            touch(row, TouchpointKind.MEETING, days_ago=0, now=created + after * DAY)
        if customer:
            StageChange.objects.create(lead=row, from_stage=Stage.OPPORTUNITY, to_stage=Stage.CUSTOMER,
                                       at=created + 60 * DAY)  # fmt: skip
        return row

    # key accounts, so fit is 50 (B): the engagement digit decides between B1 (MQL-worthy) and the rest
    key = AccountFactory(tier=Tier.S)
    rows = [
        lead(80, meetings_after_days=[27, 28, 29], customer=True),  # 3 meetings 1-3 days before its cut-off
        lead(80, meetings_after_days=[27, 28, 29], customer=False),
        lead(80, meetings_after_days=[40, 41], customer=True),  # meetings after the 30-day cut-off: ignored
        lead(20, meetings_after_days=[1, 2, 3], customer=False),  # younger than 30 days: judged as of NOW
        lead(400, meetings_after_days=[1, 2], customer=True),  # outside the 3-month window
    ]
    Lead.objects.filter(pk__in=[r.pk for r in rows]).update(account=key, industry="software", title="销售总监")
    result = ruleset_backtest(candidate=draft, months=3, now=NOW)
    # live: fit 50 (B) + three recent meetings (40 each, capped at 100; the young one 79) -> B1 for leads 1, 2, 4
    assert (result.live.leads, result.live.mql, result.live.customers) == (4, 3, 1)
    # draft: meetings worth 5 -> engagement 10-14 -> B3, nobody is MQL-worthy
    assert (result.candidate.leads, result.candidate.mql, result.candidate.customers) == (4, 0, 0)
    assert result.live.precision == pytest.approx(1 / 3)
