"""What-if simulator, monthly leads/MQLs by channel, campaign ROI: hand-calculated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.queries.campaigns import CampaignRoiQuery
from analytics.queries.series import ChannelSeriesQuery
from analytics.queries.simulate import SimulationQuery
from leadflow.errors import ValidationFailed
from leads.choices import CostCategory
from leads.models import Cost
from tests.analytics.attribution_helpers import channel, convert
from tests.analytics.helpers import local, period
from tests.factories import CampaignFactory, TouchpointFactory, make_journey

pytestmark = pytest.mark.django_db
D = Decimal


def test_simulation_of_the_contract_example() -> None:
    result = SimulationQuery(filters=period(), stages=("visit", "lead", "mql", "sql", "customer"),
                             rates=(D("0.08"), D("0.5"), D("0.35"), D("0.25")), top=D("10000"),
                             average_deal=D("300000")).run()  # fmt: skip

    # 10000 x 0.08 = 800 x 0.5 = 400 x 0.35 = 140 x 0.25 = 35 customers x 300,000.
    assert result.data["counts"] == [10000.0, 800.0, 400.0, 140.0, 35.0]
    assert result.data["revenue"] == "10500000.00"


def test_simulation_counts_are_not_rounded() -> None:
    result = SimulationQuery(filters=period(), stages=("lead", "mql"), rates=(D("0.333"),), top=D("10"),
                             average_deal=D("100")).run()  # fmt: skip

    assert result.data["counts"] == [10.0, 3.33] and result.data["revenue"] == "333.00"


def test_simulation_baseline_comes_from_the_data() -> None:
    start = local(2026, 2, 1)
    for _ in range(3):
        make_journey(["lead"], start=start)
    make_journey(["lead", "mql"], start=start)
    convert([("a", start)], amount="1000.00", converted_at=local(2026, 2, 10))
    convert([("a", start)], amount="3000.00", converted_at=local(2026, 2, 11))

    result = SimulationQuery(filters=period(), stages=("lead", "mql", "customer"),
                             rates=(D("0.5"), D("1")), top=D("12")).run()  # fmt: skip

    baseline = result.data["baseline"]
    # 6 leads, 3 MQLs (2 implied by the skips), 2 customers; average deal (1000 + 3000) / 2.
    assert baseline["top"] == 6.0 and baseline["rates"] == [0.5, pytest.approx(2 / 3)]
    assert baseline["average_deal"] == "2000.00" and baseline["revenue"] == "4000.00"
    assert result.data["counts"] == [12.0, 6.0, 6.0] and result.data["revenue"] == "12000.00"


@pytest.mark.parametrize(("params", "field"), [
    ({"rates": (D("1.2"), D("0.5"), D("0.3"), D("0.2"))}, "rates"),
    ({"rates": (D("0.5"),)}, "rates"),
    ({"stages": ("lead", "visit")}, "stages"),
    ({"stages": ("lead", "unicorn")}, "stages"),
    ({"top": D("-1")}, "top"),
])  # fmt: skip
def test_simulation_bad_parameters_name_the_field(params: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        SimulationQuery(filters=period(), **params).validate()  # type: ignore[arg-type]
    assert field in error.value.errors


def test_monthly_leads_and_mqls_by_channel_fill_every_month() -> None:
    paid = channel("paid")
    make_journey(["lead", "mql"], start=local(2026, 1, 31, 20), source_channel=paid)  # MQL on Feb 1 local
    make_journey(["lead"], start=local(2026, 3, 5), source_channel=paid)

    result = ChannelSeriesQuery(filters=period(dt.date(2026, 1, 1), dt.date(2026, 3, 31))).run()

    assert [(r["month"], r["leads"], r["mqls"]) for r in result.data["rows"]] == [
        ("2026-01", 1, 0), ("2026-02", 0, 1), ("2026-03", 1, 0)]


def test_campaign_roi_by_hand() -> None:
    spring = CampaignFactory(slug="spring", name="Spring", channel=channel("paid"))
    Cost.objects.create(campaign=spring, month=dt.date(2026, 3, 1), category=CostCategory.EVENTS,
                        amount=D("800.00"))  # fmt: skip
    lead = convert([("paid", local(2026, 3, 1))], amount="2000.00", converted_at=local(2026, 3, 10),
                   campaign=spring)  # fmt: skip
    lead.touchpoints.update(campaign=spring)
    TouchpointFactory(lead=lead, campaign=None, channel=None, occurred_at=local(2026, 3, 2))

    rows = CampaignRoiQuery(filters=period(), attribution_model="linear").run().data["rows"]

    # Linear over 2 touches: 1,000 to the campaign, 1,000 to no campaign. ROI = (1000 - 800) / 800.
    # No ledger churn to measure: the default 0.2 -> attributed LTV = 1,000 x 0.8 / 0.2 = 4,000; (4000 - 800) / 800.
    assert rows == [{"campaign": "spring", "label": "Spring", "channel": "paid", "leads": 1, "new_customers": 1,
                     "cost": "800.00", "attributed_revenue": "1000.00", "roi": 0.25, "attributed_ltv": "4000.00",
                     "roi_long_term": 4.0}]  # fmt: skip
