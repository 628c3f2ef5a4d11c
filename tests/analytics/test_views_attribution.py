"""The attribution board: the chosen model with its parameters, every model side by side, parameter errors."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadflow.roles import Role
from leads.models import Channel, Cost
from tests.analytics.attribution_helpers import convert
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: int, month: int = 3) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, 12))


@pytest.fixture
def marketer() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(Role.MARKETER))
    return client


@pytest.fixture
def won() -> None:
    """Given one customer won on 20 March for ¥120,000 after a Baidu touch (1 March) and a WeChat touch
    (10 March); Baidu cost ¥40,000 in March."""
    convert([("baidu", at(1)), ("wechat", at(10))], amount="120000", converted_at=at(20))
    Cost.objects.create(channel=Channel.objects.get(slug="baidu"), month=dt.date(2026, 3, 1), category="media",
                        amount=Decimal("40000"))  # fmt: skip


def test_linear_model_splits_the_revenue_and_shows_roi(marketer: Client, won: None) -> None:
    response = marketer.get(reverse("analytics:board", args=["attribution"]), {**PERIOD, "model": "linear"})
    assert response.status_code == 200
    view = next(view for view in response.context["panels"] if view.panel.slug == "attribution")
    table = view.tables[0]
    by_label = {row[0][0]: [text for text, _kind in row] for row in table.rows}
    headings = [heading for _key, heading in table.headers]
    baidu = dict(zip(headings, by_label["BAIDU"], strict=True))
    assert baidu["Credited revenue"] == "¥60,000.00"  # 120,000 / 2
    assert baidu["Share"] == "50.0\u00a0%"
    assert baidu["ROI"] == "50.0\u00a0%"  # (60,000 − 40,000) / 40,000
    figure = json.loads(view.chart_json)
    assert figure["data"][0]["x"] == [60000.0, 60000.0]


def test_first_touch_credits_the_first_channel_only(marketer: Client, won: None) -> None:
    response = marketer.get(reverse("analytics:board", args=["attribution"]), {**PERIOD, "model": "first_touch"})
    view = next(view for view in response.context["panels"] if view.panel.slug == "attribution")
    revenue = {row[0][0]: row[1][0] for row in view.tables[0].rows}
    assert revenue["BAIDU"] == "¥120,000.00"
    assert revenue.get("WECHAT", "¥0.00") == "¥0.00"


def test_comparison_lists_every_model_for_each_channel(marketer: Client, won: None) -> None:
    response = marketer.get(reverse("analytics:board", args=["attribution"]), PERIOD)
    view = next(view for view in response.context["panels"] if view.panel.slug == "attribution-comparison")
    assert len(json.loads(view.chart_json)["data"]) == 7
    export = marketer.get(reverse("analytics:export", args=["attribution-comparison"]), PERIOD)
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8")[1:])))
    baidu = next(row for row in rows if row["Name"] == "BAIDU")
    assert Decimal(baidu["First touch: revenue"]) == Decimal("120000")
    assert Decimal(baidu["Last touch: revenue"]) == Decimal("0")


def test_zero_half_life_is_named_beside_its_field_and_in_the_fragment(marketer: Client, won: None) -> None:
    response = marketer.get(
        reverse("analytics:board", args=["attribution"]), {**PERIOD, "half_life_days": "0"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "half_life_days" in response.context["errors"]
    assert 'data-field="half_life_days"' in response.content.decode()


def test_attribution_export_with_a_bad_model_is_a_400(marketer: Client) -> None:
    response = marketer.get(reverse("analytics:export", args=["attribution"]), {**PERIOD, "model": "magic"})
    assert response.status_code == 400
