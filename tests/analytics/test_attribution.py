"""Attribution: every model hand-calculated to the cent (rule: analytics.attribution.allocation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analytics.queries.attribution import AttributionComparisonQuery, AttributionQuery
from leadflow.errors import ValidationFailed
from leads.choices import CostCategory
from leads.models import Cost
from tests.analytics.attribution_helpers import channel, convert
from tests.analytics.helpers import local, period

pytestmark = pytest.mark.django_db
CONVERTED = local(2026, 3, 20, 12)


def days_before(days: float) -> dt.datetime:
    return CONVERTED - dt.timedelta(days=days)


def credited(model: str, **params: object) -> dict[str, str]:
    result = AttributionQuery(filters=period(), model=model, **params).run()  # type: ignore[arg-type]
    return {row["key"]: row["revenue"] for row in result.data["rows"] if row["revenue"] != "0.00"}


ALL_MODELS = ["first_touch", "last_touch", "linear", "time_decay", "u_shaped", "w_shaped", "markov"]


@pytest.mark.parametrize("model", ALL_MODELS)
def test_one_touchpoint_gets_all_the_revenue_in_every_model(model: str) -> None:
    convert([("a", days_before(3))], amount="1234.56", converted_at=CONVERTED)

    result = AttributionQuery(filters=period(), model=model).run()

    assert result.data["total_revenue"] == "1234.56"
    assert result.data["rows"] == [{"key": "a", "label": "A", "revenue": "1234.56", "conversions": 1.0,
                                    "share": 1.0, "cost": "0.00", "roi": None}]  # fmt: skip


@pytest.mark.parametrize(("model", "expected"), [
    ("first_touch", {"a": "1000.00"}),
    ("last_touch", {"b": "1000.00"}),
    ("linear", {"a": "500.00", "b": "500.00"}),
    ("u_shaped", {"a": "500.00", "b": "500.00"}),
    # 2^(-10/7) : 2^(-1/7) -> a = 1000 / (1 + 2^(9/7)) = 290.8645..., b = 709.1355...; floors 290.86 + 709.13
    # leave one cent, which goes to the larger remainder (b).
    ("time_decay", {"a": "290.86", "b": "709.14"}),
    # a is the first touch and the touch nearest the lead's creation (0.3 + 0.3), b nearest the opportunity
    # (opened at the conversion by the skip): 0.6 : 0.3 normalised = 2/3 : 1/3 -> 666.666... / 333.333...
    ("w_shaped", {"a": "666.67", "b": "333.33"}),
])  # fmt: skip
def test_two_touchpoints(model: str, expected: dict[str, str]) -> None:
    convert([("a", days_before(10)), ("b", days_before(1))], amount="1000.00", converted_at=CONVERTED)

    assert credited(model) == expected


def test_touchpoints_after_the_conversion_or_outside_the_lookback_are_ignored() -> None:
    convert([("old", days_before(181)), ("b", days_before(5)), ("late", CONVERTED + dt.timedelta(hours=1))],
            amount="1000.00", converted_at=CONVERTED)  # fmt: skip

    assert credited("linear") == {"b": "1000.00"}
    assert credited("first_touch") == {"b": "1000.00"}
    assert credited("linear", lookback_days=365) == {"b": "500.00", "old": "500.00"}


def test_touch_exactly_at_the_lookback_edge_counts() -> None:
    convert([("edge", days_before(180)), ("b", days_before(1))], amount="100.00", converted_at=CONVERTED)

    assert credited("first_touch") == {"edge": "100.00"}


def test_three_way_split_gives_the_leftover_cent_to_the_first_key() -> None:
    convert([("a", days_before(3)), ("b", days_before(2)), ("c", days_before(1))], amount="100.00",
            converted_at=CONVERTED)  # fmt: skip

    assert credited("linear") == {"a": "33.34", "b": "33.33", "c": "33.33"}


def test_u_shaped_gives_forty_percent_to_first_and_last_and_shares_twenty() -> None:
    convert([("a", days_before(4)), ("b", days_before(3)), ("c", days_before(2)), ("a", days_before(1))],
            amount="1000.00", converted_at=CONVERTED)  # fmt: skip

    assert credited("u_shaped") == {"a": "800.00", "b": "100.00", "c": "100.00"}


def test_w_shaped_thirty_percent_to_first_creation_and_opportunity_touches_ten_to_the_rest() -> None:
    touches = [("a", days_before(50)), ("b", days_before(40)), ("c", days_before(30)), ("d", days_before(20)),
               ("e", days_before(10))]  # fmt: skip
    convert(touches, amount="1000.00", converted_at=CONVERTED, created_at=days_before(40) + dt.timedelta(hours=1),
            opportunity_at=days_before(20) - dt.timedelta(hours=2))  # fmt: skip

    assert credited("w_shaped") == {"a": "300.00", "b": "300.00", "c": "50.00", "d": "300.00", "e": "50.00"}


def test_w_shaped_when_first_and_creation_coincide_the_roles_stack() -> None:
    # a: first + creation (0.6), c: opportunity (0.3), b: the rest (0.1). Sums to 1, no normalising needed.
    convert([("a", days_before(30)), ("b", days_before(20)), ("c", days_before(10))], amount="1000.00",
            converted_at=CONVERTED, opportunity_at=days_before(10))  # fmt: skip

    assert credited("w_shaped") == {"a": "600.00", "b": "100.00", "c": "300.00"}


def test_time_decay_half_life_is_a_parameter() -> None:
    # 7 days old with a 7-day half-life weighs 1/2 against 1 for a touch at the conversion: 1/3 and 2/3.
    convert([("a", days_before(7)), ("b", days_before(0))], amount="900.00", converted_at=CONVERTED)

    assert credited("time_decay", half_life_days=7) == {"a": "300.00", "b": "600.00"}
    # Half-life 3.5 days: 1/4 against 1 -> 1/5 and 4/5.
    assert credited("time_decay", half_life_days=3.5) == {"a": "180.00", "b": "720.00"}


def test_conversions_add_up_fractionally_and_share_cost_and_roi_per_channel() -> None:
    convert([("a", days_before(10)), ("b", days_before(1))], amount="1000.00", converted_at=CONVERTED)
    convert([("b", days_before(2))], amount="500.00", converted_at=CONVERTED)
    Cost.objects.create(channel=channel("a"), month=dt.date(2026, 3, 1), category=CostCategory.MEDIA,
                        amount=Decimal("400.00"))  # fmt: skip
    Cost.objects.create(channel=channel("idle"), month=dt.date(2026, 2, 1), category=CostCategory.MEDIA,
                        amount=Decimal("2000.00"))  # fmt: skip
    Cost.objects.create(channel=channel("a"), month=dt.date(2025, 12, 1), category=CostCategory.MEDIA,
                        amount=Decimal("9999.00"))  # outside the period  # fmt: skip

    rows = {row["key"]: row for row in AttributionQuery(filters=period(), model="linear").run().data["rows"]}

    assert rows["a"] == {"key": "a", "label": "A", "revenue": "500.00", "conversions": 0.5, "share": 1 / 3,
                         "cost": "400.00", "roi": 0.25}  # fmt: skip
    assert rows["b"]["revenue"] == "1000.00" and rows["b"]["conversions"] == 1.5 and rows["b"]["roi"] is None
    # A channel with cost and no customer: nothing credited, ROI -100 %.
    assert rows["idle"] == {"key": "idle", "label": "IDLE", "revenue": "0.00", "conversions": 0.0, "share": 0.0,
                            "cost": "2000.00", "roi": -1.0}  # fmt: skip


def test_conversions_outside_the_period_or_without_touches_are_not_credited() -> None:
    convert([("a", days_before(3))], amount="1000.00", converted_at=local(2026, 7, 2))
    convert([("a", days_before(400))], amount="250.00", converted_at=CONVERTED)  # touch outside lookback

    result = AttributionQuery(filters=period(), model="linear").run()

    assert result.data["total_revenue"] == "0.00"
    assert all(row["revenue"] == "0.00" for row in result.data["rows"])
    assert result.data["unattributed"] == {"conversions": 1, "revenue": "250.00"}


def test_group_by_kind_and_campaign() -> None:
    convert([("a", days_before(3))], amount="100.00", converted_at=CONVERTED)

    by_kind = AttributionQuery(filters=period(), model="linear", group_by="kind").run().data["rows"]
    by_campaign = AttributionQuery(filters=period(), model="linear", group_by="campaign").run().data["rows"]

    assert [(row["key"], row["revenue"], row["cost"]) for row in by_kind] == [("page_view", "100.00", None)]
    assert [(row["key"], row["revenue"]) for row in by_campaign] == [(None, "100.00")]


@pytest.mark.parametrize(("params", "field"), [
    ({"model": "magic"}, "model"),
    ({"group_by": "region"}, "group_by"),
    ({"half_life_days": 0}, "half_life_days"),
    ({"half_life_days": -1}, "half_life_days"),
    ({"lookback_days": 0}, "lookback_days"),
])  # fmt: skip
def test_bad_parameters_name_the_field(params: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        AttributionQuery(filters=period(), **params).validate()  # type: ignore[arg-type]
    assert field in error.value.errors


def test_comparison_lists_every_model_side_by_side() -> None:
    convert([("a", days_before(10)), ("b", days_before(1))], amount="1000.00", converted_at=CONVERTED)

    result = AttributionComparisonQuery(filters=period()).run()

    assert result.data["models"] == ALL_MODELS
    row_a = next(row for row in result.data["rows"] if row["key"] == "a")
    assert row_a["models"]["first_touch"]["revenue"] == "1000.00"
    assert row_a["models"]["last_touch"] is None or row_a["models"]["last_touch"]["revenue"] == "0.00"
    assert row_a["models"]["linear"]["revenue"] == "500.00"
    assert list(result.frame.columns[:3]) == ["key", "label", "cost"]
    assert result.frame.loc[result.frame["key"] == "a", "time_decay_revenue"].item() == Decimal("290.86")
