"""`python -m bench [--size smoke|small|full]`: workloads 1, 2, 4, 5, 6 and 7 beside their
references, median of runs.

Writes bench/results/latest.json (or --out) and prints ratio first, absolute figures second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import psycopg2

from bench import analytics, rescore, segments, tick
from bench import workloads as w
from bench.setup import ROOT, broker_url, database_prepare, gunicorn, server_url

# dataset (leads, touchpoints), workload 1 (requests per run, rows per request), workload 2 (same), runs
SIZES: dict[str, dict[str, Any]] = {
    "smoke": {"leads": 2_000, "touchpoints": 10_000, "w1": (1, 500), "w2": (1, 2_000), "runs": 3},
    "small": {"leads": 100_000, "touchpoints": 1_000_000, "w1": (2, 5_000), "w2": (2, 20_000), "runs": 3},
    "full": {"leads": 1_000_000, "touchpoints": 10_000_000, "w1": (4, 5_000), "w2": (4, 20_000), "runs": 5},
}
TARGETS = {1: 0.25, 2: 0.25}
PG_SETTINGS = ("shared_buffers", "work_mem", "maintenance_work_mem", "synchronous_commit", "fsync", "wal_level",
               "max_wal_size", "checkpoint_timeout", "effective_io_concurrency", "max_connections")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=SIZES, default=os.environ.get("SIZE") or "full")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""),
                        help="Scratch database, dropped and recreated (default: <DATABASE_URL>_bench).")  # fmt: skip
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latest.json"))
    parser.add_argument("--runs", type=int, default=0, help="Override the runs of the size (at least 3).")
    args = parser.parse_args(argv)
    database_url = args.database_url or _default_bench_url()
    size = SIZES[args.size]
    runs = max(3, args.runs or size["runs"])
    began = time.monotonic()
    token = database_prepare(database_url, leads=size["leads"], touchpoints=size["touchpoints"], seed=7)
    prepared = time.monotonic() - began
    # First, on the dataset as loaded: the tick's trigger scans re-check every lead edited in the last minutes
    # (their safety margin), so run after workload 1's 60,000 new leads they would time a one-off catch-up,
    # not the steady state with 1 % due that the workload is about. No HTTP.
    ticking = tick.workload_tick_scans(database_url, runs)
    with gunicorn(database_url) as bind:
        api = w.Api(bind, token)
        first = workload_leads(api, database_url, size, runs)
        second = workload_touchpoints(api, database_url, size, runs)
        preview = segments.workload_segment_preview(api, database_url, runs)
        preview["met"] = preview["met"] and preview["counts_agree"]
    rescoring = rescore.workload_rescore(database_url, runs)  # a database job: no HTTP
    # Last: it adds the won opportunities of the dataset's customers (attribution needs revenue to credit).
    panels = analytics.workload_analytics(database_url, runs)
    panels["met"] = panels["met"] and panels["figures_agree"]
    report = {
        "size": args.size, "dataset": {"leads": size["leads"], "touchpoints": size["touchpoints"]},
        "runs": runs, "prepare_seconds": round(prepared, 1), "total_seconds": round(time.monotonic() - began, 1),
        "environment": environment(database_url), "workloads": [first, second, rescoring, preview, ticking,
                                                              panels],
    }  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(report)
    return 0 if all(item["met"] for item in report["workloads"]) or args.size == "smoke" else 1


def _default_bench_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://... (or BENCH_DATABASE_URL).")
    name = base.rsplit("/", 1)[1].split("?", 1)[0]
    return server_url(base, f"{name}_bench")


def workload_leads(api: w.Api, database_url: str, size: dict[str, Any], runs: int) -> dict[str, Any]:
    requests, per_request = size["w1"]
    rng = random.Random(1)
    app, ref, settled, drained = [], [], [], []
    for run in range(-1, runs):  # run -1 warms both sides up (server workers, caches, the Celery worker), untimed
        # Each side updates its own 20 % of existing leads and creates its own new ones: same work, no overlap.
        existing = w.existing_leads(database_url, 2 * requests * per_request // 5, rng)
        half = len(existing) // 2
        mine, theirs = existing[:half], existing[half:]
        app_batches = [w.lead_records(f"app{run}r{r}", per_request, mine[r::requests]) for r in range(requests)]
        ref_batches = [w.lead_records(f"ref{run}r{r}", per_request, theirs[r::requests]) for r in range(requests)]
        if run < 0:
            timing, ids = w.leads_via_api(api, app_batches)
            w.scores_settle(database_url, ids, since=time.time() - timing.seconds)
            w.worker_drain(database_url, broker_url())
            w.leads_via_copy(database_url, ref_batches)
            continue
        if run % 2:  # who goes first alternates, so a drift in the machine's load falls on both sides
            ref.append(w.leads_via_copy(database_url, ref_batches))
        began = time.time()
        timing, ids = w.leads_via_api(api, app_batches)
        app.append(timing)
        settled.append(w.scores_settle(database_url, ids, since=began) - timing.seconds)
        drained.append(w.worker_drain(database_url, broker_url()) + settled[-1])
        if not run % 2:
            ref.append(w.leads_via_copy(database_url, ref_batches))
    result = summary(1, "bulk lead upsert over HTTP (/api/v1/leads/bulk/, 20 % existing)",
                     "COPY into a staging table + one INSERT ... ON CONFLICT DO UPDATE into leads_lead",
                     per_request, app, ref)  # fmt: skip
    # Scores are computed by a task the request queues: how long after the last answer they were all stored.
    result["scores_ready_after_seconds_median"] = round(statistics.median(settled), 2)
    # ... and until the worker had done everything the requests queued (routing, clocks, enrolments).
    result["worker_done_after_seconds_median"] = round(statistics.median(drained), 2)
    return result


def workload_touchpoints(api: w.Api, database_url: str, size: dict[str, Any], runs: int) -> dict[str, Any]:
    requests, per_request = size["w2"]
    rng = random.Random(2)
    leads = w.existing_leads(database_url, 2000, rng)
    by_email = {email: lead_id for lead_id, email in leads}
    app, ref, reported = [], [], 0
    sent: list[str] = []
    for run in range(runs):
        batches = []
        for r in range(requests):
            batch = w.touchpoint_records(f"tp{run}r{r}", per_request, leads, sent, rng)
            sent.extend(record["event_id"] for record in batch[:1000])
            batches.append(batch)
        timing, duplicates = w.touchpoints_via_api(api, batches)
        app.append(timing)
        reported += duplicates
        ref.append(w.touchpoints_via_copy(database_url, batches, by_email))
    result = summary(2, "bulk touchpoint ingest over HTTP (/api/v1/touchpoints/bulk/, 5 % repeated event_id)",
                     "raw COPY of the same rows into leads_touchpoint", per_request, app, ref)  # fmt: skip
    stored_duplicates = w.duplicate_event_ids(database_url)
    result["duplicates_reported"] = reported
    result["duplicate_event_ids_stored"] = stored_duplicates
    result["met"] = result["met"] and stored_duplicates == 0
    return result


def summary(number: int, name: str, reference: str, batch: int, app: list[w.Timing], ref: list[w.Timing]
            ) -> dict[str, Any]:  # fmt: skip
    app_rate = statistics.median(t.rows_per_s for t in app)
    ref_rate = statistics.median(t.rows_per_s for t in ref)
    ratio = app_rate / ref_rate if ref_rate else 0.0
    return {
        "workload": number, "name": name, "ratio": round(ratio, 3), "target": TARGETS[number],
        "met": ratio >= TARGETS[number], "rows_per_request": batch,
        "app": {"rows_per_s_median": round(app_rate), "runs": [_run(t) for t in app]},
        "reference": {"name": reference, "rows_per_s_median": round(ref_rate), "runs": [_run(t) for t in ref]},
    }  # fmt: skip


def _run(timing: w.Timing) -> dict[str, Any]:
    return {"rows": timing.rows, "seconds": round(timing.seconds, 4), "rows_per_s": round(timing.rows_per_s)}


def environment(database_url: str) -> dict[str, Any]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [list(PG_SETTINGS)])
        settings = {name: f"{value}{unit or ''}" if unit not in ("8kB",) else f"{value}x8kB"
                    for name, value, unit in cursor.fetchall()}  # fmt: skip
    conn.close()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=False).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return {
        "machine": {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
                    "processor": platform.processor() or platform.machine(), "memory": _memory()},
        "postgres": {"version": version, "settings": settings}, "gunicorn_workers": 2, "commit": commit,
        "celery_worker": bool(broker_url()),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }  # fmt: skip


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def print_table(report: dict[str, Any]) -> None:
    print(f"LeadFlow benchmarks, size {report['size']} ({report['dataset']['leads']:,} leads, "
          f"{report['dataset']['touchpoints']:,} touchpoints), median of {report['runs']} runs")  # fmt: skip
    print(f"{'#':<3}{'ratio':>7}{'target':>8}  {'met':<5}{'app':>14}{'reference':>14}  workload")
    for item in report["workloads"]:
        if item.get("lower_is_better"):  # a time: the ratio is app / reference, the target a ceiling
            app, ref = f"{item['app']['ms_median']:,.0f} ms", f"{item['reference']['ms_median']:,.0f} ms"
        else:
            app, ref = f"{item['app']['rows_per_s_median']:,} r/s", f"{item['reference']['rows_per_s_median']:,} r/s"
        print(f"{item['workload']:<3}{item['ratio']:>7.2f}{item['target']:>8.2f}  {'yes' if item['met'] else 'NO':<5}"
              f"{app:>14}{ref:>14}  {item['name']}")
        for panel in item.get("panels", []):  # workload 7: one line per analytics panel, cold and warm
            print(f"{'':<3}{panel['ratio']:>7.2f}{'':>8}  {'yes' if panel['met'] else 'NO':<5}"
                  f"{panel['cold_ms']:>11,.0f} ms{panel['reference_ms']:>11,.0f} ms  {panel['panel']} "
                  f"(warm {panel['warm_ms']:.1f} ms)")
    pg = report["environment"]["postgres"]["version"].split(" on ")[0]
    print(f"{pg}; {report['environment']['machine']['cpus']} CPUs; total {report['total_seconds']}s")
