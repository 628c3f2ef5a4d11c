"""CSV export of the lead list: the same filters and visibility as the list, translated headers, streamed."""

from __future__ import annotations

import csv
import io

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import Stage
from tests.factories import AccountFactory, ChannelFactory, LeadFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

EXPORT_URL = reverse("leads:export")
BOM = b"\xef\xbb\xbf"


def export(client: Client, user: User, query: str = "", language: str | None = None) -> tuple[bytes, list[list[str]]]:
    client.force_login(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"{EXPORT_URL}?{query}")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def exported_ids(rows: list[list[str]]) -> set[int]:
    return {int(row[0]) for row in rows[1:]}


def test_export_needs_login(client: Client):
    response = client.get(EXPORT_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_export_is_refused_to_a_user_without_a_role(client: Client):
    client.force_login(UserFactory())

    assert client.get(EXPORT_URL).status_code == 403


def test_export_streams_utf8_csv_with_bom_and_a_dated_filename(client: Client):
    LeadFactory(first_name="小明", last_name="王", company="示例科技")
    client.force_login(user_with_role(Role.MARKETER))

    response = client.get(EXPORT_URL)
    body = b"".join(response.streaming_content)

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="leads-{timezone.localdate():%Y-%m-%d}.csv"'
    assert body.startswith(BOM)
    assert body.count(BOM) == 1
    assert "示例科技" in body.decode("utf-8-sig")


def test_header_row_follows_the_language(client: Client):
    LeadFactory(stage=Stage.MQL)
    user = user_with_role(Role.MARKETER)

    _, chinese = export(client, user)
    _, english = export(Client(), user, language="en")

    assert chinese[0][:4] == ["编号", "创建时间", "更新时间", "阶段"]
    assert english[0][:4] == ["ID", "Created", "Updated", "Stage"]
    assert len(chinese[0]) == len(english[0]) == len(chinese[1])
    assert chinese[1][3] == "市场认可线索"
    assert english[1][3] == "MQL"


def test_export_applies_the_list_filters(client: Client):
    baidu = ChannelFactory(slug="baidu-sem")
    wanted = LeadFactory(stage=Stage.MQL, source_channel=baidu, company="Acme 上海")
    LeadFactory(stage=Stage.MQL, company="Acme 北京")  # another channel
    LeadFactory(stage=Stage.LEAD, source_channel=baidu, company="Acme 深圳")  # another stage
    LeadFactory(stage=Stage.MQL, source_channel=baidu, company="Other")  # no search match

    _, rows = export(client, user_with_role(Role.MARKETER), "stage=mql&channel=baidu-sem&q=acme")

    assert exported_ids(rows) == {wanted.pk}


def test_export_has_every_page_in_the_list_order(client: Client):
    leads = LeadFactory.create_batch(30)

    _, rows = export(client, user_with_role(Role.MARKETER), "sort=created&per_page=25&page=2")

    assert [int(row[0]) for row in rows[1:]] == [lead.pk for lead in sorted(leads, key=lambda x: (x.created_at, x.pk))]


def test_export_shows_only_the_leads_the_role_may_see(client: Client):
    rep = user_with_role(Role.SALES)
    own = LeadFactory(stage=Stage.SQL, owner_sales=rep)
    LeadFactory(stage=Stage.SQL)  # someone else's
    LeadFactory(stage=Stage.LEAD)  # the SDR pool, not the rep's
    merged_away = LeadFactory(stage=Stage.SQL, owner_sales=rep)
    merged_away.merged_into = own
    merged_away.save()

    _, rows = export(client, rep)

    assert exported_ids(rows) == {own.pk}


def test_owner_and_related_names_are_in_the_row(client: Client):
    sdr = UserFactory(first_name="伟", last_name="李")
    LeadFactory(owner_sdr=sdr, account=AccountFactory(name="示例集团"), phone="+8613900001111")

    _, rows = export(client, user_with_role(Role.MARKETER))

    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["SDR 负责人"], row["客户账户"], row["电话"]) == ("李伟", "示例集团", "+8613900001111")


def test_a_cell_that_looks_like_a_formula_is_exported_as_text(client: Client):
    LeadFactory(company='=HYPERLINK("http://evil")')

    _, rows = export(client, user_with_role(Role.MARKETER))

    assert rows[1][rows[0].index("公司")] == '\'=HYPERLINK("http://evil")'


def _queries_for_export(client: Client, user: User) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"{EXPORT_URL}?stage=lead")
        b"".join(response.streaming_content)
    return len(captured)


def test_query_count_does_not_grow_with_rows(client: Client):
    user = user_with_role(Role.MARKETER)

    def add_leads(count: int) -> None:
        for _ in range(count):
            LeadFactory(owner_sdr=UserFactory(), owner_sales=UserFactory(), account=AccountFactory())

    add_leads(2)
    few = _queries_for_export(client, user)
    add_leads(20)
    many = _queries_for_export(client, user)

    assert many == few


def test_list_page_links_to_the_export_with_its_filters(client: Client):
    client.force_login(user_with_role(Role.MARKETER))

    page = client.get(reverse("leads:list"), {"stage": "mql", "q": "acme"}).content.decode()

    assert f'href="{EXPORT_URL}?stage=mql&amp;q=acme"' in page
    assert "导出 CSV" in page
