"""Attribution panel: one model (AttributionQuery) or every model side by side (AttributionComparisonQuery).

Conversion = a lead that became a customer in the period (first entry), R = the won amount of its
opportunity. Its touchpoints at or before the conversion and at most `lookback_days` before it get weights
that sum to 1; R x weight is credited to the touch's channel, campaign or kind. Money rows are allocated to
the cent by the largest-remainder rule of analytics.attribution.allocation, so they add up to
`total_revenue` (the R of the conversions that have at least one eligible touch); conversions without one
are reported as `unattributed`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.attribution.allocation import allocate_cents
from analytics.attribution.markov import removal_shares, transition_counts
from analytics.attribution.sql import (
    Population,
    credits_sql,
    fetch,
    markov_transitions_sql,
)
from analytics.choices import AttributionGroup, AttributionModel
from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import money_str, ratio, records
from analytics.queries.money import costs_by, group_names

DEFAULT_LOOKBACK_DAYS = 180
DEFAULT_HALF_LIFE_DAYS = 7.0
MAX_DAYS = 3650


def attribution_param_errors(*, group_by: str, lookback_days: int, half_life_days: float) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if group_by not in AttributionGroup.values:
        errors["group_by"] = [_("Choose one of: %(choices)s.") % {"choices": ", ".join(AttributionGroup.values)}]
    if not 1 <= lookback_days <= MAX_DAYS:
        errors["lookback_days"] = [_("Enter a number of days from 1 to %(max)s.") % {"max": MAX_DAYS}]
    if not 0 < half_life_days <= MAX_DAYS:
        message = _("The half-life must be more than 0 and at most %(max)s days.")
        errors["half_life_days"] = [message % {"max": MAX_DAYS}]
    return errors


@dataclass(frozen=True)
class AttributionQuery(AnalyticsQuery):
    filters: AnalyticsFilters
    model: str = AttributionModel.LINEAR
    group_by: str = AttributionGroup.CHANNEL
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    name: ClassVar[str] = "attribution"
    columns: ClassVar[dict[str, Any]] = {
        "key": gettext_lazy("Key"), "label": gettext_lazy("Name"), "revenue": gettext_lazy("Credited revenue"),
        "conversions": gettext_lazy("Credited conversions"), "share": gettext_lazy("Share"),
        "cost": gettext_lazy("Cost"), "roi": gettext_lazy("ROI"),
    }  # fmt: skip

    def param_errors(self) -> dict[str, list[str]]:
        errors = attribution_param_errors(group_by=self.group_by, lookback_days=self.lookback_days,
                                          half_life_days=self.half_life_days)  # fmt: skip
        if self.model not in AttributionModel.values:
            errors["model"] = [_("Unknown model; choose one of: %(choices)s.")
                               % {"choices": ", ".join(AttributionModel.values)}]  # fmt: skip
        return errors

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        population = Population(filters=self.filters, group_by=self.group_by, lookback_days=self.lookback_days,
                                model=self.model)  # fmt: skip
        credits, (total_count, total_revenue), (all_count, all_revenue) = self._credits(population)
        rows = self._rows(credits, total_revenue)
        frame = pd.DataFrame(rows, columns=list(self.columns))
        data = {
            "model": self.model, "group_by": self.group_by, "lookback_days": self.lookback_days,
            "half_life_days": self.half_life_days, "from": self.filters.date_from.isoformat(),
            "to": self.filters.date_to.isoformat(), "total_revenue": money_str(total_revenue),
            "total_conversions": total_count,
            "unattributed": {"conversions": all_count - total_count, "revenue": money_str(all_revenue - total_revenue)},
            "rows": [_row_json(row) for row in rows],
        }  # fmt: skip
        return frame, data, {}

    def _credits(self, population: Population) -> tuple[dict[str | None, tuple[float, float]], tuple[int, Decimal],
                                                          tuple[int, Decimal]]:  # fmt: skip
        """Exact credits per group key: (revenue, conversions); (count, R) of the conversions with an eligible
        touch; (count, R) of every conversion of the period."""
        if self.model == AttributionModel.MARKOV:
            found = fetch(*markov_transitions_sql(population))
            totals = {step: (int(count or 0), _cents(revenue)) for step, _f, _t, count, revenue in found
                      if step in ("touched", "all")}  # fmt: skip
            (count, total), everything = totals["touched"], totals["all"]
            shares = removal_shares(transition_counts(row[:4] for row in found if row[0] not in totals))
            credits = {_key(key): (float(total) * share, count * share) for key, share in shares.items()}
            return credits, (count, total), everything
        rows = fetch(*credits_sql(population, self.model, half_life_days=self.half_life_days))
        credits = {_key(key): (float(revenue or 0), float(conversions or 0))
                   for key, revenue, conversions, kind in rows if kind == 0}  # fmt: skip
        totals = {kind: (int(count or 0), _cents(revenue)) for _key, revenue, count, kind in rows if kind}
        return credits, totals.get(1, (0, Decimal("0.00"))), totals.get(2, (0, Decimal("0.00")))

    def _rows(self, credits: dict[str | None, tuple[float, float]], total: Decimal) -> list[dict[str, Any]]:
        costs = costs_by(self.filters, self.group_by) if self.group_by != AttributionGroup.KIND else {}
        # A channel (campaign) that spent in the period and earned nothing is a row too: its ROI is -100 %.
        credits = {**{str(key): (0.0, 0.0) for key in costs if str(key) not in credits}, **credits}
        names = group_names(self.group_by, credits)
        none_label = _("(none)")
        order = {key: (names[key][0] if key is not None else "\uffff") for key in credits}
        money = allocate_cents(credits={key: value[0] for key, value in credits.items()}, total=total, order=order)
        rows = []
        for key in sorted(credits, key=lambda k: (-money[k], order[k])):
            # Touchpoint kinds carry no cost; touches without a channel/campaign have none either.
            has_cost = self.group_by != AttributionGroup.KIND and key is not None
            cost = costs.get(int(str(key)), Decimal("0")) if has_cost else None
            rows.append({
                "key": names[key][0] if key is not None else None,
                "label": names[key][1] if key is not None else none_label,
                "revenue": money[key], "conversions": credits[key][1], "share": ratio(money[key], total),
                "cost": cost, "roi": ratio(money[key] - cost, cost) if cost else None,
            })  # fmt: skip
        return rows


def _key(raw: object) -> str | None:
    """A group key as the rows carry it: the channel or campaign id, or the kind, as text; None for touches
    without one. (The SQL keeps the column's own type: narrower to sort and group than text.)"""
    return None if raw is None else str(raw)


def _cents(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "revenue": money_str(row["revenue"]),
            "cost": money_str(row["cost"]) if row["cost"] is not None else None}  # fmt: skip


@dataclass(frozen=True)
class AttributionComparisonQuery(AnalyticsQuery):
    """Every model for the same period and grouping: one row per key, a revenue and a conversions column per
    model (`<model>_revenue`, `<model>_conversions`). Each model's result is cached on its own."""

    filters: AnalyticsFilters
    group_by: str = AttributionGroup.CHANNEL
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    name: ClassVar[str] = "attribution-comparison"
    columns: ClassVar[dict[str, Any]] = {
        "key": gettext_lazy("Key"), "label": gettext_lazy("Name"), "cost": gettext_lazy("Cost"),
        **{f"{model.value}_revenue": model.label for model in AttributionModel},
        **{f"{model.value}_conversions": model.label for model in AttributionModel},
    }  # fmt: skip

    def param_errors(self) -> dict[str, list[str]]:
        return attribution_param_errors(group_by=self.group_by, lookback_days=self.lookback_days,
                                        half_life_days=self.half_life_days)  # fmt: skip

    @classmethod
    def column_labels(cls) -> dict[str, str]:
        labels = {key: str(label) for key, label in cls.columns.items()}
        for model in AttributionModel:
            labels[f"{model.value}_revenue"] = _("%(model)s: revenue") % {"model": model.label}
            labels[f"{model.value}_conversions"] = _("%(model)s: conversions") % {"model": model.label}
        return labels

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        results = {
            model.value: AttributionQuery(filters=self.filters, model=model.value, group_by=self.group_by,
                                          lookback_days=self.lookback_days, half_life_days=self.half_life_days).run()
            for model in AttributionModel
        }  # fmt: skip
        table: dict[Any, dict[str, Any]] = {}
        for model, result in results.items():
            for row in records(result.frame):
                entry = table.setdefault(row["key"], {"key": row["key"], "label": row["label"], "cost": row["cost"]})
                entry[f"{model}_revenue"] = row["revenue"]
                entry[f"{model}_conversions"] = row["conversions"]
        frame = pd.DataFrame(list(table.values()), columns=list(self.columns))
        any_result = next(iter(results.values()))
        data = {
            "group_by": self.group_by, "from": self.filters.date_from.isoformat(),
            "to": self.filters.date_to.isoformat(), "total_revenue": any_result.data["total_revenue"],
            "models": [model.value for model in AttributionModel],
            "rows": [
                {"key": key, "label": entry["label"], "cost": money_str(entry["cost"]),
                 "models": {model: _model_cell(results[model].data, key) for model in results}}
                for key, entry in table.items()
            ],
        }  # fmt: skip
        return frame, data, {}


def _model_cell(data: dict[str, Any], key: Any) -> dict[str, Any] | None:
    for row in data["rows"]:
        if row["key"] == key:
            return {name: row[name] for name in ("revenue", "conversions", "share", "roi")}
    return None
