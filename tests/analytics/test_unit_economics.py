"""Unit economics per channel and the calculator, hand-calculated."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.economics import ltv_cac_band, ltv_simple, payback_band
from analytics.queries.unit_economics import UnitEconomicsCalculation, UnitEconomicsQuery
from leadflow.errors import ValidationFailed
from leads.choices import CostCategory
from leads.models import Cost, RevenueEvent, RevenueKind
from tests.analytics.attribution_helpers import channel, convert
from tests.analytics.helpers import local, period
from tests.factories import AccountFactory, make_journey

pytestmark = pytest.mark.django_db
YEAR = {"date_from": dt.date(2026, 1, 1), "date_to": dt.date(2026, 12, 31)}


def _given_a_year_of_data() -> None:
    paid, idle = channel("paid"), channel("idle")
    cost = Cost.objects.create
    cost(channel=paid, month=dt.date(2026, 3, 1), category=CostCategory.MEDIA, amount=Decimal("10000.00"))
    cost(channel=paid, month=dt.date(2026, 3, 1), category=CostCategory.SALES_SALARIES, amount=Decimal("2000.00"))
    cost(channel=idle, month=dt.date(2026, 4, 1), category=CostCategory.MEDIA, amount=Decimal("5000.00"))
    for _ in range(2):
        make_journey(["lead"], start=local(2026, 2, 1), source_channel=paid)
    make_journey(["lead", "mql"], start=local(2026, 2, 1), source_channel=paid)
    make_journey(["lead"], start=local(2026, 2, 1), source_channel=idle)
    convert([("paid", local(2026, 3, 1))], amount="24000.00", converted_at=local(2026, 3, 10),
            source_channel=paid, account=AccountFactory())  # fmt: skip
    # The ledger: four customers active on Jan 1 with 10,000 ARR each; one churns in June.
    accounts = [AccountFactory() for _ in range(4)]
    for account in accounts:
        RevenueEvent.objects.create(account=account, kind=RevenueKind.NEW, date=dt.date(2025, 5, 1),
                                    amount=Decimal("10000.00"))  # fmt: skip
    RevenueEvent.objects.create(account=accounts[0], kind=RevenueKind.CHURN, date=dt.date(2026, 6, 1),
                                amount=Decimal("10000.00"))  # fmt: skip


def test_unit_economics_per_channel_by_hand() -> None:
    _given_a_year_of_data()

    result = UnitEconomicsQuery(filters=period(**YEAR), gross_margin=Decimal("0.8")).run()

    rows = {row["channel"]: row for row in result.data["rows"]}
    # paid: 4 leads (3 + the customer), 2 MQLs (the journey and the customer's implied one), 1 customer.
    assert (rows["paid"]["leads"], rows["paid"]["mqls"], rows["paid"]["new_customers"]) == (4, 2, 1)
    assert rows["paid"]["cost"] == "12000.00" and rows["paid"]["paid_cost"] == "10000.00"
    assert rows["paid"]["cpl"] == "3000.00" and rows["paid"]["cost_per_mql"] == "6000.00"
    assert rows["paid"]["cac"] == "12000.00" and rows["paid"]["cac_paid"] == "10000.00"
    # churn 1 / 4 over 365 days; ARPU 24,000 (the channel's won amount); LTV = 24,000 x 0.8 x 4.
    assert rows["paid"]["arpu"] == "24000.00" and rows["paid"]["annual_churn"] == 0.25
    assert rows["paid"]["ltv"] == "76800.00" and rows["paid"]["ltv_cac"] == 6.4
    assert rows["paid"]["band"] == "very_healthy"
    # payback = 12,000 / (24,000 / 12 x 0.8) = 7.5 months.
    assert rows["paid"]["payback_months"] == 7.5 and rows["paid"]["payback_band"] == "good"
    assert rows["paid"]["attributed_revenue"] == "24000.00" and rows["paid"]["roi"] == 1.0
    assert rows["paid"]["attributed_ltv"] == "76800.00" and rows["paid"]["roi_long_term"] == 5.4


def test_a_channel_with_cost_and_no_customer_has_no_cac_and_loses_its_cost() -> None:
    _given_a_year_of_data()

    rows = {row["channel"]: row for row in UnitEconomicsQuery(filters=period(**YEAR)).run().data["rows"]}

    idle = rows["idle"]
    assert (idle["leads"], idle["new_customers"], idle["cost"], idle["cpl"]) == (1, 0, "5000.00", "5000.00")
    assert idle["cac"] is None and idle["ltv_cac"] is None and idle["band"] == "no_data"
    assert idle["payback_band"] == "no_data"
    assert idle["attributed_revenue"] == "0.00" and idle["roi"] == -1.0


def test_ledger_figures_arpu_churn_and_nrr() -> None:
    _given_a_year_of_data()

    ledger = UnitEconomicsQuery(filters=period(**YEAR)).run().data["ledger"]

    # End: 3 old accounts (30,000) + the new customer (24,000) = 54,000 over 4 active.
    assert ledger["arpu"] == "13500.00"
    assert ledger["annual_churn"] == 0.25 and ledger["nrr"] == 0.75
    assert (ledger["active_customers_at_start"], ledger["active_customers_at_end"], ledger["churned"]) == (4, 4, 1)


def test_without_churn_in_the_ledger_the_default_churn_is_used_and_said() -> None:
    paid = channel("paid")
    Cost.objects.create(channel=paid, month=dt.date(2026, 3, 1), category=CostCategory.MEDIA,
                        amount=Decimal("6000.00"))  # fmt: skip
    convert([("paid", local(2026, 3, 1))], amount="12000.00", converted_at=local(2026, 3, 10), source_channel=paid)

    data = UnitEconomicsQuery(filters=period(**YEAR), gross_margin=Decimal("0.5")).run().data

    # Default churn 0.2 (LEADFLOW_DEFAULT_ANNUAL_CHURN): LTV = 12,000 x 0.5 x 5 = 30,000; LTV/CAC = 5 (healthy).
    assert data["ledger"]["churn_source"] == "default" and data["ledger"]["annual_churn"] == 0.2
    assert data["rows"][0]["ltv"] == "30000.00" and data["rows"][0]["ltv_cac"] == 5.0
    assert data["rows"][0]["band"] == "healthy"


def test_money_in_the_table_is_rounded_to_the_cent() -> None:
    paid = channel("paid")
    Cost.objects.create(channel=paid, month=dt.date(2026, 3, 1), category=CostCategory.MEDIA,
                        amount=Decimal("100.00"))  # fmt: skip
    for _ in range(3):
        make_journey(["lead"], start=local(2026, 3, 2), source_channel=paid)

    result = UnitEconomicsQuery(filters=period(**YEAR)).run()

    assert result.frame.loc[0, "cpl"] == Decimal("33.33") and result.data["rows"][0]["cpl"] == "33.33"


def test_overrides_replace_the_data() -> None:
    _given_a_year_of_data()

    rows = {row["channel"]: row for row in UnitEconomicsQuery(
        filters=period(**YEAR), gross_margin=Decimal("0.5"), arpu=Decimal("12000"), annual_churn=Decimal("0.5"),
    ).run().data["rows"]}  # fmt: skip

    # LTV = 12,000 x 0.5 x 2 = 12,000; LTV/CAC = 1; payback = 12,000 / (1,000 x 0.5) = 24 months.
    assert rows["paid"]["ltv"] == "12000.00" and rows["paid"]["ltv_cac"] == 1.0
    assert rows["paid"]["band"] == "unhealthy"
    assert rows["paid"]["payback_months"] == 24.0 and rows["paid"]["payback_band"] == "needs_work"


def test_calculator_by_hand() -> None:
    result = UnitEconomicsCalculation(cac=Decimal("12000"), arpu=Decimal("24000"), gross_margin=Decimal("0.8"),
                                      annual_churn=Decimal("0.25")).run()  # fmt: skip

    assert result.data == {"ltv": "76800.00", "ltv_cac": 6.4, "payback_months": 7.5, "lifetime_years": 4.0,
                           "band": "very_healthy", "payback_band": "good"}  # fmt: skip


def test_calculator_rounds_money_to_the_cent_and_ratios_to_four_places() -> None:
    # LTV = 1,000 x 0.7 / 0.3 = 2,333.333... ; / CAC 700 = 3.3333...; payback = 700 / (1000/12 x 0.7) = 12.
    result = UnitEconomicsCalculation(cac=Decimal("700"), arpu=Decimal("1000"), gross_margin=Decimal("0.7"),
                                      annual_churn=Decimal("0.3")).run()  # fmt: skip

    assert result.data["ltv"] == "2333.33" and result.data["ltv_cac"] == 3.3333
    assert result.data["lifetime_years"] == 3.3333 and result.data["payback_months"] == 12.0
    assert result.data["band"] == "healthy" and result.data["payback_band"] == "good"


@pytest.mark.parametrize(("ratio", "band"), [
    (None, "no_data"), ("0.99", "losing"), ("1", "unhealthy"), ("2.99", "unhealthy"), ("3", "healthy"),
    ("5", "healthy"), ("5.01", "very_healthy"),
])  # fmt: skip
def test_ltv_cac_bands(ratio: str | None, band: str) -> None:
    assert ltv_cac_band(None if ratio is None else Decimal(ratio)) == band


@pytest.mark.parametrize(("months", "band"), [("5.99", "excellent"), ("6", "good"), ("12", "good"),
                                              ("12.01", "needs_work")])  # fmt: skip
def test_payback_bands(months: str, band: str) -> None:
    assert payback_band(Decimal(months)) == band


def test_simple_ltv_form() -> None:
    assert ltv_simple(price=Decimal("1000"), purchases_per_year=Decimal("4"), average_years=Decimal("3")) == 12000


@pytest.mark.parametrize(("params", "field"), [
    ({"gross_margin": Decimal("1.2")}, "gross_margin"), ({"annual_churn": Decimal("0")}, "annual_churn"),
    ({"annual_churn": Decimal("-0.1")}, "annual_churn"), ({"cac": Decimal("-1")}, "cac"),
])  # fmt: skip
def test_calculator_bad_inputs_name_the_field(params: dict[str, Decimal], field: str) -> None:
    values = {"cac": Decimal("1"), "arpu": Decimal("1"), "gross_margin": Decimal("0.5"),
              "annual_churn": Decimal("0.2")} | params  # fmt: skip
    with pytest.raises(ValidationFailed) as error:
        UnitEconomicsCalculation(**values).run()
    assert field in error.value.errors
