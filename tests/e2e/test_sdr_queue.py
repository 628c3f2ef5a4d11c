"""An SDR works the queue in a real browser: claims a hot lead from the pool, logs a call whose outcome is
"meeting booked", and the qualification rule makes the lead an MQL that routing hands to a sales rep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage, Temperature
from leads.models import Lead, Segment, StageChange
from leads.qualification.models import QualificationAction
from leads.qualification.services import qualification_rule_save
from leads.routing.choices import TeamRole
from leads.routing.models import AssignmentRule, Team
from tests.e2e.helpers import sign_in
from tests.factories import LeadFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sdr_claims_a_hot_lead_logs_meeting_booked_and_it_goes_to_sales(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    sdr = user_with_role(Role.SDR, username="zhao.mei", first_name="梅", last_name="赵")
    rep = user_with_role(Role.SALES, username="chen.wei", first_name="伟", last_name="陈")
    team = Team.objects.create(name="华东销售", role=TeamRole.SALES)
    team.members.add(rep)
    AssignmentRule.objects.create(name="All MQLs to East", side=OwnerSide.SALES, team=team, order=10)
    segment = Segment.objects.create(
        name="Meeting booked", rule={"event": {"kind": "call", "outcome": "meeting_booked", "within_days": 7}}
    )
    qualification_rule_save(rule=None, data={"name": "Meeting booked", "segment": segment,
                                             "action": QualificationAction.MQL})  # fmt: skip
    cold = LeadFactory(first_name="冷", last_name="客户", grade="A1", temperature=Temperature.COLD)
    hot = LeadFactory(first_name="热", last_name="线索", grade="C3", temperature=Temperature.HOT,
                      company="苏州精工")  # fmt: skip

    page = browser_page
    sign_in(page, f"{live_server.url}/login/", sdr.username)
    page.click("nav.mainnav a[href='/queue/']")
    page.click(".queue-scopes a[href='/queue/?scope=pool']")

    items = page.locator(".queue-item")
    expect(items.first).to_have_attribute("data-lead", str(hot.pk))  # hot before an A1 that is cold
    expect(items.nth(1)).to_have_attribute("data-lead", str(cold.pk))
    items.first.focus()
    page.keyboard.press("c")  # claim from the keyboard
    expect(page.locator("#queue .alert-success")).to_be_visible()
    assert Lead.objects.get(pk=hot.pk).owner_sdr_id == sdr.pk

    page.click(".queue-scopes a[href='/queue/?scope=mine']")
    mine = page.locator(f"#queue-lead-{hot.pk}")
    mine.locator("select[name$='-kind']").select_option("call")
    mine.locator("select[name$='-outcome']").select_option("meeting_booked")
    mine.locator("input[name$='-log-note']").fill("周四下午演示")
    mine.get_by_role("button", name="记录").click()

    expect(page.locator("#queue .alert-success")).to_be_visible()
    expect(page.locator(f"#queue-lead-{hot.pk}")).to_have_count(0)  # an MQL is no longer SDR work
    page.screenshot(path=str(artifacts / "sdr-queue.png"), full_page=True)
    lead = Lead.objects.get(pk=hot.pk)
    assert (lead.stage, lead.owner_sales_id) == (Stage.MQL, rep.pk)
    assert StageChange.objects.get(lead=lead, to_stage=Stage.MQL).actor_label == "rule:Meeting booked"
