"""Rule-set pages: marketers only, a version's rules, the back-test figures, copy to a draft, activation that
rescores and the polling progress fragment; the lead page explains its scores."""

from __future__ import annotations

import pytest
from django.test import Client

from leadflow.roles import Role
from leads.choices import TouchpointKind
from leads.scoring.models import RescoreRun, RescoreStatus, RuleSetStatus, ScoringRuleSet
from leads.scoring.services import leads_scores_refresh
from tests.factories import LeadFactory, user_with_role
from tests.leads.scoring_helpers import NOW, live_ruleset, touch

pytestmark = pytest.mark.django_db


def _client(role: Role) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def test_rule_set_pages_are_for_marketers_only() -> None:
    live = live_ruleset()
    assert _client(Role.SDR).get("/leads/scoring/").status_code == 403
    assert _client(Role.SDR).get(f"/leads/scoring/{live.pk}/").status_code == 403
    page = _client(Role.MARKETER).get("/leads/scoring/")
    assert page.status_code == 200 and f"v{live.version}" in page.content.decode()


def test_version_page_shows_rules_and_back_test_figures() -> None:
    live = live_ruleset()
    page = _client(Role.MARKETER).get(f"/leads/scoring/{live.pk}/?months=3", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "industry in target list" in html and 'id="backtest-figures"' in html


def test_copy_then_activate_makes_the_draft_live_and_rescores(django_capture_on_commit_callbacks: object) -> None:
    live = live_ruleset()
    lead = LeadFactory()
    touch(lead, TouchpointKind.MEETING, days_ago=0, now=NOW)
    client = _client(Role.MARKETER)
    response = client.post(f"/leads/scoring/{live.pk}/copy/")
    draft = ScoringRuleSet.objects.get(status=RuleSetStatus.DRAFT)
    assert response.status_code == 302 and draft.version == live.version + 1
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(f"/leads/scoring/{draft.pk}/activate/")
    run = RescoreRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/leads/scoring/runs/{run.pk}/"
    assert run.status == RescoreStatus.DONE and run.done == run.total == 1
    fragment = client.get(f"/leads/scoring/runs/{run.pk}/", HTTP_HX_REQUEST="true")
    assert 'data-status="done"' in fragment.content.decode() and "hx-trigger" not in fragment.content.decode()


def test_progress_fragment_polls_while_the_run_is_active() -> None:
    live = live_ruleset()
    run = RescoreRun.objects.create(ruleset=live, now=NOW, total=10, done=4, status=RescoreStatus.RUNNING)
    html = _client(Role.MARKETER).get(f"/leads/scoring/runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html and 'value="40"' in html


@pytest.mark.parametrize(("language", "words"), [("en", "Why these scores?"), ("zh-hans", "为什么")])
def test_lead_page_explains_its_scores_in_both_languages(language: str, words: str) -> None:
    live_ruleset()
    lead = LeadFactory(industry="software")
    touch(lead, TouchpointKind.WEBINAR_ATTEND, days_ago=3, now=NOW)
    leads_scores_refresh(lead_ids=[lead.pk], now=NOW)
    client = _client(Role.MARKETER)
    client.cookies["django_language"] = language
    html = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="score-explanation"' in html and words in html
    assert 'data-total="fit">10<' in html
