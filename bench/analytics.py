"""Workload 7 of spec/benchmarks.md: the analytics panels (funnel, velocity, CAC/LTV, attribution with each
model) for the dataset's 12 months, cold (cache cleared) and warm (cached), beside hand-written SQL with
window functions for the same figures, in the same run.

The app side runs in a child process with Django (the query objects' `run()`, in-process, no HTTP), the
reference with psycopg2 in this one. The two are interleaved run by run (who goes first alternates), so a
change in the load of a shared machine falls on both sides of a ratio alike. Before timing, every customer
of the dataset gets its won opportunity and `new` revenue event (generate_dataset writes stage history
only; idempotent), so attribution has revenue to credit.
Plugs into bench/run.py as `analytics.workload_analytics(database_url, runs)`; on its own:
`python -m bench.analytics --database-url postgres://.../leadflow_bench` (an already prepared bench database).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import psycopg2

from bench.setup import PYTHON, ROOT, app_env

TARGET_RATIO = 1.5
TARGET_WARM_MS = 50.0
DATE_FROM, DATE_TO = "2025-01-01", "2025-12-31"
# The period in UTC: Asia/Shanghai midnights (the business zone of the settings).
START, END = "2024-12-31T16:00:00+00:00", "2025-12-31T16:00:00+00:00"
MODELS = ("first_touch", "last_touch", "linear", "time_decay", "u_shaped", "w_shaped", "markov")
FORWARD = "('lead', 'mql', 'sal', 'sql', 'opportunity', 'customer')"

FIXTURES = """
INSERT INTO leads_opportunity (created_at, updated_at, lead_id, account_id, name, amount, currency, status,
                               opened_at, closed_at, won_amount, lost_reason, expected_close)
SELECT c.at, c.at, c.lead_id, l.account_id, 'bench ' || c.lead_id, 50000 + (c.lead_id * 7919) % 450000, 'CNY',
       'won', COALESCE(o.at, c.at), c.at, 50000 + (c.lead_id * 7919) % 450000, '', c.at::date
FROM leads_stagechange c JOIN leads_lead l ON l.id = c.lead_id
LEFT JOIN leads_stagechange o ON o.lead_id = c.lead_id AND o.to_stage = 'opportunity'
WHERE c.to_stage = 'customer' AND NOT EXISTS (SELECT 1 FROM leads_opportunity x WHERE x.lead_id = c.lead_id);
INSERT INTO leads_revenueevent (created_at, updated_at, account_id, kind, date, amount, currency, opportunity_id,
                                lead_id, note)
SELECT o.closed_at, o.closed_at, o.account_id, 'new', (o.closed_at AT TIME ZONE 'Asia/Shanghai')::date,
       o.won_amount, 'CNY', o.id, o.lead_id, ''
FROM leads_opportunity o WHERE o.status = 'won' AND o.account_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM leads_revenueevent r WHERE r.opportunity_id = o.id AND r.kind = 'new');
ANALYZE leads_opportunity; ANALYZE leads_revenueevent;
"""

REF_FUNNEL = f"""
WITH cohort AS (SELECT id FROM leads_lead WHERE created_at >= %(start)s AND created_at < %(end)s
                AND merged_into_id IS NULL)
SELECT 'lead', count(*) FROM cohort
UNION ALL SELECT sc.to_stage, count(DISTINCT sc.lead_id) FROM leads_stagechange sc JOIN cohort c ON c.id = sc.lead_id
  WHERE sc.to_stage IN ('mql', 'sal', 'sql', 'opportunity', 'customer') GROUP BY sc.to_stage
UNION ALL SELECT 'flow:' || sc.to_stage, count(*) FROM leads_stagechange sc JOIN leads_lead l ON l.id = sc.lead_id
  WHERE l.merged_into_id IS NULL AND sc.at >= %(start)s AND sc.at < %(end)s AND sc.to_stage IN {FORWARD}
  GROUP BY sc.to_stage
UNION ALL SELECT 'visits', count(DISTINCT CASE WHEN lead_id IS NOT NULL THEN 'L' || lead_id ELSE 'A' || anonymous_id
  END) FROM leads_touchpoint WHERE kind = 'page_view' AND occurred_at >= %(start)s AND occurred_at < %(end)s
  AND NOT (lead_id IS NULL AND anonymous_id = '')
"""

REF_VELOCITY = f"""
WITH f AS (SELECT sc.lead_id, sc.to_stage, min(sc.at) AS at, bool_or(NOT sc.implied) AS is_real
           FROM leads_stagechange sc JOIN leads_lead l ON l.id = sc.lead_id
           WHERE l.merged_into_id IS NULL AND sc.to_stage IN {FORWARD} GROUP BY 1, 2),
p(a, b, cycle) AS (VALUES ('lead', 'mql', false), ('mql', 'sal', false), ('sal', 'sql', false),
                          ('sql', 'opportunity', false), ('opportunity', 'customer', false), ('lead', 'customer', true))
SELECT p.a, p.b, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM y.at - x.at) / 86400),
       percentile_cont(0.75) WITHIN GROUP (ORDER BY extract(epoch FROM y.at - x.at) / 86400)
FROM p JOIN f x ON x.to_stage = p.a JOIN f y ON y.lead_id = x.lead_id AND y.to_stage = p.b
WHERE y.at >= %(start)s AND y.at < %(end)s AND y.at >= x.at AND (p.cycle OR (x.is_real AND y.is_real))
GROUP BY p.a, p.b;
SELECT stage, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM %(end)s::timestamptz
       - stage_changed_at) / 86400), percentile_cont(0.75) WITHIN GROUP (ORDER BY extract(epoch FROM
       %(end)s::timestamptz - stage_changed_at) / 86400)
FROM leads_lead WHERE merged_into_id IS NULL AND stage IN ('lead', 'mql', 'sal', 'sql', 'opportunity')
  AND stage_changed_at < %(end)s GROUP BY stage
"""

_CONVERSIONS = """
conv AS (SELECT sc.lead_id, min(sc.at) AS conv_at FROM leads_stagechange sc JOIN leads_lead l ON l.id = sc.lead_id
         WHERE l.merged_into_id IS NULL AND sc.to_stage = 'customer' AND sc.at >= %(start)s AND sc.at < %(end)s
         GROUP BY sc.lead_id),
r AS (SELECT DISTINCT ON (c.lead_id) c.lead_id, c.conv_at, l.created_at, COALESCE(o.won_amount, 0) AS revenue,
             o.opened_at FROM conv c JOIN leads_lead l ON l.id = c.lead_id
      LEFT JOIN leads_opportunity o ON o.lead_id = c.lead_id AND o.status = 'won' AND o.closed_at <= c.conv_at
      ORDER BY c.lead_id, o.closed_at DESC, o.id DESC),
t AS (SELECT r.lead_id, r.revenue, tp.channel_id AS k, tp.id AS tid, tp.occurred_at,
             extract(epoch FROM r.conv_at - tp.occurred_at) / 86400 AS age,
             abs(extract(epoch FROM tp.occurred_at - r.created_at)) AS d_created,
             abs(extract(epoch FROM tp.occurred_at - COALESCE(r.opened_at, r.conv_at))) AS d_opp,
             row_number() OVER w AS pos, count(*) OVER (PARTITION BY r.lead_id) AS n
      FROM r JOIN leads_touchpoint tp ON tp.lead_id = r.lead_id
      WHERE tp.occurred_at <= r.conv_at AND tp.occurred_at >= r.conv_at - interval '180 days'
      WINDOW w AS (PARTITION BY r.lead_id ORDER BY tp.occurred_at, tp.id))
"""
_WEIGHTS = {
    "first_touch": "CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END",
    "last_touch": "CASE WHEN pos = n THEN 1.0 ELSE 0.0 END",
    "linear": "1.0",
    "time_decay": "power(2, -age / 7.0)",
    "u_shaped": "CASE WHEN n <= 2 THEN 1.0 WHEN pos = 1 OR pos = n THEN 0.4 ELSE 0.2 / (n - 2) END",
    "w_shaped": ("(CASE WHEN pos = 1 THEN 0.3 ELSE 0 END + CASE WHEN pos = cpos THEN 0.3 ELSE 0 END"
                 " + CASE WHEN pos = opos THEN 0.3 ELSE 0 END + CASE WHEN pos NOT IN (1, cpos, opos)"
                 " THEN 0.1 / (n - (SELECT count(DISTINCT x) FROM unnest(ARRAY[1, cpos, opos]) x)) ELSE 0 END)"),
}  # fmt: skip
_W_ANCHORED = """
b AS (SELECT t.*, first_value(pos) OVER (PARTITION BY lead_id ORDER BY d_created, pos) AS cpos,
             first_value(pos) OVER (PARTITION BY lead_id ORDER BY d_opp, pos) AS opos FROM t)
"""
REF_MARKOV = (
    _CONVERSIONS
    + """,
others AS (SELECT tp.lead_id, tp.id AS tid, tp.occurred_at, tp.channel_id AS k FROM leads_touchpoint tp
           JOIN leads_lead l ON l.id = tp.lead_id
           WHERE l.merged_into_id IS NULL AND tp.occurred_at >= %(start)s AND tp.occurred_at < %(end)s
             AND NOT EXISTS (SELECT 1 FROM leads_stagechange s WHERE s.lead_id = tp.lead_id
                             AND s.to_stage = 'customer' AND s.at < %(end)s)),
paths AS (SELECT lead_id, 1 AS converted, tid, occurred_at, k FROM t
          UNION ALL SELECT lead_id, 0, tid, occurred_at, k FROM others),
seq AS (SELECT converted, k, row_number() OVER w AS pos, lead(k) OVER w AS next_k, lead(tid) OVER w AS next_tid
        FROM paths WINDOW w AS (PARTITION BY lead_id ORDER BY occurred_at, tid))
SELECT 'start', NULL, k, count(*) FROM seq WHERE pos = 1 GROUP BY k
UNION ALL SELECT 'move', k, next_k, count(*) FROM seq WHERE next_tid IS NOT NULL GROUP BY k, next_k
UNION ALL SELECT CASE WHEN converted = 1 THEN 'conv' ELSE 'null' END, k, NULL, count(*) FROM seq
  WHERE next_tid IS NULL GROUP BY converted, k
"""
)

REF_UNIT_ECONOMICS = """
SELECT COALESCE(c.channel_id, cp.channel_id), sum(c.amount),
       sum(c.amount) FILTER (WHERE c.category IN ('media', 'content', 'events'))
FROM leads_cost c LEFT JOIN leads_campaign cp ON cp.id = c.campaign_id
WHERE c.month >= %(month_from)s AND c.month <= %(date_to)s GROUP BY 1;
SELECT source_channel_id, count(*) FROM leads_lead WHERE merged_into_id IS NULL AND created_at >= %(start)s
  AND created_at < %(end)s GROUP BY 1;
SELECT l.source_channel_id, count(DISTINCT sc.lead_id) FILTER (WHERE sc.to_stage = 'mql'),
       count(DISTINCT sc.lead_id) FILTER (WHERE sc.to_stage = 'customer')
FROM leads_stagechange sc JOIN leads_lead l ON l.id = sc.lead_id
WHERE l.merged_into_id IS NULL AND sc.at >= %(start)s AND sc.at < %(end)s AND sc.to_stage IN ('mql', 'customer')
GROUP BY 1;
SELECT l.source_channel_id, sum(o.won_amount) FROM leads_opportunity o JOIN leads_lead l ON l.id = o.lead_id
WHERE l.merged_into_id IS NULL AND o.status = 'won' AND o.closed_at >= %(start)s AND o.closed_at < %(end)s GROUP BY 1;
WITH ev AS (SELECT account_id, kind, date, CASE WHEN kind IN ('new', 'expansion') THEN amount
                   WHEN kind IN ('contraction', 'churn') THEN -amount ELSE 0 END AS signed FROM leads_revenueevent),
s AS (SELECT account_id, sum(signed) AS arr FROM ev WHERE date < %(date_from)s GROUP BY 1 HAVING sum(signed) > 0),
e AS (SELECT account_id, sum(signed) AS arr FROM ev WHERE date <= %(date_to)s GROUP BY 1 HAVING sum(signed) > 0)
SELECT (SELECT count(*) FROM s), (SELECT sum(arr) FROM s), (SELECT count(*) FROM e), (SELECT sum(arr) FROM e),
       (SELECT count(DISTINCT ev.account_id) FROM ev JOIN s USING (account_id)
        WHERE ev.kind = 'churn' AND ev.date >= %(date_from)s AND ev.date <= %(date_to)s)
"""


def attribution_reference(model: str) -> str:
    if model == "markov":
        return "WITH " + REF_MARKOV
    source = "b" if model == "w_shaped" else "t"
    anchored = f", {_W_ANCHORED}" if model == "w_shaped" else ""
    return (
        f"WITH {_CONVERSIONS}{anchored}, rw AS (SELECT lead_id, revenue, k, {_WEIGHTS[model]} AS w FROM {source}),"
        " nw AS (SELECT revenue, k, w / sum(w) OVER (PARTITION BY lead_id) AS w FROM rw)"
        " SELECT ch.slug, sum(revenue * w), sum(w) FROM nw LEFT JOIN leads_channel ch ON ch.id = nw.k GROUP BY ch.slug"
    )


def reference_panels() -> dict[str, str]:
    panels = {"funnel": REF_FUNNEL, "velocity": REF_VELOCITY,
              "unit_economics": REF_UNIT_ECONOMICS + ";\n" + attribution_reference("linear")}  # fmt: skip
    panels.update({f"attribution_{model}": attribution_reference(model) for model in MODELS})
    return panels


def reference_run(cursor: Any, sql: str) -> tuple[float, list[Any]]:
    params = {"start": START, "end": END, "date_from": DATE_FROM, "date_to": DATE_TO, "month_from": DATE_FROM}
    began = time.perf_counter()
    rows: list[Any] = []
    for statement in (part for part in sql.split(";\n") if part.strip()):
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return (time.perf_counter() - began) * 1000, rows


def fixtures_load(database_url: str) -> None:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute(FIXTURES)
    conn.close()


class AppSide:
    """The app side: a child process with Django (see `_app_serve`) that answers one request per line on
    stdin with one JSON line on stdout: `warm <panel>` (an untimed run) or `time <panel>` (a cold and a warm
    run: {cold: ms, warm: ms, figures})."""

    def __init__(self, database_url: str) -> None:
        self.process = subprocess.Popen([PYTHON, "-m", "bench.analytics", "--app"], cwd=ROOT,
                                        env=app_env(database_url), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)  # fmt: skip

    def ask(self, command: str, panel: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{command} {panel}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the app side exited with {self.process.wait()} during {command} {panel}")
        return dict(json.loads(line))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=60)


def panel_timings(app: AppSide, cursor: Any, name: str, sql: str, runs: int) -> dict[str, Any]:
    """One panel, app and reference interleaved: one untimed round each (PostgreSQL's buffers, Python's
    imports), then `runs` rounds, the side that goes first alternating."""
    app.ask("warm", name)
    reference_run(cursor, sql)
    timed: list[dict[str, Any]] = []
    ref: list[tuple[float, list[Any]]] = []
    for index in range(runs):
        if index % 2:
            ref.append(reference_run(cursor, sql))
            timed.append(app.ask("time", name))
        else:
            timed.append(app.ask("time", name))
            ref.append(reference_run(cursor, sql))
    ref_ms = statistics.median(ms for ms, _rows in ref)
    cold = [run["cold"] for run in timed]
    warm = [run["warm"] for run in timed]
    cold_ms, warm_ms = statistics.median(cold), statistics.median(warm)
    ratio = cold_ms / ref_ms if ref_ms else 0.0
    return {
        "panel": name, "ratio": round(ratio, 3), "cold_ms": round(cold_ms, 1), "warm_ms": round(warm_ms, 2),
        "reference_ms": round(ref_ms, 1), "met": ratio <= TARGET_RATIO and warm_ms <= TARGET_WARM_MS,
        "agree": _agree(name, timed[-1]["figures"], ref[-1][1]), "app_runs": {"cold": cold, "warm": warm},
        "reference_runs": [round(ms, 1) for ms, _rows in ref],
    }  # fmt: skip


def workload_analytics(database_url: str, runs: int) -> dict[str, Any]:
    """Per panel: median cold ms (app cache cleared; PostgreSQL buffers warmed by one untimed round) and
    warm ms, against the reference's median; met when every panel's cold ratio <= 1.5 and warm <= 50 ms."""
    fixtures_load(database_url)
    conn = psycopg2.connect(database_url)
    conn.autocommit = True
    app = AppSide(database_url)
    try:
        with conn.cursor() as cursor:
            panels = [panel_timings(app, cursor, name, sql, runs) for name, sql in reference_panels().items()]
    finally:
        app.close()
        conn.close()
    worst = max(panels, key=lambda panel: panel["ratio"])
    app_ms = sum(panel["cold_ms"] for panel in panels)
    ref_ms = sum(panel["reference_ms"] for panel in panels)
    return {
        "workload": 7, "name": "analytics panels, 12 months: funnel, velocity, CAC/LTV, attribution x 7 (cold)",
        "ratio": worst["ratio"], "target": TARGET_RATIO, "lower_is_better": True,
        "met": all(panel["met"] for panel in panels), "figures_agree": all(panel["agree"] for panel in panels),
        "warm_target_ms": TARGET_WARM_MS, "worst_panel": worst["panel"],
        "app": {"ms_median": round(app_ms, 1), "runs": [panel["cold_ms"] for panel in panels]},
        "reference": {"name": "hand-written SQL with window functions, same figures (bench/analytics.py)",
                      "ms_median": round(ref_ms, 1), "runs": [panel["reference_ms"] for panel in panels]},
        "panels": panels,
    }  # fmt: skip


def _agree(name: str, figures: Any, rows: list[Any]) -> bool:
    """The app's figures against the reference's last statement: funnel counts, attribution credits."""
    if name == "funnel":
        reference = {key: int(count) for key, count in rows}
        return all(reference.get(key, 0) == count for key, count in figures.items())
    if name.startswith("attribution_") and name != "attribution_markov":
        credited = {key: float(revenue) for key, revenue, _conversions in rows}
        return all(abs(credited.get(key, 0.0) - float(revenue)) <= 0.011 for key, revenue in figures.items())
    return True


def _app_serve() -> None:
    """Child process: answer `warm <panel>` / `time <panel>` lines (see AppSide) until stdin closes. The
    cache is cleared before each untimed and each cold run."""
    replies, sys.stdout = sys.stdout, sys.stderr  # anything Django prints must not garble the replies
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadflow.settings")
    import datetime as dt

    import django

    django.setup()
    from django.core.cache import cache

    from analytics.queries.attribution import AttributionQuery
    from analytics.queries.base import AnalyticsFilters
    from analytics.queries.funnel import FunnelQuery
    from analytics.queries.unit_economics import UnitEconomicsQuery
    from analytics.queries.velocity import VelocityQuery

    filters = AnalyticsFilters(date_from=dt.date.fromisoformat(DATE_FROM), date_to=dt.date.fromisoformat(DATE_TO))
    queries: dict[str, Any] = {"funnel": FunnelQuery(filters=filters), "velocity": VelocityQuery(filters=filters),
                               "unit_economics": UnitEconomicsQuery(filters=filters)}  # fmt: skip
    queries.update({f"attribution_{m}": AttributionQuery(filters=filters, model=m) for m in MODELS})
    for line in sys.stdin:
        command, name = line.split()
        query = queries[name]
        cache.clear()
        if command == "warm":
            query.run()
            reply: dict[str, Any] = {}
        else:
            began = time.perf_counter()
            result = query.run()
            cold = round((time.perf_counter() - began) * 1000, 2)
            began = time.perf_counter()
            query.run()
            warm = round((time.perf_counter() - began) * 1000, 2)
            reply = {"cold": cold, "warm": warm, "figures": _figures(name, result.data)}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def _figures(name: str, data: dict[str, Any]) -> dict[str, Any]:
    if name == "funnel":
        figures = {row["stage"]: row["count"] for row in data["stages"]}
        figures.update({f"flow:{row['stage']}": row["count"] for row in data["flow"]})
        return figures | {"visits": data["visits"]}
    if name.startswith("attribution_"):
        return {row["key"]: row["revenue"] for row in data["rows"] if row["key"] and row["revenue"] != "0.00"}
    return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--app", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.app:
        _app_serve()
        return 0
    result = workload_analytics(args.database_url, max(3, args.runs))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["met"] and result["figures_agree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
