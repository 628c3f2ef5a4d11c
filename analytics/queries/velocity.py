"""Velocity panel: median and p75 days between consecutive stages, time in the current stage, sales cycle."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from django.db import connection
from django.db.models import Case, Max, Min, Q, When
from django.utils.translation import gettext_lazy as _

from analytics.attribution.sql import days_between, fetch
from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import FUNNEL_STAGES, records, stage_label
from leads.models import Lead, StageChange

# (from, to) steps whose durations are measured; the last is the sales cycle.
STEPS: tuple[tuple[str, str], ...] = (*itertools.pairwise(FUNNEL_STAGES), ("lead", "customer"))
OPEN_STAGES = FUNNEL_STAGES[:-1]


@dataclass(frozen=True)
class VelocityQuery(AnalyticsQuery):
    """Days from a lead's first entry into a stage to its first entry into the next, for leads that entered
    the next stage in the period. Steps into or out of a stage that was only implied by a skip are left out
    (their zero duration says nothing about speed); the sales cycle (lead -> customer) counts every customer.
    Time in current stage: leads now in an open stage, measured at the end of the period (or at their stage
    change if it is later)."""

    filters: AnalyticsFilters
    name: ClassVar[str] = "velocity"
    columns: ClassVar[dict[str, Any]] = {
        "from_stage": _("From"), "to_stage": _("To"), "label": _("Step"), "leads": _("Leads"),
        "median_days": _("Median days"), "p75_days": _("75th percentile days"),
    }  # fmt: skip
    current_columns: ClassVar[dict[str, Any]] = {
        "stage": _("Stage key"), "label": _("Stage"), "leads": _("Leads"), "median_days": _("Median days"),
        "p75_days": _("75th percentile days"),
    }  # fmt: skip
    extra_frame_columns: ClassVar[dict[str, dict[str, Any]]] = {"time_in_stage": current_columns}

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        steps = self._steps()
        frame = pd.DataFrame([
            {"from_stage": a, "to_stage": b, "label": f"{stage_label(a)} → {stage_label(b)}",
             **steps.get((a, b), {"leads": 0, "median_days": None, "p75_days": None})}
            for a, b in STEPS
        ], columns=list(self.columns))  # fmt: skip
        current = pd.DataFrame([
            {"stage": stage, "label": stage_label(stage), **row} for stage, row in self._current().items()
        ], columns=list(self.current_columns))  # fmt: skip
        cycle = records(frame.tail(1))[0]
        data = {
            "from": self.filters.date_from.isoformat(), "to": self.filters.date_to.isoformat(),
            "steps": records(frame.iloc[:-1]), "time_in_stage": records(current),
            "sales_cycle": {key: cycle[key] for key in ("leads", "median_days", "p75_days")},
        }  # fmt: skip
        return frame, data, {"time_in_stage": current}

    def _steps(self) -> dict[tuple[str, str], dict[str, Any]]:
        f = self.filters
        # One row per lead: its first entry into each stage and whether that entry was real (not implied by a
        # skip); each step's durations are then read off the same row (no join of the entries to themselves).
        per_stage: dict[str, Any] = {}
        for stage in FUNNEL_STAGES:
            per_stage[f"{stage}_at"] = Min("at", filter=Q(to_stage=stage))
            per_stage[f"{stage}_real"] = Max(Case(When(to_stage=stage, implied=False, then=1), default=0))
        firsts = (StageChange.objects.filter(f.lead_q("lead__"), to_stage__in=FUNNEL_STAGES)
                  .values("lead_id").annotate(**per_stage).order_by())  # fmt: skip
        inner, params = firsts.query.sql_with_params()
        bounds = [connection.ops.adapt_datetimefield_value(f.start), connection.ops.adapt_datetimefield_value(f.end)]
        steps = []
        for a, b in STEPS:
            real = "" if (a, b) == ("lead", "customer") else f" AND {a}_real = 1 AND {b}_real = 1"
            steps.append(f"SELECT '{a}' AS a, '{b}' AS b, {days_between(f'{b}_at', f'{a}_at')} AS d FROM f "
                         f"WHERE {b}_at >= %s AND {b}_at < %s AND {b}_at >= {a}_at{real}")  # fmt: skip
        body = f"WITH f AS ({inner}) {' UNION ALL '.join(steps)}"
        params = (*params, *bounds * len(STEPS))
        if connection.vendor == "postgresql":
            sql = (f"SELECT a, b, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
                   f"percentile_cont(0.75) WITHIN GROUP (ORDER BY d) FROM ({body}) s GROUP BY a, b")  # fmt: skip
            rows = fetch(sql, list(params))
            return {(a, b): {"leads": n, "median_days": _days(m), "p75_days": _days(p)} for a, b, n, m, p in rows}
        durations = pd.DataFrame(fetch(body, list(params)), columns=["a", "b", "d"])
        return _quantiles(durations, ["a", "b"])

    def _current(self) -> dict[str, dict[str, Any]]:
        f = self.filters
        leads = Lead.objects.filter(f.lead_q(), stage__in=OPEN_STAGES, stage_changed_at__lt=f.end)
        inner, params = leads.values("stage", "stage_changed_at").order_by().query.sql_with_params()
        days = days_between("%s", "c.stage_changed_at")
        body = f"SELECT c.stage AS a, {days} AS d FROM ({inner}) c"
        end = connection.ops.adapt_datetimefield_value(f.end)
        if connection.vendor == "postgresql":
            body = body.replace("%s", "CAST(%s AS timestamptz)", 1)
            sql = (f"SELECT a, COUNT(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY d), "
                   f"percentile_cont(0.75) WITHIN GROUP (ORDER BY d) FROM ({body}) s GROUP BY a")  # fmt: skip
            found = {a: {"leads": n, "median_days": _days(m), "p75_days": _days(p)}
                     for a, n, m, p in fetch(sql, [end, *params])}  # fmt: skip
        else:
            frame = pd.DataFrame(fetch(body, [end, *params]), columns=["a", "d"])
            found = {key[0]: value for key, value in _quantiles(frame, ["a"]).items()}
        return {stage: found.get(stage, {"leads": 0, "median_days": None, "p75_days": None}) for stage in OPEN_STAGES}


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def _quantiles(frame: pd.DataFrame, by: list[str]) -> dict[Any, dict[str, Any]]:
    """Linear-interpolated quantiles (what percentile_cont computes) for backends without it."""
    result: dict[Any, dict[str, Any]] = {}
    for key, group in frame.groupby(by):
        values = group["d"].astype(float)
        result[tuple(key)] = {"leads": len(values), "median_days": _days(values.quantile(0.5)),
                              "p75_days": _days(values.quantile(0.75))}  # fmt: skip
    return result
