"""A marketer builds a nested segment in a real browser, watches the live count follow each change, and
saves it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Segment, Tag
from tests.e2e.helpers import sign_in
from tests.factories import LeadFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    sign_in(page, f"{live_server.url}/login/", marketer.username)

    page.click("#nav-marketing")
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
    page.click("#nav-marketing")
    page.click("nav.mainnav a[href='/segments/']")
    expect(page.locator("#segment-table")).to_contain_text("新线索 · 高匹配")


def test_a_saved_segment_of_every_kind_of_condition_reopens_unchanged(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    from tests.factories import CampaignFactory, ChannelFactory

    Tag.objects.create(name="vip")
    webinar = ChannelFactory(slug="webinar", name="线上研讨会")
    CampaignFactory(slug="launch-2026", name="新品发布", channel=webinar)
    rule = {"not": {"any": [
        {"all": [
            {"field": "industry", "op": "in", "value": ["manufacturing", "chemicals"]},
            {"field": "fit_score", "op": "between", "value": [40, 90]},
            {"field": "stage", "op": "in", "value": ["lead", "mql"]},
            {"field": "consent_email", "op": "eq", "value": True},
            {"field": "created_at", "op": "gte", "value": "2026-01-01"},
            {"field": "source_channel", "op": "eq", "value": "webinar"},
            {"field": "account.tier", "op": "is_null", "value": False},
            {"field": "last_touch_at", "op": "is_null", "value": True},
        ]},
        {"not": {"tag": "vip"}},
        {"event": {"kind": "webinar_attend", "channel": "webinar", "campaign": "launch-2026", "count_lte": 3}},
        {"event": {"kind": ["email_open", "email_click"], "within_days": 30, "count_gte": 2}},
        {"field": "attributes.seats", "op": "gt", "value": 100},
        {"field": "attributes.plan", "op": "not_in", "value": ["free", 0]},
        {"field": "title", "op": "contains", "value": "市场"},
    ]}}  # fmt: skip
    segment = Segment.objects.create(name="Everything", rule=rule)
    marketer = user_with_role(Role.MARKETER, username="lin.xw")
    page = browser_page
    sign_in(page, f"{live_server.url}/login/?next=/segments/{segment.pk}/", marketer.username)

    expect(page.locator("#segment-count")).to_be_visible()
    page.screenshot(path=str(artifacts / "segment-builder-every-condition.png"), full_page=True)

    assert json.loads(page.input_value("#id_rule")) == rule
    expect(page.locator("#segment-preview .segment-error-list")).to_have_count(0)
