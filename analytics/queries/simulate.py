"""What-if funnel simulator: baseline rates from the data, edited rates, the result beside the baseline.

new revenue = top x product of the stage rates x average deal (spec/analytics.md, revenue model). Counts are
not rounded; they are exact Decimal products shown as numbers, revenue is money to the cent (half up).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import pandas as pd
from django.db.models import Avg
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import FUNNEL_STAGES, money_str, records, stage_label
from analytics.queries.funnel import FunnelQuery
from leads.choices import OpportunityStatus
from leads.models import Opportunity

SIMULATION_STAGES: tuple[str, ...] = ("visit", *FUNNEL_STAGES)
DEFAULT_STAGES: tuple[str, ...] = ("visit", "lead", "mql", "sql", "customer")


def simulate_counts(*, top: Decimal, rates: Sequence[Decimal]) -> list[Decimal]:
    """[top, top x r1, top x r1 x r2, ...]: exact, not rounded."""
    counts = [top]
    for rate in rates:
        counts.append(counts[-1] * rate)
    return counts


def stages_errors(stages: Sequence[str], rates: Sequence[Decimal] | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    unknown = [stage for stage in stages if stage not in SIMULATION_STAGES]
    if len(stages) < 2:
        errors["stages"] = [_("Give at least two stages.")]
    elif unknown:
        errors["stages"] = [_("Unknown stage “%(name)s”.") % {"name": unknown[0][:50]}]
    elif [SIMULATION_STAGES.index(s) for s in stages] != sorted({SIMULATION_STAGES.index(s) for s in stages}):
        errors["stages"] = [_("List the stages in funnel order, each once.")]
    if rates is not None:
        if len(rates) != max(len(stages) - 1, 0):
            errors["rates"] = [_("Give one rate per step between consecutive stages (%(n)s).")
                               % {"n": max(len(stages) - 1, 0)}]  # fmt: skip
        elif any(not Decimal(0) <= rate <= Decimal(1) for rate in rates):
            errors["rates"] = [_("Every rate must be between 0 and 1.")]
    return errors


@dataclass(frozen=True)
class SimulationQuery(AnalyticsQuery):
    """`top` visitors/leads entering `stages[0]`, `rates` per step (None: the data's), `average_deal` (None:
    the average won amount of the period). The baseline uses the period's cohort funnel: its rates, its
    count of `stages[0]` and its average deal."""

    filters: AnalyticsFilters
    stages: tuple[str, ...] = DEFAULT_STAGES
    rates: tuple[Decimal, ...] | None = None
    top: Decimal | None = None
    average_deal: Decimal | None = None
    name: ClassVar[str] = "simulate"
    columns: ClassVar[dict[str, Any]] = {
        "stage": gettext_lazy("Stage key"), "label": gettext_lazy("Stage"),
        "baseline_rate": gettext_lazy("Baseline rate"), "rate": gettext_lazy("Rate"),
        "baseline_count": gettext_lazy("Baseline count"), "count": gettext_lazy("Count"),
    }  # fmt: skip

    def param_errors(self) -> dict[str, list[str]]:
        errors = stages_errors(self.stages, self.rates)
        if self.top is not None and self.top < 0:
            errors["top"] = [_("Enter a number of 0 or more.")]
        if self.average_deal is not None and self.average_deal < 0:
            errors["average_deal"] = [_("Enter an amount of 0 or more.")]
        return errors

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        base_top, base_rates, base_deal = self._baseline()
        top = self.top if self.top is not None else base_top
        rates = list(self.rates) if self.rates is not None else base_rates
        deal = self.average_deal if self.average_deal is not None else base_deal
        base_counts, counts = simulate_counts(top=base_top, rates=base_rates), simulate_counts(top=top, rates=rates)
        frame = pd.DataFrame([
            {"stage": stage, "label": stage_label(stage),
             "baseline_rate": None if i == 0 else float(base_rates[i - 1]),
             "rate": None if i == 0 else float(rates[i - 1]),
             "baseline_count": float(base_counts[i]), "count": float(counts[i])}
            for i, stage in enumerate(self.stages)
        ], columns=list(self.columns))  # fmt: skip
        data = {
            "stages": list(self.stages), "top": float(top), "rates": [float(r) for r in rates],
            "average_deal": money_str(deal), "counts": [float(c) for c in counts],
            "revenue": money_str(counts[-1] * deal),
            "baseline": {"top": float(base_top), "rates": [float(r) for r in base_rates],
                         "average_deal": money_str(base_deal), "counts": [float(c) for c in base_counts],
                         "revenue": money_str(base_counts[-1] * base_deal)},
            "table": records(frame),
        }  # fmt: skip
        return frame, data, {}

    def _baseline(self) -> tuple[Decimal, list[Decimal], Decimal]:
        funnel = FunnelQuery(filters=self.filters).run().data
        counts = {"visit": funnel["visits"], **{row["stage"]: row["count"] for row in funnel["stages"]}}
        rates = [Decimal(counts[b]) / Decimal(counts[a]) if counts[a] else Decimal(0)
                 for a, b in zip(self.stages, self.stages[1:], strict=False)]  # fmt: skip
        f = self.filters
        deal = Opportunity.objects.filter(f.lead_q("lead__"), status=OpportunityStatus.WON, closed_at__gte=f.start,
                                          closed_at__lt=f.end).aggregate(avg=Avg("won_amount"))["avg"]  # fmt: skip
        return Decimal(counts[self.stages[0]]), rates, Decimal(str(deal or 0))
