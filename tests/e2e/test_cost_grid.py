"""A marketer types monthly costs into the grid in a real browser: each cell saves itself, the totals follow,
and a bad amount is refused in place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from leadflow.roles import Role
from leads.models import Cost
from tests.e2e.helpers import sign_in
from tests.factories import ChannelFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_types_costs_and_the_totals_follow(live_server: Any, browser_page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    baidu = ChannelFactory(slug="baidu", name="Baidu")
    Cost.objects.create(channel=baidu, month=dt.date(2026, 1, 1), category="media", amount=Decimal("1000"))
    marketer = user_with_role(Role.MARKETER, username="wu.l")
    page = browser_page
    sign_in(page, f"{live_server.url}/login/?next=/marketing/costs/%3Fyear%3D2026", marketer.username)

    row = f"channel-{baidu.pk}-media"
    expect(page.locator(f"#rowtotal-{row}")).to_have_text("¥1,000.00")
    page.evaluate("window.__sameDocument = true")
    february = page.locator(f"#cell-{row}-2026-02 input")
    february.fill("2,500.50")
    february.press("Tab")
    expect(page.locator(f"#rowtotal-{row}")).to_have_text("¥3,500.50")
    expect(page.locator("#coltotal-2026-02")).to_have_text("¥2,500.50")
    expect(page.locator("#grandtotal")).to_have_text("¥3,500.50")

    march = page.locator(f"#cell-{row}-2026-03 input")
    march.fill("12abc")
    march.press("Tab")
    expect(page.locator(f"#cell-{row}-2026-03 .field-error")).to_be_visible()
    expect(page.locator("#grandtotal")).to_have_text("¥3,500.50")
    assert page.evaluate("window.__sameDocument === true")
    page.screenshot(path=str(artifacts / "cost-grid.png"), full_page=True)
    assert Cost.objects.get(month=dt.date(2026, 2, 1)).amount == Decimal("2500.50")
    assert not Cost.objects.filter(month=dt.date(2026, 3, 1)).exists()
