"""Unit-economics formulas of spec/analytics.md as pure Decimal functions (no database): the calculator, the
per-channel panel and the simulator all use these, so a figure means the same everywhere.

- lifetime (years) = 1 / annual churn
- LTV = ARPU x gross margin x lifetime; simple form: price per purchase x purchases per year x average years
- LTV/CAC band: < 1 losing money, 1 to < 3 unhealthy, 3 to 5 healthy, > 5 very healthy
- CAC payback (months) = CAC / (ARPU / 12 x gross margin); < 6 excellent, 6-12 good, > 12 needs work
- ROI = (attributed revenue - cost) / cost

Money is rounded half up to the cent only when shown; ratios are returned to 4 decimal places (half up).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from analytics.choices import LtvCacBand, PaybackBand

RATIO_PLACES = Decimal("0.0001")
CENT = Decimal("0.01")


def _ratio(value: Decimal) -> Decimal:
    return value.quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def lifetime_years(annual_churn: Decimal | None) -> Decimal | None:
    """1 / churn; None when churn is 0 or unknown (an endless lifetime has no LTV)."""
    return None if not annual_churn else Decimal(1) / annual_churn


def ltv(*, arpu: Decimal | None, gross_margin: Decimal, annual_churn: Decimal | None) -> Decimal | None:
    years = lifetime_years(annual_churn)
    return None if arpu is None or years is None else arpu * gross_margin * years


def ltv_simple(*, price: Decimal, purchases_per_year: Decimal, average_years: Decimal) -> Decimal:
    return price * purchases_per_year * average_years


def ltv_cac_band(value: Decimal | None) -> str:
    if value is None:
        return LtvCacBand.NO_DATA
    if value < 1:
        return LtvCacBand.LOSING
    if value < 3:
        return LtvCacBand.UNHEALTHY
    if value <= 5:
        return LtvCacBand.HEALTHY
    return LtvCacBand.VERY_HEALTHY


def payback_months(*, cac: Decimal | None, arpu: Decimal | None, gross_margin: Decimal) -> Decimal | None:
    monthly = None if arpu is None else arpu / 12 * gross_margin
    return None if cac is None or not monthly else cac / monthly


def payback_band(months: Decimal | None) -> str:
    if months is None:
        return PaybackBand.NO_DATA
    if months < 6:
        return PaybackBand.EXCELLENT
    if months <= 12:
        return PaybackBand.GOOD
    return PaybackBand.NEEDS_WORK


def roi(*, revenue: Decimal | None, cost: Decimal | None) -> Decimal | None:
    return None if revenue is None or not cost else (revenue - cost) / cost


@dataclass(frozen=True)
class UnitEconomics:
    """The calculator's answer: LTV (money), LTV/CAC, payback months, lifetime years and the bands."""

    ltv: Decimal | None
    ltv_cac: Decimal | None
    payback_months: Decimal | None
    lifetime_years: Decimal | None
    band: str
    payback_band: str


def unit_economics(*, cac: Decimal | None, arpu: Decimal | None, gross_margin: Decimal,
                   annual_churn: Decimal | None) -> UnitEconomics:  # fmt: skip
    """Everything the calculator shows for one set of inputs; any figure that needs a missing or zero input
    is None (and its band `no_data`)."""
    value = ltv(arpu=arpu, gross_margin=gross_margin, annual_churn=annual_churn)
    ratio = None if value is None or not cac else value / cac
    months = payback_months(cac=cac, arpu=arpu, gross_margin=gross_margin)
    years = lifetime_years(annual_churn)
    return UnitEconomics(
        ltv=None if value is None else value.quantize(CENT, rounding=ROUND_HALF_UP),
        ltv_cac=None if ratio is None else _ratio(ratio),
        payback_months=None if months is None else _ratio(months),
        lifetime_years=None if years is None else _ratio(years),
        band=ltv_cac_band(ratio), payback_band=payback_band(months),
    )  # fmt: skip
