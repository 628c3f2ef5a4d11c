"""The sales board: velocity between stages and time in stage, with tables and CSV exports."""

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
from tests.factories import make_journey, user_with_role

pytestmark = pytest.mark.django_db

PERIOD = {"from": "2026-01-01", "to": "2026-03-31"}


@pytest.fixture
def manager() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(Role.SALES_MANAGER))
    return client


def test_velocity_panel_shows_median_days_per_step(manager: Client) -> None:
    # given two leads that became MQLs 2 and 4 days after they were created
    start = timezone.make_aware(dt.datetime(2026, 2, 1, 9))
    make_journey(["lead", "mql"], start=start, step=dt.timedelta(days=2))
    make_journey(["lead", "mql"], start=start, step=dt.timedelta(days=4))
    response = manager.get(reverse("analytics:board", args=["sales"]), PERIOD)
    assert response.status_code == 200
    view = next(view for view in response.context["panels"] if view.panel.slug == "velocity")
    headings = [heading for _key, heading in view.tables[0].headers]
    first = dict(zip(headings, (text for text, _kind in view.tables[0].rows[0]), strict=True))
    assert first["Leads"] == "2"
    assert first["Median days"] == "3.0 days"  # median of 2 and 4
    assert json.loads(view.chart_json)["data"][0]["x"][0] == pytest.approx(3.0)
    assert [table.name for table in view.tables] == ["", "time_in_stage"]
    export = manager.get(reverse("analytics:export", args=["velocity"]), {**PERIOD, "frame": "time_in_stage"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8")[1:])))
    assert rows[0][:3] == ["Stage key", "Stage", "Leads"]


def test_sla_panel_shows_compliance_by_rep_with_its_tables(manager: Client) -> None:
    from tests.analytics.test_sla import _clock

    rep = user_with_role(Role.SALES, first_name="Li", last_name="Na")
    for outcome in ("met_on_time", "met_on_time", "met_late", "breached"):
        _clock(rep, outcome=outcome)
    response = manager.get(reverse("analytics:board", args=["sales"]), PERIOD)
    view = next(view for view in response.context["panels"] if view.panel.slug == "sla")
    assert not view.error
    assert [table.name for table in view.tables] == ["", "owners", "returns", "sdrs"]
    owners = view.tables[1]
    headings = [heading for _key, heading in owners.headers]
    row = dict(zip(headings, (text for text, _kind in owners.rows[0]), strict=True))
    assert row["Owner"] == "Li Na"
    assert row["Compliance"] == "50.0\u00a0%"  # 2 on time of 4 decided
    figure = json.loads(view.chart_json)
    assert [trace["name"] for trace in figure["data"]] == ["Met on time", "Met late", "Breached", "Open"]
    assert figure["data"][0]["x"] == [2.0]
    assert dict(view.summary)["Met on time"] == "50.0\u00a0%"
