"""A sales manager, in a real browser, creates a weighted assignment rule and sets next month's allocation for
one rep in the grid (saved with htmx as they leave the cell); the grid shows it after a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from leadflow.roles import Role
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.models import AssignmentRule, MonthlyAllocation, Team
from leads.routing.selectors import month_shift, month_start
from tests.e2e.helpers import sign_in
from tests.factories import user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sales_manager_creates_a_rule_and_sets_next_months_allocation(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    # given a sales team of two reps
    reps = [user_with_role(Role.SALES, username=name) for name in ("zhang.wei", "li.na")]
    team = Team.objects.create(name="华东销售", role=TeamRole.SALES)
    team.members.set(reps)
    manager = user_with_role(Role.SALES_MANAGER, username="chen.jing", first_name="静", last_name="陈")
    page = browser_page
    sign_in(page, f"{live_server.url}/login/", manager.username)

    # when the manager creates a weighted rule for manufacturing leads of S and A accounts on the sales side
    page.click("#nav-sales-ops")
    page.click("nav.mainnav a[href='/routing/']")
    page.click("#rule-new")
    page.fill("#id_name", "华东制造 · 大客户")
    page.select_option("#id_side", "sales")
    page.select_option("#id_team", str(team.pk))
    page.select_option("#id_method", AssignmentMethod.WEIGHTED)
    page.fill("#id_industries", "manufacturing，制造业")
    page.locator("#rule-form .chip", has_text="S").click()
    page.locator("#rule-form .chip", has_text="A").first.click()
    page.click("#rule-save")

    # then the rule list shows it
    expect(page.locator("#rule-table")).to_contain_text("华东制造 · 大客户")
    rule = AssignmentRule.objects.get()
    assert (rule.side, rule.team_id, rule.method) == ("sales", team.pk, AssignmentMethod.WEIGHTED)
    assert {"field": "account.tier", "op": "in", "value": ["S", "A"]} in rule.conditions["all"]

    # when next month's share of zhang.wei is set to 70 in the allocation grid (saved when the cell is left)
    page.click("nav.subnav a[href='/routing/allocations/']")
    next_month = month_shift(month_start(timezone.now()), 1)
    cell = page.locator(f"#allocation-grid tr[data-user='{reps[0].pk}'] td[data-month='{next_month:%Y-%m}']")
    with page.expect_response(lambda response: "/routing/allocations/set/" in response.url):
        cell.locator("input[name=weight]").fill("70")
        cell.locator("input[name=weight]").press("Tab")
    assert MonthlyAllocation.objects.get().weight == 70

    # then the grid shows it after a reload
    page.reload()
    expect(cell.locator("input[name=weight]")).to_have_value("70")
    page.screenshot(path=str(artifacts / "routing-allocation-grid.png"), full_page=True)
