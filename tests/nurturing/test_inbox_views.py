"""The sales inbox, tasks page and the manager's SLA board (htmx fragments and full pages)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Lead, StageChange
from leads.services.stages import lead_transition
from nurturing.models import ClockStatus, PolicyCode, SlaClock
from nurturing.services.tasks import task_create
from tests.factories import user_with_role
from tests.nurturing.conftest import new_lead

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _mql(rep: Any, committed: Any, **kwargs: Any) -> Lead:
    start = timezone.now() - dt.timedelta(hours=2)
    lead = new_lead(owner_sales=rep, bant_budget=True, bant_need=True, stage_changed_at=start - dt.timedelta(days=1),
                    **kwargs)  # fmt: skip
    with committed():
        return lead_transition(lead=lead, to=Stage.MQL, at=start, now=start)


def test_inbox_lists_my_mqls_with_a_live_countdown_and_not_others(committed: Any) -> None:
    rep, other = user_with_role(Role.SALES), user_with_role(Role.SALES)
    mine = _mql(rep, committed, company="华东精密")
    _mql(other, committed, company="别人的公司")
    page = _client(rep).get("/nurturing/inbox/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "华东精密" in html and "别人的公司" not in html
    due = SlaClock.objects.get(lead=mine).due_at
    assert f'data-due="{timezone.localtime(due).isoformat()}"' in html


def test_accepting_from_the_inbox_moves_the_mql_to_sal_and_meets_the_clock(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    lead = _mql(rep, committed)
    with committed():
        response = _client(rep).post(f"/nurturing/inbox/{lead.pk}/sal/", {}, headers=HTMX)
    lead.refresh_from_db()
    assert response.status_code == 200 and lead.stage == Stage.SAL
    assert SlaClock.objects.get(lead=lead, policy__code=PolicyCode.MQL_ACCEPT).status == ClockStatus.MET
    assert 'id="inbox"' in response.content.decode() and "<html" not in response.content.decode()


def test_rejecting_without_a_reason_names_the_field_and_changes_nothing(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    lead = _mql(rep, committed)
    response = _client(rep).post(f"/nurturing/inbox/{lead.pk}/lead/", {}, headers=HTMX)
    lead.refresh_from_db()
    assert response.status_code == 422 and lead.stage == Stage.MQL
    assert "field-error" in response.content.decode()


def test_rejecting_with_a_reason_returns_the_lead_with_that_reason(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    lead = _mql(rep, committed)
    prefix = f"l{lead.pk}-lead"
    with committed():
        response = _client(rep).post(f"/nurturing/inbox/{lead.pk}/lead/",
                                     {f"{prefix}-reason": "no_budget", f"{prefix}-note": "明年再谈"}, headers=HTMX)
    change = StageChange.objects.filter(lead=lead).latest("id")
    assert response.status_code == 200
    assert (change.to_stage, change.reason, change.note) == (Stage.LEAD, "no_budget", "明年再谈")
    assert SlaClock.objects.get(lead=lead, policy__code=PolicyCode.MQL_ACCEPT).status == ClockStatus.RETURNED


def test_qualifying_sal_to_sql_with_bant_then_opening_an_opportunity(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    lead = _mql(rep, committed)
    client = _client(rep)
    with committed():
        client.post(f"/nurturing/inbox/{lead.pk}/sal/", {}, headers=HTMX)
        p = f"l{lead.pk}-sql"
        sql = client.post(f"/nurturing/inbox/{lead.pk}/sql/", {f"{p}-budget": "on", f"{p}-authority": "on",
                                                                f"{p}-need": "on", f"{p}-timing": "on"}, headers=HTMX)
        p = f"l{lead.pk}-opportunity"
        opened = client.post(f"/nurturing/inbox/{lead.pk}/opportunity/",
                             {f"{p}-amount": "360000", f"{p}-expected_close": "2027-03-31"}, headers=HTMX)
    lead.refresh_from_db()
    assert (sql.status_code, opened.status_code, lead.stage) == (200, 200, Stage.OPPORTUNITY)
    assert str(lead.opportunities.get().amount) == "360000.00"


def test_the_inbox_is_for_sales_roles_only() -> None:
    assert _client(user_with_role(Role.MARKETER)).get("/nurturing/inbox/").status_code == 403


def test_tasks_page_completes_a_task_in_place() -> None:
    sdr = user_with_role(Role.SDR)
    task = task_create(lead=new_lead(owner_sdr=sdr), due_at=timezone.now() - dt.timedelta(hours=1), title="回访")
    client = _client(sdr)
    assert "回访" in client.get("/nurturing/tasks/").content.decode()
    response = client.post(f"/nurturing/tasks/{task.pk}/done/", {"outcome": "no_answer"}, headers=HTMX)
    task.refresh_from_db()
    assert response.status_code == 200 and task.outcome == "no_answer" and task.done_at is not None


def test_manager_board_shows_the_teams_clocks_and_is_closed_to_reps(committed: Any) -> None:
    rep, manager = user_with_role(Role.SALES), user_with_role(Role.SALES_MANAGER)
    _mql(rep, committed, company="看板公司")
    assert _client(rep).get("/nurturing/clocks/").status_code == 403
    page = _client(manager).get("/nurturing/clocks/")
    assert page.status_code == 200 and "看板公司" in page.content.decode()


def test_lead_page_shows_the_sla_clocks_card(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    lead = _mql(rep, committed)
    html = _client(rep).get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="lead-sla"' in html and "data-due=" in html
    other = new_lead(owner_sales=rep)
    assert 'id="lead-sla"' not in _client(rep).get(f"/leads/{other.pk}/").content.decode()
