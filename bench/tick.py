"""Workload 5 of spec/benchmarks.md: the `nurture_tick` scans with 1 % of the rows due, timed beside the same
predicates as raw SQL on the same partial indexes in the same run.

Data: on top of the generated dataset, every lead gets one running SLA clock (1 % due at NOW, the rest due
later) and one closed clock (history the partial index leaves out), and one open SDR task (1 % due and not
yet reminded) and one done task, written set-based with INSERT ... SELECT.

App side: `manage.py nurture_tick --scan-only --now NOW` (each registered scan: the exact claim query its sweep
runs, ids `FOR UPDATE SKIP LOCKED` with the batch limit, then rolled back); its own timings after an untimed
warm-up, without Python start-up. Reference: the same predicates, order and limit as hand-written SQL with
`FOR UPDATE SKIP LOCKED` through psycopg2, rolled back. "ms per tick" is the sum over the scans. Lower is better:
met when app / reference <= 1.2 and the app's tick scans take under 100 ms. The sequences half adds its scans
(silent 30/60/90, due steps) to `nurturing.services.tick.SCANS` and their SQL to `REFERENCES` below.

Plugs into bench/run.py as `tick.workload_tick_scans(database_url, runs)` after the dataset is loaded (no HTTP).
On its own: `python -m bench.tick --database-url postgres://.../leadflow_bench_tick`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

import psycopg2

TARGET_RATIO = 1.2
TARGET_MS = 100.0
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LIMIT = 500

SETUP = """
    DELETE FROM nurturing_slaclock; DELETE FROM nurturing_sdrtask;
    INSERT INTO nurturing_slaclock (lead_id, policy_id, status, started_at, due_at, met_late, close_reason)
    SELECT l.id, p.id, 'open', %(now)s - interval '1 day',
           CASE WHEN l.id %% 100 = 0 THEN %(now)s - interval '1 hour'
                ELSE %(now)s + interval '1 hour' + (l.id %% 5000) * interval '1 minute' END, false, ''
    FROM leads_lead l, nurturing_slapolicy p WHERE p.code = 'mql_accept';
    INSERT INTO nurturing_slaclock (lead_id, policy_id, status, started_at, due_at, met_at, met_late, closed_at,
                                    close_reason)
    SELECT l.id, p.id, 'met', %(now)s - interval '30 days', %(now)s - interval '28 days', %(now)s - interval '29 days',
           false, %(now)s - interval '29 days', 'bench history'
    FROM leads_lead l, nurturing_slapolicy p WHERE p.code = 'first_touch';
    INSERT INTO nurturing_sdrtask (lead_id, kind, title, due_at, outcome, note, source, source_ref, created_at,
                                   updated_at)
    SELECT l.id, 'call', '', CASE WHEN l.id %% 100 = 7 THEN %(now)s - interval '2 hours'
                                  ELSE %(now)s + (l.id %% 7000) * interval '1 minute' END,
           '', '', 'rule', 'bench', %(now)s, %(now)s
    FROM leads_lead l;
    INSERT INTO nurturing_sdrtask (lead_id, kind, title, due_at, done_at, outcome, note, source, source_ref,
                                   created_at, updated_at)
    SELECT l.id, 'email', '', %(now)s - interval '10 days', %(now)s - interval '9 days', 'sent', '', 'rule',
           'bench', %(now)s, %(now)s
    FROM leads_lead l;
    ANALYZE nurturing_slaclock; ANALYZE nurturing_sdrtask;
"""

REFERENCES = {
    "sla_breaches": """
        SELECT id FROM nurturing_slaclock
        WHERE closed_at IS NULL AND breached_at IS NULL AND due_at <= %(now)s
        ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
    "tasks_overdue": """
        SELECT id FROM nurturing_sdrtask
        WHERE done_at IS NULL AND overdue_notified_at IS NULL AND due_at <= %(now)s
        ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
}


def data_prepare(database_url: str) -> dict[str, int]:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(SETUP, {"now": NOW})
            conn.commit()
            cursor.execute("SELECT count(*) FROM nurturing_slaclock WHERE closed_at IS NULL AND due_at <= %s", (NOW,))
            due = int(cursor.fetchone()[0])
            cursor.execute("SELECT count(*) FROM nurturing_slaclock")
            return {"clocks": int(cursor.fetchone()[0]), "clocks_due": due}
    finally:
        conn.close()


def scans_via_app(database_url: str, repeat: int) -> dict[str, Any]:
    from bench.setup import manage

    output = manage(database_url, "nurture_tick", "--scan-only", "--now", NOW.isoformat(), "--batch-size",
                    str(LIMIT), "--repeat", str(repeat))  # fmt: skip
    return dict(json.loads(output.strip().splitlines()[-1]))


def scans_via_sql(database_url: str, names: list[str], repeat: int) -> dict[str, Any]:
    conn = psycopg2.connect(database_url)
    timings: dict[str, Any] = {}
    try:
        with conn.cursor() as cursor:
            for name in names:
                runs, rows = [], 0
                for _ in range(repeat):
                    began = time.perf_counter()
                    cursor.execute(REFERENCES[name], {"now": NOW, "limit": LIMIT})
                    rows = len(cursor.fetchall())
                    runs.append((time.perf_counter() - began) * 1000)
                    conn.rollback()
                timings[name] = {"ms": runs, "rows": rows}
    finally:
        conn.close()
    return timings


def workload_tick_scans(database_url: str, runs: int) -> dict[str, Any]:
    """Median ms per tick (sum of the scans' medians) each side; each side warms up once untimed."""
    data = data_prepare(database_url)
    scans_via_app(database_url, 1)
    app = scans_via_app(database_url, runs)
    names = [name for name in app if name in REFERENCES]
    scans_via_sql(database_url, names, 1)
    ref = scans_via_sql(database_url, names, runs)
    per_scan = {name: {"app_ms": round(statistics.median(app[name]["ms"]), 2),
                       "reference_ms": round(statistics.median(ref[name]["ms"]), 2),
                       "rows": app[name]["rows"], "rows_agree": app[name]["rows"] == ref[name]["rows"]}
                for name in names}  # fmt: skip
    app_runs = [sum(app[name]["ms"][i] for name in names) for i in range(runs)]
    ref_runs = [sum(ref[name]["ms"][i] for name in names) for i in range(runs)]
    app_ms, ref_ms = statistics.median(app_runs), statistics.median(ref_runs)
    ratio = app_ms / ref_ms if ref_ms else 0.0
    agree = all(scan["rows_agree"] for scan in per_scan.values())
    return {
        "workload": 5, "name": "nurture_tick scans with 1 % due (claim queries, work excluded)",
        "ratio": round(ratio, 3), "target": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO and app_ms < TARGET_MS and agree, "lower_is_better": True,
        "rows_agree": agree, "data": data, "batch": LIMIT, "scans": per_scan,
        "unmeasured_scans": [name for name in app if name not in REFERENCES],
        "app": {"ms_median": round(app_ms, 2), "runs": [round(ms, 2) for ms in app_runs]},
        "reference": {"name": "the same predicates, order and limit in SQL, FOR UPDATE SKIP LOCKED (psycopg2)",
                      "ms_median": round(ref_ms, 2), "runs": [round(ms, 2) for ms in ref_runs]},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from bench.setup import database_prepare

    parser = argparse.ArgumentParser(prog="python -m bench.tick", description=__doc__)
    parser.add_argument("--database-url", required=True, help="Scratch database, dropped and recreated.")
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--touchpoints", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    database_prepare(args.database_url, leads=args.leads, touchpoints=args.touchpoints, seed=7)
    result = workload_tick_scans(args.database_url, max(3, args.runs))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
