"""Workload 4 of spec/benchmarks.md: rescore every lead after a rule change, timed beside one hand-written
set-based `UPDATE ... FROM (aggregate)` on the same tables in the same run.

App side: `manage.py rescore --now T` (the chunked run the Celery task executes: channel recount, then one
UPDATE ... FROM (SELECT ... GROUP BY) per 20,000 leads with fit CASEs, decayed engagement, source and
grade); its own wall time, without Python start-up. Reference: one UPDATE over the whole table writing the
engagement score (the default points and negative rules, 30-day half-life) and the grade digit, from a
single GROUP BY over the touchpoints. The reference does less than the app (no fit rules, no source, no
chunks or progress), so the ratio is an upper bound. Lower is better: met when app / reference <= 1.5.
Both score as of the same `now`; `mismatches` counts leads whose stored engagement differs from the
reference's afterwards (must be 0).

Plugs into bench/run.py as `rescore.workload_rescore(database_url, runs)` after the dataset is loaded (no
HTTP needed). On its own: `python -m bench.rescore --database-url postgres://.../leadflow_bench_rescore`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

import psycopg2

TARGET_RATIO = 1.5
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

ENGAGEMENT = """
    SELECT t.lead_id, GREATEST(0, LEAST(100, FLOOR(SUM(
             CASE WHEN t.properties ->> 'event' = 'unsubscribe' THEN -30
                  WHEN t.properties ->> 'event' = 'bounce' THEN -20
                  WHEN t.kind = 'page_view' AND (strpos(lower(t.properties ->> 'url'), '/careers') > 0
                       OR strpos(lower(t.properties ->> 'url'), '/jobs') > 0) THEN -10
                  ELSE coalesce(p.points, 0) END
             * power(0.5, EXTRACT(EPOCH FROM (%(now)s::timestamptz - t.occurred_at)) / 86400.0 / 30.0)) + 0.5)))::int
           AS engagement
    FROM leads_touchpoint t
    LEFT JOIN (VALUES ('page_view', 1), ('form_submit', 10), ('content_download', 8), ('webinar_register', 6),
                      ('webinar_attend', 12), ('event_checkin', 15), ('email_open', 1), ('email_click', 3),
                      ('email_reply', 10), ('call', 8), ('meeting', 20), ('demo_request', 30), ('trial_signup', 25),
                      ('product_usage', 5), ('chat', 5), ('wecom_message', 4), ('ad_click', 2)) p(kind, points)
           ON p.kind = t.kind
    WHERE t.lead_id IS NOT NULL AND t.occurred_at <= %(now)s
    GROUP BY t.lead_id
"""
REFERENCE = f"""
    UPDATE leads_lead l SET engagement_score = coalesce(e.engagement, 0),
           grade = left(l.grade, 1) || CASE WHEN coalesce(e.engagement, 0) >= 60 THEN '1'
                                            WHEN coalesce(e.engagement, 0) >= 30 THEN '2'
                                            WHEN coalesce(e.engagement, 0) >= 10 THEN '3' ELSE '4' END
    FROM leads_lead x LEFT JOIN ({ENGAGEMENT}) e ON e.lead_id = x.id
    WHERE l.id = x.id AND x.merged_into_id IS NULL
"""
MISMATCHES = f"""
    SELECT count(*) FROM leads_lead l LEFT JOIN ({ENGAGEMENT}) e ON e.lead_id = l.id
    WHERE l.merged_into_id IS NULL AND l.engagement_score <> coalesce(e.engagement, 0)
"""


def rescore_via_app(database_url: str) -> float:
    from bench.setup import manage

    output = manage(database_url, "rescore", "--now", NOW.isoformat())
    return float(json.loads(output.splitlines()[-1])["ms"])


def rescore_via_sql(database_url: str) -> float:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            began = time.perf_counter()
            cursor.execute(REFERENCE, {"now": NOW})
            conn.commit()
            return (time.perf_counter() - began) * 1000
    finally:
        conn.close()


def mismatches(database_url: str) -> int:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(MISMATCHES, {"now": NOW})
            return int(cursor.fetchone()[0])
    finally:
        conn.close()


def workload_rescore(database_url: str, runs: int) -> dict[str, Any]:
    """Median ms of `runs` full rescores each side, alternating, after one untimed warm-up each."""
    rescore_via_sql(database_url)
    rescore_via_app(database_url)
    app, ref = [], []
    for _ in range(runs):
        ref.append(rescore_via_sql(database_url))
        app.append(rescore_via_app(database_url))
    wrong = mismatches(database_url)  # the app ran last: its stored engagement against the reference's
    app_ms, ref_ms = statistics.median(app), statistics.median(ref)
    ratio = app_ms / ref_ms if ref_ms else 0.0
    return {
        "workload": 4, "name": "rescore all leads after a rule change",
        "ratio": round(ratio, 3), "target": TARGET_RATIO, "met": ratio <= TARGET_RATIO and wrong == 0,
        "lower_is_better": True, "mismatches": wrong,
        "app": {"ms_median": round(app_ms, 1), "runs": [round(ms, 1) for ms in app]},
        "reference": {"name": "one hand-written UPDATE ... FROM (SELECT ... GROUP BY lead_id) over every lead",
                      "ms_median": round(ref_ms, 1), "runs": [round(ms, 1) for ms in ref]},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench.setup import database_prepare

    parser = argparse.ArgumentParser(prog="python -m bench.rescore", description=__doc__)
    parser.add_argument("--database-url", required=True, help="Scratch database, dropped and recreated.")
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--touchpoints", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    database_prepare(args.database_url, leads=args.leads, touchpoints=args.touchpoints, seed=7)
    result = workload_rescore(args.database_url, max(3, args.runs))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
