"""Numbers of the dashboard tables, formatted for the active language: thousands grouped, money with its
currency, rates as percentages. A missing figure (None, NaN) is a dash, never 0."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.translation import gettext as _

from leadflow.templatetags.leadflow_tags import money

DASH = "—"


class Kind:
    """How a column reads: the table and the chart's hover text agree on it."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"  # two decimals
    FRACTION = "fraction"  # fractional conversions: two decimals
    PERCENT = "percent"  # a 0..1 rate
    MONEY = "money"
    MULTIPLE = "multiple"  # LTV/CAC: 3.2×
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"
    DATE = "date"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, list | tuple | dict) else False
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 0) -> str:
    """Thousands grouped with a comma in both languages, as money is (Django's zh_Hans format groups nothing,
    which reads badly beside ¥1,234.00); half-up rounding to `decimals`."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}"


def format_value(value: Any, kind: str, *, currency: str = "") -> str:
    """One table cell as text for the active language."""
    if is_missing(value):
        return DASH
    if kind == Kind.INT:
        return number(round(float(value)))
    if kind in (Kind.NUMBER, Kind.FRACTION):
        return number(value, 2)
    if kind == Kind.PERCENT:
        return f"{number(float(value) * 100, 1)}\u00a0%"  # a rate never wraps between number and sign
    if kind == Kind.MONEY:
        return money(value, currency or settings.LEADFLOW["DEFAULT_CURRENCY"])
    if kind == Kind.MULTIPLE:
        return f"{number(value, 2)}×"
    if kind == Kind.DAYS:
        return _("%(n)s days") % {"n": number(value, 1)}
    if kind == Kind.MONTHS:
        return _("%(n)s months") % {"n": number(value, 1)}
    if kind == Kind.YEARS:
        return _("%(n)s years") % {"n": number(value, 1)}
    if kind == Kind.DATE and isinstance(value, dt.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def plain_number(value: Any) -> float | None:
    """A figure for plotly: float, or None when missing (plotly leaves a gap)."""
    return None if is_missing(value) else float(value)
