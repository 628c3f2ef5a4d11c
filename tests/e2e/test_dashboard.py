"""A marketer opens the dashboard on seeded data, narrows it to one channel and another period, sees the chart
and its table follow without a page reload, and downloads the table as CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from leadflow.roles import Role
from tests.e2e.helpers import sign_in
from tests.factories import ChannelFactory, make_journey, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at(month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10))


def seed() -> tuple[Any, Any]:
    """Baidu: 3 leads in February (1 customer, 1 SQL, 1 lead) and 1 in May; WeChat: 1 MQL in February."""
    baidu = ChannelFactory(slug="baidu", name="百度搜索")
    wechat = ChannelFactory(slug="wechat", name="微信公众号")
    make_journey(["lead", "mql", "sal", "sql", "opportunity", "customer"], start=at(2, 2), source_channel=baidu)
    make_journey(["lead", "mql", "sal", "sql"], start=at(2, 3), source_channel=baidu)
    make_journey(["lead"], start=at(2, 4), source_channel=baidu)
    make_journey(["lead"], start=at(5, 4), source_channel=baidu)
    make_journey(["lead", "mql"], start=at(2, 5), source_channel=wechat)
    return baidu, wechat


def lead_count(page: Any) -> str:
    return str(page.locator("#table-funnel tbody tr").first.locator("td").nth(1).inner_text())


def test_marketer_filters_the_dashboard_in_place_and_exports_csv(
    live_server: Any, browser_page: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    baidu, wechat = seed()
    marketer = user_with_role(Role.MARKETER, username="zhou.m", first_name="敏", last_name="周")
    page = browser_page
    sign_in(page, f"{live_server.url}/login/?next=/analytics/%3Ffrom%3D2026-01-01%26to%3D2026-03-31", marketer.username)

    chart = page.locator("#chart-funnel")
    expect(chart.locator(".main-svg").first).to_be_attached()  # plotly.js (served locally) drew the funnel
    expect(page.locator("#table-funnel tbody tr").first).to_contain_text("4")
    page.evaluate("window.__sameDocument = true")

    # One channel: WeChat had a single lead that became an MQL
    page.select_option("#id_channel", str(wechat.pk))
    expect(page.locator("#table-funnel tbody tr").first.locator("td").nth(1)).to_have_text("1")
    assert page.evaluate("window.__sameDocument === true")  # swapped in place, no reload
    assert f"channel={wechat.pk}" in page.url  # the filtered board is bookmarkable
    expect(chart.locator(".main-svg").first).to_be_attached()

    # Baidu over a wider period picks up its May lead too
    page.select_option("#id_channel", str(baidu.pk))
    page.fill("#id_to", "2026-06-30")
    page.locator("#id_to").dispatch_event("change")
    expect(page.locator("#table-funnel tbody tr").first.locator("td").nth(1)).to_have_text("4")
    assert page.evaluate("window.__sameDocument === true")
    page.screenshot(path=str(artifacts / "dashboard-filtered.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#panel-funnel a.csv-link").first.click()
    download = download_info.value
    assert download.suggested_filename == "funnel_2026-01-01_2026-06-30.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith("\ufeff".encode())
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[1].split(",")[2] == "4" and len(lines) == 7  # heading + six stages
