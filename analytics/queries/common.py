"""Small helpers shared by the queries: the forward funnel, safe ratios, JSON-able numbers."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from leads.choices import Stage

# The forward stages, in order: a lead "reached" a stage when a StageChange entered it (implied rows included).
FUNNEL_STAGES: tuple[str, ...] = (Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
CENT = Decimal("0.01")


def ratio(numerator: float | Decimal | None, denominator: float | Decimal | None) -> float | None:
    """numerator / denominator as a float, None when the denominator is 0 or missing (no data, not 0 %)."""
    if numerator is None or not denominator:
        return None
    return float(numerator) / float(denominator)


def money(value: Decimal | None) -> Decimal | None:
    """Rounded half up to the cent (None stays None)."""
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal | None) -> str | None:
    """Money as the API writes it: a decimal string to the cent."""
    rounded = money(value)
    return None if rounded is None else f"{rounded:.2f}"


def stage_label(stage: str) -> str:
    if stage == "visit":
        from django.utils.translation import gettext as _

        return _("Visit")
    return str(Stage(stage).label)


def records(frame: Any) -> list[dict[str, Any]]:
    """A small frame as JSON-able row dicts (NaN -> None)."""
    return [
        {key: (None if _is_nan(value) else value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value
