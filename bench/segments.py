"""Workload 6 of spec/benchmarks.md: segment preview (a 3-level AND/OR tree with an event window), count and
sample, timed over HTTP beside the equivalent hand-written SQL in the same run.

Plugs into bench/run.py as `segments.workload_segment_preview(api, database_url, runs)` after the dataset is
loaded and gunicorn is up; it returns a summary in milliseconds (lower is better: the ratio is app / reference,
met when it is at most 1.5 and the app answers in under a second). On its own:
`python -m bench.segments --database-url postgres://.../leadflow_bench_segments --leads 100000 --touchpoints
1000000` (the database is dropped and recreated).

The generated dataset covers 2025; the window is "the last N days" with N computed so that it reaches back
to DATASET_WINDOW_FROM, the same cut-off for the app and the reference (both take the server's now()).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

import psycopg2

from bench.workloads import Api

TARGET_RATIO = 1.5
TARGET_MS = 1000.0
SAMPLE = 20
DATASET_WINDOW_FROM = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
EVENT_KINDS = ("email_open", "email_click", "webinar_attend")


def window_days(now: dt.datetime | None = None) -> int:
    return max(1, ((now or dt.datetime.now(dt.UTC)) - DATASET_WINDOW_FROM).days)


def segment_rule(days: int) -> dict[str, Any]:
    """Three levels: AND of (OR of a list and an AND), an event count in a window, and a NOT."""
    return {"all": [
        {"any": [
            {"field": "industry", "op": "in", "value": ["manufacturing", "software"]},
            {"all": [{"field": "fit_score", "op": "gte", "value": 70},
                     {"field": "region", "op": "eq", "value": "华东"}]},
        ]},
        {"event": {"kind": list(EVENT_KINDS), "within_days": days, "count_gte": 2}},
        {"not": {"stage": "customer"}},
    ]}  # fmt: skip


REFERENCE_FILTER = """
    FROM leads_lead l
    WHERE l.merged_into_id IS NULL AND l.erased_at IS NULL
      AND (l.industry IN ('manufacturing', 'software') OR (l.fit_score >= 70 AND l.region = '华东'))
      AND l.id IN (SELECT t.lead_id FROM leads_touchpoint t
                   WHERE t.lead_id IS NOT NULL AND t.occurred_at <= now()
                     AND t.occurred_at >= now() - make_interval(days => %(days)s) AND t.kind = ANY(%(kinds)s)
                   GROUP BY t.lead_id HAVING count(*) >= 2)
      AND l.stage <> 'customer'
"""
REFERENCE_COUNT = "SELECT count(*)" + REFERENCE_FILTER
REFERENCE_SAMPLE = ("SELECT l.id, l.first_name, l.last_name, l.email, l.company, l.stage, l.temperature, l.grade, "
                    "l.fit_score, l.engagement_score, l.source_score" + REFERENCE_FILTER
                    + "ORDER BY l.id DESC LIMIT %(sample)s")  # fmt: skip


def preview_via_api(api: Api, days: int) -> tuple[float, int]:
    body = json.dumps({"rule": segment_rule(days), "sample_size": SAMPLE}).encode()
    began = time.perf_counter()
    answer = api.post("/api/v1/segments/preview/", body)
    return (time.perf_counter() - began) * 1000, int(answer["count"])


def preview_via_sql(cursor: Any, days: int) -> tuple[float, int]:
    params = {"days": days, "kinds": list(EVENT_KINDS), "sample": SAMPLE}
    began = time.perf_counter()
    cursor.execute(REFERENCE_SAMPLE, params)
    cursor.fetchall()
    cursor.execute(REFERENCE_COUNT, params)
    count = cursor.fetchone()[0]
    return (time.perf_counter() - began) * 1000, int(count)


def workload_segment_preview(api: Api, database_url: str, runs: int) -> dict[str, Any]:
    """Median ms of `runs` previews each side, after one untimed warm-up each (cold caches are not the point
    of an "instant" preview); app and reference run alternately and must agree on the count."""
    days = window_days()
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            preview_via_api(api, days)
            preview_via_sql(cursor, days)
            app, ref = [], []
            for _ in range(runs):
                app.append(preview_via_api(api, days))
                ref.append(preview_via_sql(cursor, days))
    finally:
        conn.close()
    app_ms = statistics.median(ms for ms, _count in app)
    ref_ms = statistics.median(ms for ms, _count in ref)
    ratio = app_ms / ref_ms if ref_ms else 0.0
    return {
        "workload": 6, "name": "segment preview (3-level AND/OR, event window, count + sample)",
        "ratio": round(ratio, 3), "target": TARGET_RATIO, "met": ratio <= TARGET_RATIO and app_ms < TARGET_MS,
        "lower_is_better": True, "window_days": days, "sample_size": SAMPLE, "matched": app[0][1],
        "counts_agree": {count for _ms, count in app} == {count for _ms, count in ref},
        "app": {"ms_median": round(app_ms, 1), "runs": [round(ms, 1) for ms, _count in app]},
        "reference": {"name": "the same predicates in hand-written SQL (IN over a grouped touchpoint window)",
                      "ms_median": round(ref_ms, 1), "runs": [round(ms, 1) for ms, _count in ref]},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench.setup import database_prepare, gunicorn

    parser = argparse.ArgumentParser(prog="python -m bench.segments", description=__doc__)
    parser.add_argument("--database-url", required=True, help="Scratch database, dropped and recreated.")
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--touchpoints", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    token = database_prepare(args.database_url, leads=args.leads, touchpoints=args.touchpoints, seed=7)
    with gunicorn(args.database_url) as bind:
        result = workload_segment_preview(Api(bind, token), args.database_url, max(3, args.runs))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["met"] and result["counts_agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
