"""The planning pages' reads: the baseline the calculator and the simulator start from, taken from the data.

The figures come from the engine's queries for the default period (the last 12 months); the pages then run the
calculator (and the simulator) twice, on the baseline and on the edited inputs, and show both side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from analytics.queries.base import AnalyticsFilters, filters_from_params
from analytics.queries.unit_economics import UnitEconomicsQuery


@dataclass(frozen=True)
class EconomicsBaseline:
    filters: AnalyticsFilters
    cac: Decimal | None
    arpu: Decimal | None
    gross_margin: Decimal | None
    annual_churn: Decimal | None

    def initial(self) -> dict[str, Any]:
        return {"cac": self.cac, "arpu": self.arpu, "gross_margin": self.gross_margin,
                "annual_churn": self.annual_churn}  # fmt: skip

    @property
    def complete(self) -> bool:
        return None not in (self.cac, self.arpu, self.gross_margin, self.annual_churn)


def _decimal(value: Any, places: str) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal(places))


def economics_baseline(*, params: Any = None) -> EconomicsBaseline:
    """Company-wide CAC (fully loaded), ARPU, gross margin and annual churn over the period of `params`
    (default: the last 12 months), as the unit-economics query's total row says."""
    filters = filters_from_params(params or {}, today=timezone.localdate())
    data = UnitEconomicsQuery(filters=filters).run().data
    total, ledger = data.get("total") or {}, data.get("ledger") or {}
    return EconomicsBaseline(
        filters=filters, cac=_decimal(total.get("cac"), "0.01"), arpu=_decimal(total.get("arpu"), "0.01"),
        gross_margin=_decimal(data.get("gross_margin"), "0.0001"),
        annual_churn=_decimal(ledger.get("annual_churn"), "0.0001"),
    )  # fmt: skip
