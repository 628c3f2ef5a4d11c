"""Analytics API contract: shapes of spec/api.md, permissions, problem+json for bad parameters."""

from __future__ import annotations

import pytest

from leadflow.roles import Role
from tests.analytics.attribution_helpers import convert
from tests.analytics.helpers import local
from tests.factories import make_journey, role_client

pytestmark = pytest.mark.django_db
BASE = "/api/v1/analytics/"
PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


@pytest.fixture
def client():  # type: ignore[no-untyped-def]
    return role_client(Role.MARKETER)[0]


def test_funnel_answers_the_contract_shape(client) -> None:  # type: ignore[no-untyped-def]
    make_journey(["lead", "mql"], start=local(2026, 2, 1))
    make_journey(["lead"], start=local(2026, 2, 1))

    response = client.get(BASE + "funnel/", PERIOD)

    assert response.status_code == 200
    body = response.json()
    assert body["stages"][0] == {"stage": "lead", "count": 2, "conversion_from_previous": None, "flow_count": 2}
    assert body["stages"][1]["conversion_from_previous"] == 0.5
    assert body["overall"] == 0.0 and {"visits", "visit_to_lead", "flow", "benchmarks"} <= set(body)


def test_attribution_answers_the_contract_shape(client) -> None:  # type: ignore[no-untyped-def]
    convert([("a", local(2026, 3, 1)), ("b", local(2026, 3, 8))], amount="1000.00", converted_at=local(2026, 3, 15))

    response = client.get(BASE + "attribution/", {**PERIOD, "model": "time_decay", "half_life_days": 7,
                                                  "group_by": "channel", "lookback_days": 180})  # fmt: skip

    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "time_decay" and body["total_revenue"] == "1000.00"
    # 14 and 7 days before: weights 1/4 and 1/2 -> 1/3 and 2/3.
    assert [(row["key"], row["revenue"]) for row in body["rows"]] == [("b", "666.67"), ("a", "333.33")]
    assert set(body["rows"][0]) >= {"key", "revenue", "conversions", "share", "cost", "roi"}


def test_calculate_and_simulate(client) -> None:  # type: ignore[no-untyped-def]
    calc = client.post(BASE + "unit-economics/calculate/",
                       {"cac": "12000", "arpu": "24000", "gross_margin": 0.8, "annual_churn": 0.25}, format="json")
    sim = client.post(BASE + "simulate/", {"top": 10000, "stages": ["visit", "lead", "mql", "sql", "customer"],
                                           "rates": [0.08, 0.5, 0.35, 0.25], "average_deal": "300000"},
                      format="json")  # fmt: skip

    assert calc.status_code == 200 and calc.json() == {
        "ltv": "76800.00", "ltv_cac": 6.4, "payback_months": 7.5, "lifetime_years": 4.0, "band": "very_healthy",
        "payback_band": "good"}  # fmt: skip
    assert sim.status_code == 200
    assert sim.json()["counts"] == [10000.0, 800.0, 400.0, 140.0, 35.0] and sim.json()["revenue"] == "10500000.00"


@pytest.mark.parametrize("path", ["velocity/", "sla/", "unit-economics/", "attribution/compare/", "leads-by-channel/",
                                  "campaign-roi/"])  # fmt: skip
def test_other_panels_answer(client, path: str) -> None:  # type: ignore[no-untyped-def]
    make_journey(["lead", "mql"], start=local(2026, 2, 1))

    assert client.get(BASE + path, PERIOD).status_code == 200


@pytest.mark.parametrize(("method", "path", "params", "field"), [
    ("get", "attribution/", {"model": "magic"}, "model"),
    ("get", "attribution/", {"half_life_days": 0, "model": "time_decay"}, "half_life_days"),
    ("get", "attribution/", {"lookback_days": "soon"}, "lookback_days"),
    ("get", "funnel/", {"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ("get", "funnel/", {"from": "yesterday"}, "from"),
    ("get", "funnel/", {"channel": "no-such-channel"}, "channel"),
    ("get", "unit-economics/", {"gross_margin": "1.5"}, "gross_margin"),
    ("post", "simulate/", {"stages": ["lead", "mql"], "rates": [1.5], "top": 10}, "rates"),
    ("post", "simulate/", {"stages": ["lead", "mql", "sql"], "rates": [0.5], "top": 10}, "rates"),
    ("post", "unit-economics/calculate/", {"cac": 1, "arpu": 1, "gross_margin": 0.5, "annual_churn": 0},
     "annual_churn"),
    ("post", "unit-economics/calculate/", {"cac": 1, "arpu": 1, "gross_margin": 0.5}, "annual_churn"),
])  # fmt: skip
def test_bad_parameters_are_problems_naming_the_field(client, method: str, path: str,  # type: ignore[no-untyped-def]
                                                      params: dict[str, object], field: str) -> None:
    send = client.get if method == "get" else client.post
    response = send(BASE + path, params) if method == "get" else send(BASE + path, params, format="json")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_permission_is_view_analytics() -> None:
    sdr, _user = role_client(Role.SDR)
    manager, _user = role_client(Role.SALES_MANAGER)

    assert sdr.get(BASE + "funnel/").status_code == 403
    assert manager.get(BASE + "funnel/").status_code == 200
    assert sdr.post(BASE + "simulate/", {}, format="json").status_code == 403


def test_anonymous_is_401() -> None:
    from rest_framework.test import APIClient

    assert APIClient().get(BASE + "funnel/").status_code == 401


def test_schema_documents_the_analytics_endpoints(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/schema/", {"format": "json"})

    paths = response.json()["paths"]
    assert {"/api/v1/analytics/funnel/", "/api/v1/analytics/attribution/", "/api/v1/analytics/simulate/",
            "/api/v1/analytics/unit-economics/calculate/"} <= set(paths)  # fmt: skip
    assert any(p["name"] == "half_life_days" for p in paths["/api/v1/analytics/attribution/"]["get"]["parameters"])


def test_benchmarks_are_listed_and_edited_by_marketers(client) -> None:  # type: ignore[no-untyped-def]
    manager, _user = role_client(Role.SALES_MANAGER)

    listed = client.get(BASE + "benchmarks/").json()
    edited = client.put(BASE + "benchmarks/lead_mql/", {"low": "0.25", "high": "0.35"}, format="json")
    refused = manager.put(BASE + "benchmarks/lead_mql/", {"low": "0.1", "high": "0.2"}, format="json")
    bad = client.put(BASE + "benchmarks/lead_mql/", {"low": "0.5", "high": "0.2"}, format="json")
    reset = client.delete(BASE + "benchmarks/lead_mql/")

    assert {row["key"]: (row["low"], row["high"]) for row in listed}["lead_mql"] == (0.2, 0.3)
    assert edited.status_code == 200
    assert {row["key"]: row["low"] for row in edited.json()}["lead_mql"] == 0.25
    assert refused.status_code == 403 and bad.status_code == 400 and "high" in bad.json()["errors"]
    assert {row["key"]: row["low"] for row in reset.json()}["lead_mql"] == 0.2
