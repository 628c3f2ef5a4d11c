"""Funnel panel: cohort funnel, top-of-funnel visits, flow funnel and benchmarks beside the figures."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from django.db import connection
from django.db.models import Case, Count, When
from django.utils.translation import gettext_lazy as _

from analytics.attribution.sql import fetch
from analytics.choices import BENCHMARK_STEPS, BenchmarkKey
from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import FUNNEL_STAGES, ratio, records, stage_label
from analytics.selectors import benchmark_status, benchmarks_current
from leads.choices import TouchpointKind
from leads.models import Lead, StageChange, Touchpoint


@dataclass(frozen=True)
class FunnelQuery(AnalyticsQuery):
    """Cohort: leads created in the period and how many ever reached each stage (a skipped, implied stage
    counts as reached, so the counts never rise down the funnel). Flow: stage entries in the period, whatever
    the cohort. Visits: distinct visitors (lead, else anonymous id) with a page view in the period."""

    filters: AnalyticsFilters
    name: ClassVar[str] = "funnel"
    columns: ClassVar[dict[str, Any]] = {
        "stage": _("Stage key"), "label": _("Stage"), "count": _("Leads that reached it"),
        "conversion_from_previous": _("Conversion from previous"), "flow_count": _("Entries in the period"),
    }  # fmt: skip
    benchmark_columns: ClassVar[dict[str, Any]] = {
        "key": _("Benchmark key"), "label": _("Conversion"), "rate": _("Rate"), "low": _("Benchmark low"),
        "high": _("Benchmark high"), "status": _("Against the benchmark"),
    }  # fmt: skip
    extra_frame_columns: ClassVar[dict[str, dict[str, Any]]] = {"benchmarks": benchmark_columns}

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        cohort, flow = self._stage_counts()
        visits = self._visits()
        frame = pd.DataFrame({
            "stage": list(FUNNEL_STAGES),
            "label": [stage_label(stage) for stage in FUNNEL_STAGES],
            "count": [cohort[stage] for stage in FUNNEL_STAGES],
            "flow_count": [flow[stage] for stage in FUNNEL_STAGES],
        })  # fmt: skip
        previous = frame["count"].shift(1)
        frame["conversion_from_previous"] = [
            None if index == 0 else ratio(count, previous[index]) for index, count in enumerate(frame["count"])
        ]
        frame = frame[list(self.columns)]
        benchmarks = self._benchmarks(cohort={**cohort, "visit": visits})
        data = {
            "from": self.filters.date_from.isoformat(), "to": self.filters.date_to.isoformat(),
            "stages": records(frame[["stage", "count", "conversion_from_previous", "flow_count"]]),
            "overall": ratio(cohort["customer"], cohort["lead"]),
            "visits": visits, "visit_to_lead": ratio(cohort["lead"], visits),
            "flow": [{"stage": stage, "count": flow[stage]} for stage in FUNNEL_STAGES],
            "benchmarks": records(benchmarks),
        }  # fmt: skip
        return frame, data, {"benchmarks": benchmarks}

    def _stage_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """(cohort, flow) counts per stage in one statement: the cohort's leads are found once, then counted
        and joined to the stage entries they made; the flow is the period's stage entries."""
        f = self.filters
        cohort = Lead.objects.filter(f.lead_q(), created_at__gte=f.start, created_at__lt=f.end).values("id").order_by()
        cohort_sql, cohort_params = cohort.query.sql_with_params()
        flow = (
            StageChange.objects.filter(f.lead_q("lead__"), at__gte=f.start, at__lt=f.end, to_stage__in=FUNNEL_STAGES)
            .values("to_stage").annotate(n=Count("id")).values_list("to_stage", "n").order_by()
        )  # fmt: skip
        flow_sql, flow_params = flow.query.sql_with_params()
        later = FUNNEL_STAGES[1:]
        sql = (
            f"WITH cohort AS ({cohort_sql}) SELECT 'cohort', 'lead', COUNT(*) FROM cohort "
            "UNION ALL SELECT 'cohort', sc.to_stage, COUNT(DISTINCT sc.lead_id) "
            f"FROM {connection.ops.quote_name(StageChange._meta.db_table)} sc JOIN cohort c ON c.id = sc.lead_id "
            f"WHERE sc.to_stage IN ({', '.join(['%s'] * len(later))}) GROUP BY sc.to_stage "
            f"UNION ALL SELECT 'flow', x.to_stage, x.n FROM ({flow_sql}) x"
        )
        counts: dict[str, dict[str, int]] = {"cohort": {}, "flow": {}}
        for part, stage, n in fetch(sql, [*cohort_params, *later, *flow_params]):
            counts[part][stage] = int(n)
        return ({stage: counts["cohort"].get(stage, 0) for stage in FUNNEL_STAGES},
                {stage: counts["flow"].get(stage, 0) for stage in FUNNEL_STAGES})  # fmt: skip

    def _visits(self) -> int:
        """Distinct visitors: a known lead counts once whatever its anonymous ids. Channel and campaign filters
        apply to the page view's own channel/campaign; lead filters (segment, owner, tier) keep known leads
        only, as anonymous visitors have none of those."""
        f = self.filters
        views = Touchpoint.objects.filter(
            kind=TouchpointKind.PAGE_VIEW, occurred_at__gte=f.start, occurred_at__lt=f.end
        )
        if f.channel_ids:
            views = views.filter(channel_id__in=f.channel_ids)
        if f.campaign_ids:
            views = views.filter(campaign_id__in=f.campaign_ids)
        lead_only = dataclasses.replace(f, channel_ids=(), campaign_ids=())
        if lead_only.has_lead_filters:
            views = views.filter(lead_only.lead_q("lead__"), lead__isnull=False)
        # Known leads and anonymous ids never coincide as visitors, so the distinct visitors are the distinct
        # leads plus the distinct anonymous ids of views without a lead: two integer/short-text DISTINCTs in one
        # scan, instead of one over built strings.
        anonymous = Case(When(lead_id__isnull=True, then="anonymous_id"), default=None)
        counts = views.exclude(lead__isnull=True, anonymous_id="").aggregate(
            leads=Count("lead_id", distinct=True), anonymous=Count(anonymous, distinct=True)
        )
        return int(counts["leads"]) + int(counts["anonymous"])

    def _benchmarks(self, *, cohort: dict[str, int]) -> pd.DataFrame:
        ranges = benchmarks_current()
        rows = []
        for key in BenchmarkKey:
            frm, to = BENCHMARK_STEPS[key]
            rate = ratio(cohort[to], cohort[frm])
            low, high = ranges[key]
            rows.append({"key": key.value, "label": str(key.label), "rate": rate, "low": float(low),
                         "high": float(high), "status": benchmark_status(rate=rate, low=low, high=high)})  # fmt: skip
        return pd.DataFrame(rows, columns=list(self.benchmark_columns))
