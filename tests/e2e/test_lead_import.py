"""A marketer imports trade-show name cards in a real browser: upload, map, preview the bad row, import with a
progress bar, download the error report."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from leadflow.roles import Role
from leads.models import Lead, LeadImport
from tests.e2e.helpers import sign_in
from tests.factories import ChannelFactory, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME_CARDS = (
    "姓名,邮箱,手机,公司名称,职位,备注\n"
    "陈静,chen.jing@hd-precision.cn,13800138000,华东精密机械有限公司,采购经理,要报价\n"
    "Kevin Wu,kevin.wu@pacific-foods.com,,Pacific Foods Ltd.,Head of Operations,\n"
    "孙悦,,139 0013 9000,杭州云策软件,市场经理,展位 A12\n"
    "赵敏,zhao.min@,,宁波港联物流,数字化负责人,\n"
)


def test_marketer_imports_a_csv_with_a_bad_row_and_downloads_the_error_report(
    live_server: Any, browser_page: Any, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    marketer = user_with_role(Role.MARKETER, username="wang.fang", first_name="芳", last_name="王")
    ChannelFactory(slug="cmf-expo", name="工博会展会", category="event")
    cards = tmp_path / "工博会名片.csv"
    cards.write_text(NAME_CARDS, encoding="utf-8-sig")
    page = browser_page

    # Given a marketer signed in, on the lead list (in Chinese, as the browser asks)
    sign_in(page, f"{live_server.url}/login/", marketer.username)
    page.wait_for_url(re.compile(r"/leads/$"))

    # When they open the import page and upload the name cards with the trade show as the channel
    page.click("#lead-import-link")
    page.wait_for_url(re.compile(r"/leads/import/$"))
    page.set_input_files("input[type=file]", str(cards))
    page.select_option("select[name=source_channel]", "cmf-expo")
    page.screenshot(path=str(artifacts / "import_upload_zh.png"), full_page=True)
    page.click("#import-upload-form button[type=submit]")

    # Then the columns are preset from the Chinese headers, with sample values
    page.wait_for_url(re.compile(r"/leads/import/\d+/map/$"))
    expect(page.locator("select[name=column_0]")).to_have_value("full_name")
    expect(page.locator("select[name=column_1]")).to_have_value("email")
    expect(page.locator("select[name=column_2]")).to_have_value("phone")
    expect(page.locator("select[name=column_5]")).to_have_value("attribute")
    expect(page.locator("tr[data-column='1'] .samples")).to_contain_text("chen.jing@hd-precision.cn")
    page.screenshot(path=str(artifacts / "import_map_zh.png"), full_page=True)
    page.click("#import-map-form button[type=submit]")

    # And the preview names the bad row (row 5 of the sheet) and the column at fault
    page.wait_for_url(re.compile(r"/leads/import/\d+/preview/$"))
    expect(page.locator("[data-count=new]")).to_have_text("3")
    expect(page.locator("[data-count=invalid]")).to_have_text("1")
    bad_row = page.locator("#preview-failures tr[data-row='5']")
    expect(bad_row).to_contain_text("zhao.min@")
    expect(bad_row.locator(".problems")).to_contain_text("邮箱")
    page.screenshot(path=str(artifacts / "import_preview_zh.png"), full_page=True)

    # When the import starts
    page.click("#import-start-form button[type=submit]")

    # Then the progress reaches 100 % with 3 leads created and 1 row failed
    page.wait_for_url(re.compile(r"/leads/import/\d+/$"))
    progress = page.locator("#import-progress")
    expect(progress).to_have_attribute("data-status", "done")
    expect(page.locator("#import-progress-bar")).to_have_attribute("value", "100")
    expect(progress.locator("[data-percent]")).to_have_text("100 %")
    expect(progress.locator("[data-count=created]")).to_have_text("3")
    expect(progress.locator("[data-count=failed]")).to_have_text("1")
    page.screenshot(path=str(artifacts / "import_done_zh.png"), full_page=True)
    assert Lead.objects.filter(source_channel__slug="cmf-expo").count() == 3

    # And the error report downloads with the bad row and its error
    with page.expect_download() as download_info:
        page.click("#import-errors-link")
    download = download_info.value
    assert download.suggested_filename == "工博会名片-errors.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2
    assert rows[1][:3] == ["5", "赵敏", "zhao.min@"]
    assert "邮箱" in rows[1][-1]

    # And the imported leads are one click away
    page.click("#import-leads-link")
    page.wait_for_url(re.compile(r"/leads/\?lead_import=\d+$"))
    expect(page.locator("#lead-results tbody tr")).to_have_count(3)
    page.screenshot(path=str(artifacts / "import_leads_zh.png"), full_page=True)
    assert LeadImport.objects.get().uploaded_by == marketer
