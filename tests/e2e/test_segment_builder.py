"""A marketer builds a nested segment in a real browser, watches the live count follow each change, and
saves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Segment, Tag
from tests.factories import LeadFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-Word-123"


def seed_pool() -> None:
    """7 good fits (4 new leads, 2 of them tagged vip; 3 MQLs) and 5 poor fits."""
    vip = Tag.objects.create(name="vip", category="account")
    for index in range(4):
        lead = LeadFactory(fit_score=80, stage=Stage.LEAD, company=f"华东精密 {index}")
        if index < 2:
            lead.tags.add(vip)
    LeadFactory.create_batch(3, fit_score=80, stage=Stage.MQL)
    LeadFactory.create_batch(5, fit_score=20, stage=Stage.LEAD)


def test_marketer_builds_a_nested_segment_with_a_live_count_and_saves_it(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    seed_pool()
    marketer = user_with_role(Role.MARKETER, username="lin.xw", first_name="晓雯", last_name="林")
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", marketer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")

    page.click("nav.mainnav a[href='/segments/']")
    page.click("#segment-new")
    count = page.locator("#segment-count")
    expect(count).to_have_text("7")  # the starter rule: fit score at least 60

    # Inside the top AND group: an OR group of "stage is MQL" or "has the tag vip"
    page.locator(".seg-add-group").last.click()
    inner = page.locator(".seg-group .seg-group").first
    inner.locator(".seg-cond .seg-field").first.select_option("stage")
    inner.locator(".seg-cond .seg-value").first.select_option("mql")
    expect(count).to_have_text("3")
    inner.locator(".seg-add-condition").click()
    inner.locator(".seg-cond .seg-field").nth(1).select_option("__tag")
    inner.locator(".seg-cond").nth(1).locator(".seg-value").select_option("vip")
    expect(count).to_have_text("5")

    # NOT on the inner group: good fits that are neither MQL nor vip
    inner.locator(".seg-negate").check()
    expect(count).to_have_text("2")
    expect(page.locator("#segment-preview .segment-sample tbody tr")).to_have_count(2)
    page.screenshot(path=str(artifacts / "segment-builder.png"), full_page=True)

    page.fill("#id_name", "新线索 · 高匹配")
    page.fill("#id_description", "匹配度高、未进入 MQL、非 VIP")
    page.click("#segment-save")

    expect(page.locator("#messages .alert-success")).to_be_visible()
    segment = Segment.objects.get()
    assert segment.owner == marketer
    assert segment.rule == {"all": [
        {"field": "fit_score", "op": "gte", "value": 60},
        {"not": {"any": [{"field": "stage", "op": "eq", "value": "mql"}, {"tag": "vip"}]}},
    ]}  # fmt: skip
    expect(count).to_have_text("2")  # the saved segment reopens in the builder with its count
    page.click("nav.mainnav a[href='/segments/']")
    expect(page.locator("#segment-table")).to_contain_text("新线索 · 高匹配")
