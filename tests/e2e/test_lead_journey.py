"""An SDR's day in a real browser: sign in, filter the list in place, qualify a lead to MQL, switch language."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.choices import CustomerStatus, Tier
from leadflow.roles import Role
from leads.choices import Stage, Temperature, TouchpointKind
from leads.models import Lead
from leads.services.leads import lead_assign_owner
from tests.factories import (
    PASSWORD,
    AccountFactory,
    CampaignFactory,
    ChannelFactory,
    TouchpointFactory,
    make_journey,
    user_with_role,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def seed_leads() -> tuple[Any, Lead]:
    """A small, realistic pool: an SDR, a sales rep and a dozen leads across channels and stages."""
    sdr = user_with_role(Role.SDR, username="li.na", first_name="娜", last_name="李")
    rep = user_with_role(Role.SALES, username="zhang.wei", first_name="伟", last_name="张")
    baidu = ChannelFactory(slug="baidu-sem", name="百度搜索")
    webinar = ChannelFactory(slug="webinar", name="线上研讨会", category="webinar")
    expo = ChannelFactory(slug="expo", name="工博会展会", category="event")
    campaign = CampaignFactory(slug="smart-factory-2026", name="智能工厂白皮书 2026", channel=webinar)
    acme = AccountFactory(name="华东精密机械有限公司", domain="hd-precision.cn", tier=Tier.A)
    customer = AccountFactory(name="蓝海化工集团", domain="lanhai-chem.cn", tier=Tier.S,
                              customer_status=CustomerStatus.CUSTOMER, arr=Decimal("860000"))  # fmt: skip
    now = timezone.now()
    people = [
        ("陈", "静", "采购经理", "华东精密机械有限公司", baidu, Temperature.HOT, "A1", (82, 74, 65), acme),
        ("王", "磊", "IT 总监", "蓝海化工集团", webinar, Temperature.WARM, "A2", (88, 52, 70), customer),
        ("刘", "洋", "生产运营副总", "苏州恒新电子", expo, Temperature.WARM, "B2", (64, 48, 58), None),
        ("赵", "敏", "数字化负责人", "宁波港联物流", baidu, Temperature.COLD, "C3", (45, 22, 65), None),
        ("Wu", "Kevin", "Head of Operations", "Pacific Foods Ltd.", webinar, Temperature.HIGH_VALUE, "B1",
         (70, 81, 70), None),
        ("孙", "悦", "市场经理", "杭州云策软件", expo, Temperature.WARM, "", (30, 15, 58), None),
    ]  # fmt: skip
    leads = []
    for index, (last, first, title, company, channel, temperature, grade, scores, account) in enumerate(people):
        lead = make_journey(
            ["lead"], last_name=last, first_name=first, title=title, company=company, source_channel=channel,
            campaign=campaign if channel == webinar else None, temperature=temperature, grade=grade,
            fit_score=scores[0], engagement_score=scores[1], source_score=scores[2], account=account,
            email=f"contact{index}@{(account.domain if account else 'example-corp.cn')}", phone=f"+86139{index:08d}",
            region="上海" if index % 2 else "江苏", industry="制造业", employee_count=300 + index * 150,
            customer_check=account is customer, start=now - dt.timedelta(days=12 - index),
        )  # fmt: skip
        lead_assign_owner(lead=lead, side="sdr", user=sdr)
        leads.append(lead)
    make_journey(["lead", "mql", "sal", "sql", "opportunity"], owner_sdr=sdr, owner_sales=rep, last_name="周",
                 first_name="强", company="无锡新材科技", title="总经理", grade="A1", source_channel=expo)  # fmt: skip
    make_journey(["lead", "disqualified"], last_name="钱", first_name="多", company="某大学", title="学生",
                 source_channel=baidu)  # fmt: skip
    target = leads[0]
    for days, kind in ((9, TouchpointKind.AD_CLICK), (8, TouchpointKind.CONTENT_DOWNLOAD),
                       (3, TouchpointKind.WEBINAR_ATTEND), (1, TouchpointKind.DEMO_REQUEST)):  # fmt: skip
        TouchpointFactory(
            lead=target, kind=kind, channel=baidu if kind == TouchpointKind.AD_CLICK else webinar,
            campaign=campaign if kind != TouchpointKind.AD_CLICK else None, occurred_at=now - dt.timedelta(days=days),
            utm_source="baidu" if kind == TouchpointKind.AD_CLICK else "wechat", utm_medium="cpc",
        )  # fmt: skip
    Lead.objects.filter(pk=target.pk).update(last_touch_at=now - dt.timedelta(days=1))
    return sdr, Lead.objects.get(pk=target.pk)


def test_sdr_filters_list_qualifies_lead_and_switches_language(live_server: Any, browser_page: Any,
                                                               artifacts: Path) -> None:  # fmt: skip
    from playwright.sync_api import expect

    sdr, target = seed_leads()
    page = browser_page

    # Given an SDR on the sign-in page (in Chinese, as the browser asks)
    page.goto(f"{live_server.url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.fill("input[name=username]", sdr.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(re.compile(r"/leads/$"))
    expect(page.locator("#lead-results tbody tr")).to_have_count(8)
    page.click(".filters-more summary")
    page.screenshot(path=str(artifacts / "lead_list_zh.png"), full_page=True)

    # When filtering by search, the table updates in place: no full reload, a shareable URL
    page.evaluate("window.__noReload = true")
    page.fill("#id_q", "华东精密")
    expect(page.locator("#lead-results tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"\?q=%E5%8D%8E"))
    page.locator("label.chip-stage-lead").click()
    expect(page).to_have_url(re.compile(r"stage=lead"))
    expect(page.locator("#lead-results tbody tr")).to_have_count(1)
    assert page.evaluate("window.__noReload") is True
    expect(page.locator(".topbar .langswitch input[name=next]")).to_have_value(re.compile(r"stage=lead"))

    # And opening the lead
    page.click(f"#lead-results a[href='/leads/{target.pk}/']")
    page.wait_for_url(re.compile(rf"/leads/{target.pk}/$"))
    expect(page.locator("#current-stage")).to_have_class(re.compile("stage-lead"))
    page.screenshot(path=str(artifacts / "lead_detail_zh.png"), full_page=True)

    # When the SDR qualifies it to MQL with two BANT points
    page.evaluate("window.__noReload = true")
    page.click("[data-stage-action=mql]")
    form = page.locator("form.stage-form")
    expect(form).to_be_visible()
    form.locator("label.bant-point", has=page.locator("input[name=budget]")).click()
    form.locator("label.bant-point", has=page.locator("input[name=need]")).click()
    form.locator("textarea[name=note]").fill("电话沟通：有预算，计划 Q3 上线")
    page.screenshot(path=str(artifacts / "lead_stage_form_zh.png"), full_page=True)
    form.locator("button[type=submit]").click()

    # Then the new stage, the history row and a success message appear without a reload
    expect(page.locator("#current-stage")).to_have_class(re.compile("stage-mql"))
    newest = page.locator("#stage-history tbody tr").first
    expect(newest.locator(".badge.stage-mql")).to_be_visible()
    expect(newest).to_contain_text("电话沟通")
    expect(page.locator("#messages .alert-success")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    assert Lead.objects.get(pk=target.pk).stage == Stage.MQL

    # When switching to English, the labels are English
    page.click(".topbar .langswitch button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".mainnav")).to_contain_text("Leads")
    expect(page.locator("#stage-panel-title")).to_have_text("Stage")
    expect(page.locator("#current-stage")).to_have_text("MQL")
    page.screenshot(path=str(artifacts / "lead_journey.png"), full_page=True)
