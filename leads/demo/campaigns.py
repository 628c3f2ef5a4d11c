"""Campaigns of the demo year, each with its monthly or one-off costs: paid media, content, events, programs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leadflow.calendar import is_business_day
from leads.choices import CostCategory
from leads.demo.plans import CampaignPlan, Rng, Window
from leads.demo.timeline import month_add


def _campaign(
    window: Window, rng: Rng, slug: str, name: str, channel: str, starts: dt.date, ends: dt.date, *,
    monthly: tuple[str, int, int] | None = None, lump: tuple[str, int, int] | None = None,
    lead_days: tuple[dt.date, dt.date] | None = None, weight: float = 1.0,
) -> CampaignPlan | None:  # fmt: skip
    """A campaign with its monthly costs up to today; None when it lies outside the window."""
    if starts >= window.today or ends < window.days[0]:
        return None
    lead_from, lead_to = lead_days or (starts, ends)
    lead_from, lead_to = max(lead_from, window.days[0]), min(lead_to, window.days[-1])
    campaign = CampaignPlan(slug, name, channel, starts, ends, lead_from, lead_to, weight)
    planned = 0
    for month in window.months:
        month_end = month_add(month, 1) - dt.timedelta(days=1)
        overlap = (min(ends, month_end) - max(starts, month)).days + 1
        if overlap <= 0:
            continue
        if monthly is not None:
            amount = rng.randint(monthly[1], monthly[2]) * overlap / month_end.day
            elapsed = (min(ends, month_end, window.days[-1]) - max(starts, month)).days + 1
            planned += int(amount)
            if elapsed > 0:
                campaign.costs.append((month, monthly[0], Decimal(round(amount * elapsed / overlap, -2))))
        if lump is not None and month == starts.replace(day=1):
            amount = rng.randint(lump[1], lump[2])
            planned += amount
            campaign.costs.append((month, lump[0], Decimal(round(amount, -3))))
    campaign.budget = Decimal(round(planned * rng.uniform(1.0, 1.12), -3))
    return campaign


def _quarters(window: Window, months: int) -> list[tuple[dt.date, dt.date, str]]:
    """Periods of `months` months (aligned on the calendar year) that overlap the window: (start, end, label)."""
    periods = []
    first = window.days[0]
    month = dt.date(first.year, 1 + (first.month - 1) // months * months, 1)
    while month < window.today:
        end = month_add(month, months) - dt.timedelta(days=1)
        number = (month.month - 1) // months + 1
        label = f"{month.year} {'Q' if months == 3 else 'H'}{number}" if months < 12 else f"{month.year}"
        periods.append((max(month, first), end, label))
        month = month_add(month, months)
    return periods


def campaigns_plan(rng: Rng, window: Window) -> list[CampaignPlan]:
    planned = [
        *_campaigns_paid(rng, window),
        *_campaigns_content(rng, window),
        *_campaigns_events(rng, window),
        *_campaigns_programs(rng, window),
    ]
    return [campaign for campaign in planned if campaign is not None]


def _campaigns_paid(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    media = CostCategory.MEDIA
    out: list[CampaignPlan | None] = []
    for start, end, label in _quarters(window, 3):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-baidu-sem-brand", f"{label} 百度SEM 品牌词", "baidu-sem", start,
                             end, monthly=(media, 28_000, 38_000), weight=1.2))  # fmt: skip
        out.append(_campaign(window, rng, f"{slug}-baidu-sem-industry", f"{label} 百度SEM 行业词", "baidu-sem",
                             start, end, monthly=(media, 36_000, 55_000), weight=0.8))  # fmt: skip
    for start, end, label in _quarters(window, 6):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-baidu-feed", f"{label} 百度信息流推广", "baidu-feed", start, end,
                             monthly=(media, 20_000, 34_000)))  # fmt: skip
        out.append(_campaign(window, rng, f"{slug}-douyin", f"{label} 抖音短视频投放", "douyin", start, end,
                             monthly=(media, 15_000, 26_000)))  # fmt: skip
    first, last = window.days[0], window.months[-1] + dt.timedelta(days=27)
    out.append(_campaign(window, rng, f"linkedin-{first:%Y%m}", "领英精准投放", "linkedin", first, last,
                         monthly=(media, 9_000, 14_000)))  # fmt: skip
    return out


def _campaigns_content(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    out: list[CampaignPlan | None] = []
    first = window.months[0]
    papers = ("制造业数字化白皮书", "B2B 营销增长报告", "化工行业数字化转型白皮书", "医疗器械合规营销指南")
    for n, title in enumerate(papers):
        launch = month_add(first, 1 + 3 * n) + dt.timedelta(days=9)
        out.append(_campaign(window, rng, f"whitepaper-{launch:%Y%m}", title, "whitepaper", launch,
                             launch + dt.timedelta(days=120), lump=(CostCategory.CONTENT, 30_000, 60_000),
                             monthly=(CostCategory.MEDIA, 4_000, 8_000)))  # fmt: skip
    topics = ("线索评分实战", "SDR 团队搭建", "营销 ROI 归因", "私域运营与企微", "AI 驱动的销售预测")
    for n, topic in enumerate(topics):
        day = _weekday_in(month_add(first, 1 + 2 * n) + dt.timedelta(days=14))
        out.append(_campaign(window, rng, f"webinar-{day:%Y%m%d}", f"{topic} 线上研讨会", "webinar", day, day,
                             lump=(CostCategory.CONTENT, 8_000, 15_000),
                             lead_days=(day - dt.timedelta(days=14), day)))  # fmt: skip
    for n, topic in enumerate(("制造业老板说", "增长黑客直播间", "年终营销复盘")):
        day = _weekday_in(month_add(first, 2 + 4 * n) + dt.timedelta(days=20))
        out.append(_campaign(window, rng, f"channels-live-{day:%Y%m%d}", f"视频号直播 · {topic}", "channels-live",
                             day, day, lump=(CostCategory.MEDIA, 3_000, 6_000),
                             lead_days=(day - dt.timedelta(days=7), day)))  # fmt: skip
    for start, end, label in _quarters(window, 6):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-edm-newsletter", f"{label} 产品通讯 EDM", "edm", start, end,
                             monthly=(CostCategory.CONTENT, 4_000, 6_000)))  # fmt: skip
    wechat = month_add(first, 3)
    out.append(_campaign(window, rng, f"wechat-{wechat:%Y%m}-mfg", "公众号 智能制造专题", "wechat-official", wechat,
                         wechat + dt.timedelta(days=60), lump=(CostCategory.CONTENT, 10_000, 20_000)))  # fmt: skip
    zhihu = month_add(first, 5)
    out.append(_campaign(window, rng, f"zhihu-{zhihu:%Y%m}-column", "知乎 B2B 增长专栏", "zhihu", zhihu,
                         zhihu + dt.timedelta(days=150), monthly=(CostCategory.CONTENT, 3_000, 5_000)))  # fmt: skip
    return out


def _weekday_in(day: dt.date) -> dt.date:
    """The day itself or the next working day (events and webinars are not held on holidays)."""
    while not is_business_day(day, country="CN"):
        day += dt.timedelta(days=1)
    return day


def _campaigns_events(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    events = CostCategory.EVENTS
    out: list[CampaignPlan | None] = []
    for year in sorted({day.year for day in window.days}):
        day = dt.date(year, 7, 26)
        out.append(_campaign(window, rng, f"{year}-waic", f"{year} WAIC 世界人工智能大会", "waic-expo", day,
                             day + dt.timedelta(days=2), lump=(events, 450_000, 650_000), weight=3))  # fmt: skip
    summits = ((4, 17, "中国制造业数字化峰会", "mfg-summit"), (9, 18, "CIO 年度峰会", "cio-summit"),
               (12, 5, "SaaS 增长大会", "saas-growth"))  # fmt: skip
    salons = ((3, "上海", "shanghai"), (5, "深圳", "shenzhen"), (8, "北京", "beijing"), (10, "苏州", "suzhou"),
              (11, "成都", "chengdu"))  # fmt: skip
    for year in sorted({day.year for day in window.days}):
        for month, mday, name, slug in summits:
            day = _weekday_in(dt.date(year, month, mday))
            if window.days[0] <= day:
                out.append(_campaign(window, rng, f"{year}-{slug}", f"{year} {name}", "industry-summit", day,
                                     day + dt.timedelta(days=1), lump=(events, 120_000, 250_000)))  # fmt: skip
        for month, city, slug in salons:
            day = _weekday_in(dt.date(year, month, 22))
            if window.days[0] <= day:
                name = f"{day:%Y.%m} {city} · 数字化营销客户沙龙"
                out.append(_campaign(window, rng, f"{day:%Y%m}-salon-{slug}", name, "offline-salon", day, day,
                                     lump=(events, 25_000, 50_000)))  # fmt: skip
    return out


def _campaigns_programs(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    media = CostCategory.MEDIA
    first, last = window.days[0], window.months[-1] + dt.timedelta(days=27)
    out: list[CampaignPlan | None] = [
        _campaign(window, rng, f"referral-{first:%Y%m}", "客户推荐有礼计划", "customer-referral", first, last,
                  monthly=(media, 8_000, 14_000)),
    ]  # fmt: skip
    out.append(_campaign(window, rng, f"partner-{first:%Y%m}", "渠道伙伴联合推广计划", "partner", first, last,
                         monthly=(media, 15_000, 25_000)))  # fmt: skip
    for start, end, label in _quarters(window, 6):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-abm-outbound", f"{label} ABM 重点客户外呼", "abm-outbound", start,
                             end, monthly=(media, 10_000, 18_000)))  # fmt: skip
    return out
