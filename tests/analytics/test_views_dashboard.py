"""Dashboard pages: permissions, the page and its htmx fragment, the table beside the chart, CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadflow.roles import Role
from tests.factories import ChannelFactory, make_journey, user_with_role

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


def client_for(role: Role) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(role))
    return client


def at(day: int, month: int = 2) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 10))


@pytest.fixture
def journeys() -> dict[str, object]:
    """Given 3 leads from Baidu in February (one customer, one SQL, one lead) and 1 from WeChat (MQL)."""
    baidu, wechat = ChannelFactory(slug="baidu", name="Baidu"), ChannelFactory(slug="wechat", name="WeChat")
    make_journey(["lead", "mql", "sal", "sql", "opportunity", "customer"], start=at(2), source_channel=baidu)
    make_journey(["lead", "mql", "sal", "sql"], start=at(3), source_channel=baidu)
    make_journey(["lead"], start=at(4), source_channel=baidu)
    make_journey(["lead", "mql"], start=at(5), source_channel=wechat)
    return {"baidu": baidu, "wechat": wechat}


def test_sdr_may_not_open_the_dashboards() -> None:
    assert client_for(Role.SDR).get(reverse("analytics:overview")).status_code == 403


def test_overview_shows_the_funnel_chart_table_and_csv_link(journeys: dict[str, object]) -> None:
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "vendor/plotly/plotly.min.js" in body and "cdn" not in body.lower()
    view = next(view for view in response.context["panels"] if view.panel.slug == "funnel")
    figure = json.loads(view.chart_json)
    assert figure["data"][0]["type"] == "funnel"
    assert figure["data"][0]["x"] == [4, 3, 2, 2, 1, 1]  # lead, MQL, SAL, SQL, opportunity, customer
    table = view.tables[0]
    assert [row[1][0] for row in table.rows] == ["4", "3", "2", "2", "1", "1"]
    assert table.rows[1][2][0] == "75.0\u00a0%"  # MQL from lead: 3 / 4
    assert 'id="table-funnel-benchmarks"' in body
    assert reverse("analytics:export", args=["funnel"]) in body


def test_filter_change_answers_only_the_panels_fragment(journeys: dict[str, object]) -> None:
    wechat = journeys["wechat"]
    response = client_for(Role.SALES_MANAGER).get(
        reverse("analytics:overview"),
        {**PERIOD, "channel": wechat.pk},
        HTTP_HX_REQUEST="true",  # type: ignore[attr-defined]
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.startswith('<div id="analytics-panels"')
    view = response.context["panels"][0]
    assert json.loads(view.chart_json)["data"][0]["x"] == [1, 1, 0, 0, 0, 0]
    assert 'id="filter-errors"' in body and 'hx-swap-oob="true"' in body


def test_bad_period_is_reported_beside_the_filters_and_defaults_are_shown(journeys: dict[str, object]) -> None:
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), {"from": "2026-04-01", "to": "2026-01-01"})
    assert response.status_code == 200
    assert "The end of the period is before its start." in response.content.decode()
    assert response.context["errors"]["to"]


def test_funnel_csv_export_has_a_bom_translated_headings_and_the_same_figures(journeys: dict[str, object]) -> None:
    response = client_for(Role.MARKETER).get(reverse("analytics:export", args=["funnel"]), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="funnel_2026-01-01_2026-03-31.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:3] == ["Stage key", "Stage", "Leads that reached it"]
    assert [row[2] for row in rows[1:]] == ["4", "3", "2", "2", "1", "1"]


def test_benchmark_csv_export_uses_the_benchmark_headings(journeys: dict[str, object]) -> None:
    response = client_for(Role.MARKETER).get(
        reverse("analytics:export", args=["funnel"]), {**PERIOD, "frame": "benchmarks"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8")[1:])))
    assert rows[0][:3] == ["Benchmark key", "Conversion", "Rate"]
    lead_mql = next(row for row in rows if row[0] == "lead_mql")
    assert float(lead_mql[2]) == pytest.approx(0.75)


def test_export_of_an_unknown_panel_is_404() -> None:
    client = client_for(Role.MARKETER)
    assert client.get(reverse("analytics:export", args=["nope"])).status_code == 404
    assert client.get(reverse("analytics:export", args=["funnel"]), {"frame": "nope"}).status_code == 404


def test_chinese_dashboard_labels_are_translated(journeys: dict[str, object]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user_with_role(Role.MARKETER))
    response = client.get(reverse("analytics:overview"), PERIOD)
    view = response.context["panels"][0]
    assert view.tables[0].headers[0][1] != "Stage"


def _won_with_cost() -> None:
    """Given one Baidu customer won in February for ¥120,000 (its only touchpoint a Baidu visit, inside the
    spring-expo campaign) and ¥40,000 of Baidu media cost in February, ¥20,000 of it on the campaign."""
    from decimal import Decimal

    from leads.models import Channel, Cost
    from tests.factories import CampaignFactory, TouchpointFactory

    baidu = Channel.objects.get(slug="baidu")
    expo = CampaignFactory(slug="spring-expo", name="Spring expo", channel=baidu)
    customer = make_journey(["lead"], start=at(1), source_channel=baidu)
    TouchpointFactory(lead=customer, channel=baidu, campaign=expo, occurred_at=at(1))
    make_journey(["lead", "mql", "sal", "sql", "opportunity", "customer"], lead=customer, start=at(1))
    Cost.objects.create(channel=baidu, month=dt.date(2026, 2, 1), category="media", amount=Decimal("20000"))
    Cost.objects.create(campaign=expo, month=dt.date(2026, 2, 1), category="events", amount=Decimal("20000"))


def test_unit_economics_panel_shows_cac_and_band_per_channel(journeys: dict[str, object]) -> None:
    _won_with_cost()
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), PERIOD)
    view = next(view for view in response.context["panels"] if view.panel.slug == "unit-economics")
    assert not view.error
    headings = [heading for _key, heading in view.tables[0].headers]
    rows = {row[0][0]: dict(zip(headings, (text for text, _kind in row), strict=True)) for row in view.tables[0].rows}
    # Baidu: two customers won in the period (the fixture's and this one), ¥40,000 of cost -> CAC ¥20,000
    assert rows["Baidu"]["CAC (fully loaded)"] == "¥20,000.00"
    assert rows["Baidu"]["New customers"] == "2"
    assert "LTV/CAC band" in headings
    figure = json.loads(view.chart_json)
    assert figure["data"][0]["orientation"] == "h"
    assert reverse("analytics:export", args=["unit-economics"]) in response.content.decode()


def test_campaign_roi_panel_credits_the_campaign_and_subtracts_its_cost(journeys: dict[str, object]) -> None:
    _won_with_cost()
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), PERIOD)
    view = next(view for view in response.context["panels"] if view.panel.slug == "campaign-roi")
    headings = [heading for _key, heading in view.tables[0].headers]
    rows = {row[0][0]: dict(zip(headings, (text for text, _kind in row), strict=True)) for row in view.tables[0].rows}
    assert rows["Spring expo"]["Attributed revenue"] == "¥120,000.00"
    assert rows["Spring expo"]["Cost"] == "¥20,000.00"
    assert rows["Spring expo"]["ROI"] == "500.0\u00a0%"  # (120,000 − 20,000) / 20,000


def test_channel_series_panel_counts_leads_and_mqls_per_month_and_channel(journeys: dict[str, object]) -> None:
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), PERIOD)
    view = next(view for view in response.context["panels"] if view.panel.slug == "channel-series")
    headings = [heading for _key, heading in view.tables[0].headers]
    assert headings == ["Month", "Channel", "Leads", "MQLs"]
    february = {row[1][0]: (row[2][0], row[3][0]) for row in view.tables[0].rows if row[0][0] == "2026-02"}
    assert february == {"Baidu": ("3", "2"), "WeChat": ("1", "1")}
    figure = json.loads(view.chart_json)
    assert {trace["name"] for trace in figure["data"]} == {"Baidu", "WeChat"}
    assert len(figure["data"]) == 4  # leads and MQLs rows, a trace per channel in each


def test_annual_churn_typed_in_the_filter_bar_gives_ltv_and_its_band(journeys: dict[str, object]) -> None:
    _won_with_cost()
    params = {**PERIOD, "annual_churn": "0.2", "gross_margin": "0.8"}
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), params)
    view = next(view for view in response.context["panels"] if view.panel.slug == "unit-economics")
    headings = [heading for _key, heading in view.tables[0].headers]
    baidu = next(dict(zip(headings, (text for text, _kind in row), strict=True)) for row in view.tables[0].rows
                 if row[0][0] == "Baidu")  # fmt: skip
    # ARPU = ¥120,000 a customer; LTV = 120,000 × 0.8 / 0.2 = ¥480,000; CAC ¥20,000 -> 24×, very healthy
    assert baidu["LTV"] == "¥480,000.00"
    assert baidu["LTV/CAC"] == "24.00×"
    assert baidu["LTV/CAC band"] == "Very healthy: invest more"
    assert 'name="annual_churn"' in response.content.decode()


def test_churn_out_of_range_is_named_beside_the_filters(journeys: dict[str, object]) -> None:
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"), {**PERIOD, "annual_churn": "2"})
    assert "annual_churn" in response.context["errors"]


def test_date_fields_show_the_default_period_when_none_is_given() -> None:
    response = client_for(Role.MARKETER).get(reverse("analytics:overview"))
    filters = response.context["filters"]
    assert f'value="{filters.date_from.isoformat()}"' in response.content.decode()


def test_export_with_a_bad_period_is_a_400_naming_the_field() -> None:
    response = client_for(Role.MARKETER).get(
        reverse("analytics:export", args=["funnel"]), {"from": "2026-04-01", "to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert response.content.decode() == "Fix the filters: to: The end of the period is before its start."
