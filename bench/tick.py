"""Workload 5 of spec/benchmarks.md: the `nurture_tick` scans with 1 % of the rows due, timed beside the same
predicates as raw SQL on the same indexes in the same run.

`NOW` is an hour or two after the data's last touchpoint or lead (the dataset spans 2025, its touches run
into 2026, and in `make bench` workload 1 has just created leads). On top of the data, written set-based:

* SLA clocks and SDR tasks: every lead gets one running clock (1 % due, the rest later) and one closed clock,
  one open task (1 % due and not yet reminded) and one done task.
* Nurture history, as a tick running every minute would have left it: every silent lead in stage `lead` is
  in the silent-lead reactivation (30/60/90 days) at its 60-day, 90-day or monthly wait (1 % of leads due
  now), one lead in ten has done demand mining, one message sent per lead (1 % queued and due, 1 % waiting
  for a retry).
* Then the app's own tick runs the trigger and exit sweeps once, a minute before `NOW`
  (`nurture_tick --sweep ...`): their complete first scans write the scan cursors.
* In that minute: 0.5 % of leads cross 30 silent days, 0.5 % are let go by a demand-mining enrollment that
  completed (both due for reactivation), 0.5 % sign up for a trial and 0.5 % click an email (touched: trial
  drip and engagement exits due), 0.5 % are edited to a need without timing (demand mining due). Then VACUUM
  ANALYZE, as autovacuum would.

App side: `manage.py nurture_tick --scan-only --now NOW` (each registered scan: exactly the queries its sweep
reads before any work, ids only, claims `FOR UPDATE SKIP LOCKED` with the batch limit, rolled back); its own
timings after an untimed warm-up, without Python start-up. Reference: the same predicates, order and limit as
hand-written SQL through psycopg2, with the same round trips (a trigger scan reads its sequences and cursors,
then asks each sequence's candidates), rolled back. "ms per tick" is the sum over the scans. Lower is better:
met when app / reference <= 1.2 and the app's tick scans take under 100 ms.

Plugs into bench/run.py as `tick.workload_tick_scans(database_url, runs)` after the dataset is loaded (no HTTP).
On its own: `python -m bench.tick --database-url postgres://.../leadflow_bench_tick`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg2

TARGET_RATIO = 1.2
TARGET_MS = 100.0
LIMIT = 500
MARGIN = dt.timedelta(minutes=5)  # nurturing.services.trigger_scans.MARGIN
RECHECK = 500  # nurturing.services.trigger_scans.RECHECK_BATCH
MARK = "bench-tick"  # touchpoints this workload adds (removed at its end)

SETUP_CLOCKS = """
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

_ENROLLMENT = """INSERT INTO nurturing_enrollment (created_at, updated_at, track, status, next_run_at, visits,
    started_at, ended_at, exit_reason, trigger, last_error, lead_id, sequence_id, current_step_id)"""
_SILENT = "COALESCE(l.last_touch_at, l.created_at)"

# Leads by id % 200: 11 cross 30 silent days in the last minute, 66 get a need, 77 are let go by demand
# mining, 33 sign up for a trial and 133 click an email (touched); by id % 100: 44 are due for a reactivation
# step, 55 have a message due, 56 one waiting for a retry. Rows go in by lead id, so the due ones are spread
# through the table as in life (not first in id order, where a scan that stops at its limit finds them at once).
SETUP_HISTORY = f"""
    DELETE FROM nurturing_message; DELETE FROM nurturing_stepexecution; DELETE FROM nurturing_enrollment;
    DELETE FROM nurturing_scancursor; DELETE FROM leads_touchpoint WHERE anonymous_id = '{MARK}';
    UPDATE leads_lead l SET last_touch_at = (SELECT max(t.occurred_at) FROM leads_touchpoint t WHERE t.lead_id = l.id)
    WHERE l.id %% 100 = 33;
    UPDATE leads_lead SET bant_need = false WHERE id %% 200 = 66;
    UPDATE leads_lead SET last_touch_at = %(now)s - interval '30 days 30 seconds' WHERE id %% 200 = 11;
    UPDATE leads_lead SET bant_need = true, bant_timing = false WHERE id %% 10 = 5;
    {_ENROLLMENT}
    SELECT %(now)s - interval '40 days', %(now)s - interval '10 days', 'nurture', 'completed', NULL, 14,
           %(now)s - interval '40 days', %(now)s - interval '10 days', '', 'segment_entry', '', l.id, s.id, NULL
    FROM leads_lead l JOIN nurturing_sequence s ON s.slug = 'demand-mining' WHERE l.id %% 10 = 5 ORDER BY l.id;
    {_ENROLLMENT}
    SELECT l.started, l.started, 'nurture', 'active',
           CASE WHEN l.id %% 100 = 44 THEN %(now)s - interval '1 hour'
                ELSE %(now)s + (l.id %% 7000) * interval '1 minute' END,
           2, l.started, NULL, '', 'inactivity', '', l.id, s.id, st.id
    FROM (SELECT l.id, {_SILENT} + interval '30 days' AS started FROM leads_lead l
          WHERE l.stage = 'lead' AND l.merged_into_id IS NULL AND l.erased_at IS NULL
            AND {_SILENT} <= %(now)s - interval '30 days 2 minutes' AND l.id %% 200 NOT IN (11, 77)) l
    JOIN nurturing_sequence s ON s.slug = 'silent-reactivation'
    JOIN nurturing_step st ON st.sequence_id = s.id
     AND st.key = CASE l.id %% 3 WHEN 0 THEN 'w60' WHEN 1 THEN 'w90' ELSE 'w-monthly' END
    ORDER BY l.id;
    {_ENROLLMENT}
    SELECT %(now)s - interval '28 days', %(now)s - interval '28 days', 'nurture', 'active', %(now)s + interval '1 day',
           13, %(now)s - interval '28 days', NULL, '', 'segment_entry', '', l.id, s.id, st.id
    FROM leads_lead l JOIN nurturing_sequence s ON s.slug = 'demand-mining'
    JOIN nurturing_step st ON st.sequence_id = s.id AND st.key = 'w28'
    WHERE l.id %% 200 = 77 AND l.stage = 'lead' AND {_SILENT} <= %(now)s - interval '30 days 2 minutes'
    ORDER BY l.id;
    INSERT INTO nurturing_message (created_at, updated_at, visit, channel, is_marketing, language, recipient,
                                   subject, body, status, attempts, next_attempt_at, sent_at, provider_id, error,
                                   lead_id)
    SELECT %(now)s - interval '3 days', %(now)s - interval '3 days', 0, 'email', true, 'zh-hans',
           'bench@leadflow.test', 'bench', '', CASE WHEN l.id %% 100 IN (55, 56) THEN 'queued' ELSE 'sent' END,
           CASE WHEN l.id %% 100 = 56 THEN 1 ELSE 0 END,
           CASE WHEN l.id %% 100 = 55 THEN %(now)s - interval '5 minutes'
                WHEN l.id %% 100 = 56 THEN %(now)s + interval '1 hour' END,
           CASE WHEN l.id %% 100 NOT IN (55, 56) THEN %(now)s - interval '3 days' END, '', '', l.id
    FROM leads_lead l ORDER BY l.id;
    ANALYZE leads_lead; ANALYZE nurturing_enrollment; ANALYZE nurturing_message;
"""

SETUP_LAST_MINUTE = f"""
    INSERT INTO leads_touchpoint (lead_id, anonymous_id, kind, occurred_at, properties, utm_source, utm_medium,
                                  utm_campaign, utm_term, utm_content, created_at)
    SELECT id, '{MARK}', CASE WHEN id %% 200 = 33 THEN 'trial_signup' ELSE 'email_click' END,
           %(now)s - interval '2 minutes', '{{}}', '', '', '', '', '', %(now)s
    FROM leads_lead WHERE id %% 100 = 33;
    UPDATE leads_lead SET last_touch_at = %(now)s - interval '2 minutes' WHERE id %% 100 = 33;
    UPDATE leads_lead SET bant_need = true, bant_timing = false, updated_at = now() WHERE id %% 200 = 66;
    UPDATE nurturing_enrollment e SET status = 'completed', ended_at = %(now)s - interval '2 minutes',
           next_run_at = NULL, updated_at = %(now)s
    FROM nurturing_sequence s WHERE s.id = e.sequence_id AND s.slug = 'demand-mining' AND e.status = 'active'
      AND e.lead_id %% 200 = 77;
"""

CLEANUP = f"DELETE FROM leads_touchpoint WHERE anonymous_id = '{MARK}'"

# --- the hand-written scans ------------------------------------------------------------------------------

SIMPLE = {
    "sla_breaches": """
        SELECT id FROM nurturing_slaclock
        WHERE closed_at IS NULL AND breached_at IS NULL AND due_at <= %(now)s
        ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
    "tasks_overdue": """
        SELECT id FROM nurturing_sdrtask
        WHERE done_at IS NULL AND overdue_notified_at IS NULL AND due_at <= %(now)s
        ORDER BY due_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
    "enrollment_steps": """
        SELECT e.id FROM nurturing_enrollment e JOIN nurturing_sequence s ON s.id = e.sequence_id
        WHERE e.status = 'active' AND e.next_run_at <= %(now)s AND s.status = 'active'
        ORDER BY e.next_run_at, e.id LIMIT %(limit)s FOR UPDATE OF e SKIP LOCKED""",
    "messages_deliver": """
        SELECT id FROM nurturing_message
        WHERE status IN ('queued', 'sending') AND next_attempt_at <= %(now)s
        ORDER BY next_attempt_at, id LIMIT %(limit)s FOR UPDATE SKIP LOCKED""",
}

SEQUENCES = """
    SELECT s.id, s.slug, c.now_mark, c.changed_mark, c.recheck_after
    FROM nurturing_sequence s LEFT JOIN nurturing_scancursor c ON c.sequence_id = s.id
    WHERE s.status = 'active' AND s.trigger_kind = %(kind)s ORDER BY s.priority DESC, s.id"""

RECHECK_SLICE = f"(SELECT id FROM leads_lead WHERE id > %(after)s ORDER BY id LIMIT {RECHECK})"
CHANGED_SINCE = """
    SELECT id FROM leads_lead WHERE merged_into_id IS NULL AND erased_at IS NULL
       AND COALESCE(last_touch_at, created_at) > %(moved_after)s {until}
    UNION ALL SELECT id FROM leads_lead WHERE updated_at >= %(edited_after)s
    UNION ALL SELECT lead_id FROM nurturing_enrollment WHERE ended_at >= %(ended_after)s AND track = %(track)s
    UNION ALL {recheck}"""
NOT_HELD = """NOT EXISTS (SELECT 1 FROM nurturing_enrollment h JOIN nurturing_sequence hs ON hs.id = h.sequence_id
                          WHERE h.lead_id = l.id AND h.status = 'active' AND h.track = %(track)s
                            AND hs.priority >= %(priority)s)"""

# Per built-in trigger sequence: its audience, not enrolled (since the silence), free to enter.
TRIGGERS = {
    "silent-reactivation": ("nurture", 40, f"""
        SELECT l.id FROM leads_lead l
        WHERE l.id IN ({CHANGED_SINCE.format(until="AND COALESCE(last_touch_at, created_at) <= %(silent_before)s",
                                             recheck=RECHECK_SLICE)})
          AND l.merged_into_id IS NULL AND l.erased_at IS NULL AND l.stage = 'lead'
          AND COALESCE(l.last_touch_at, l.created_at) <= %(silent_before)s
          AND NOT EXISTS (SELECT 1 FROM nurturing_enrollment e WHERE e.lead_id = l.id AND e.sequence_id = %(sequence)s
                            AND e.started_at >= COALESCE(l.last_touch_at, l.created_at))
          AND {NOT_HELD}
        ORDER BY l.id LIMIT %(limit)s"""),
    "trial-drip": ("trial", 80, f"""
        SELECT l.id FROM leads_lead l
        WHERE l.id IN ({CHANGED_SINCE.format(until="", recheck=RECHECK_SLICE)})
          AND l.merged_into_id IS NULL AND l.erased_at IS NULL
          AND l.stage NOT IN ('disqualified', 'sal', 'sql', 'opportunity', 'customer')
          AND l.id IN (SELECT t.lead_id FROM leads_touchpoint t WHERE t.kind = 'trial_signup'
                         AND t.occurred_at >= %(event_after)s AND t.occurred_at <= %(now)s)
          AND NOT EXISTS (SELECT 1 FROM nurturing_enrollment e WHERE e.lead_id = l.id AND e.sequence_id = %(sequence)s)
          AND {NOT_HELD}
        ORDER BY l.id LIMIT %(limit)s"""),
    "demand-mining": ("nurture", 60, f"""
        SELECT l.id FROM leads_lead l
        WHERE l.id IN ({CHANGED_SINCE.format(until="", recheck=RECHECK_SLICE)})
          AND l.merged_into_id IS NULL AND l.erased_at IS NULL
          AND l.stage = 'lead' AND l.bant_need AND NOT l.bant_timing
          AND NOT EXISTS (SELECT 1 FROM nurturing_enrollment e WHERE e.lead_id = l.id AND e.sequence_id = %(sequence)s)
          AND {NOT_HELD}
        ORDER BY l.id LIMIT %(limit)s"""),
}  # fmt: skip

EXITS_CURSOR = "SELECT now_mark, recheck_after FROM nurturing_scancursor WHERE name = 'enrollment_exits'"
EXITS = f"""
    SELECT e.id FROM nurturing_enrollment e JOIN nurturing_sequence s ON s.id = e.sequence_id
    WHERE e.status = 'active'
      AND e.lead_id IN (SELECT id FROM leads_lead WHERE merged_into_id IS NULL AND erased_at IS NULL
                          AND COALESCE(last_touch_at, created_at) > %(moved_after)s
                        UNION ALL {RECHECK_SLICE})
      AND (s.exit_on_reply OR s.exit_on_engagement)
      AND EXISTS (SELECT 1 FROM leads_touchpoint t WHERE t.lead_id = e.lead_id AND t.occurred_at > e.started_at
                    AND ((s.exit_on_reply AND t.kind = 'email_reply') OR (s.exit_on_engagement AND t.kind <> 'other')))
    ORDER BY e.id LIMIT %(limit)s"""


def _trigger_reference(kind: str) -> Callable[[Any, dt.datetime], list[Any]]:
    def scan(cursor: Any, now: dt.datetime) -> list[Any]:
        cursor.execute(SEQUENCES, {"kind": kind})
        rows: list[Any] = []
        for sequence, slug, now_mark, changed_mark, after in cursor.fetchall():
            if len(rows) >= LIMIT:
                break
            track, priority, sql = TRIGGERS[slug]
            cursor.execute(sql, {
                "now": now, "limit": LIMIT - len(rows), "sequence": sequence, "track": track, "priority": priority,
                "moved_after": now_mark - MARGIN - (dt.timedelta(days=30) if kind == "inactivity" else dt.timedelta()),
                "silent_before": now - dt.timedelta(days=30), "event_after": now - dt.timedelta(days=3),
                "edited_after": changed_mark - MARGIN, "ended_after": now_mark - MARGIN, "after": after})  # fmt: skip
            rows += cursor.fetchall()
        return rows

    return scan


def _exits_reference(cursor: Any, now: dt.datetime) -> list[Any]:
    cursor.execute(EXITS_CURSOR)
    now_mark, after = cursor.fetchone()
    cursor.execute(EXITS, {"moved_after": now_mark - MARGIN, "after": after, "limit": LIMIT})
    return list(cursor.fetchall())


def _simple_reference(sql: str) -> Callable[[Any, dt.datetime], list[Any]]:
    def scan(cursor: Any, now: dt.datetime) -> list[Any]:
        cursor.execute(sql, {"now": now, "limit": LIMIT})
        return list(cursor.fetchall())

    return scan


# In the order the tick runs its sweeps (nurturing.services.tick.SCANS).
REFERENCES: dict[str, Callable[[Any, dt.datetime], list[Any]]] = {
    "sla_breaches": _simple_reference(SIMPLE["sla_breaches"]),
    "tasks_overdue": _simple_reference(SIMPLE["tasks_overdue"]),
    "enrollment_exits": _exits_reference,
    "inactivity_triggers": _trigger_reference("inactivity"),
    "segment_entry_triggers": _trigger_reference("segment_entry"),
    "enrollment_steps": _simple_reference(SIMPLE["enrollment_steps"]),
    "messages_deliver": _simple_reference(SIMPLE["messages_deliver"]),
}

# --- the run -----------------------------------------------------------------------------------------------


def data_prepare(database_url: str) -> tuple[dict[str, int], dt.datetime]:
    """The data above; returns counts and NOW."""
    from bench.setup import manage

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"DELETE FROM leads_touchpoint WHERE anonymous_id = '{MARK}'")
            cursor.execute("SELECT date_trunc('hour', greatest((SELECT max(occurred_at) FROM leads_touchpoint), "
                           "(SELECT max(created_at) FROM leads_lead), '2026-01-01')) + interval '2 hours'")  # fmt: skip
            now = cursor.fetchone()[0]
            cursor.execute(SETUP_CLOCKS, {"now": now})
            cursor.execute(SETUP_HISTORY, {"now": now})
            conn.commit()
        # The sweeps' first, complete scans a minute before NOW write their cursors (and enrol what was due).
        sweeps = ("enrollment_exits", "inactivity_triggers", "segment_entry_triggers")
        manage(database_url, "nurture_tick", "--now", (now - dt.timedelta(minutes=1)).isoformat(),
               *(arg for name in sweeps for arg in ("--sweep", name)))  # fmt: skip
        with conn.cursor() as cursor:
            cursor.execute(SETUP_LAST_MINUTE, {"now": now})
            conn.commit()
            conn.autocommit = True
            cursor.execute("VACUUM ANALYZE leads_lead, nurturing_enrollment, leads_touchpoint, nurturing_message")
            conn.autocommit = False
            cursor.execute("SELECT count(*) FROM nurturing_slaclock WHERE closed_at IS NULL AND due_at <= %s", (now,))
            due = int(cursor.fetchone()[0])
            cursor.execute("SELECT (SELECT count(*) FROM nurturing_slaclock), (SELECT count(*) FROM leads_lead), "
                           "(SELECT count(*) FROM nurturing_enrollment WHERE status = 'active'), "
                           "(SELECT count(*) FROM nurturing_scancursor)")  # fmt: skip
            clocks, leads, enrollments, cursors = cursor.fetchone()
            data = {"leads": leads, "clocks": clocks, "clocks_due": due, "active_enrollments": enrollments,
                    "scan_cursors": cursors}  # fmt: skip
            return data, now
    finally:
        conn.close()


def data_cleanup(database_url: str) -> None:
    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cursor:
            cursor.execute(CLEANUP)
        conn.commit()
    finally:
        conn.close()


def scans_via_app(database_url: str, now: dt.datetime, repeat: int) -> dict[str, Any]:
    from bench.setup import manage

    output = manage(database_url, "nurture_tick", "--scan-only", "--now", now.isoformat(), "--batch-size",
                    str(LIMIT), "--repeat", str(repeat))  # fmt: skip
    return dict(json.loads(output.strip().splitlines()[-1]))


def _extend(into: dict[str, Any], timings: dict[str, Any]) -> None:
    for name, timing in timings.items():
        into.setdefault(name, {"ms": [], "rows": timing["rows"]})["ms"] += timing["ms"]
        into[name]["rows"] = timing["rows"]


def scans_via_sql(database_url: str, now: dt.datetime, names: list[str], repeat: int,
                  warm: bool = False) -> dict[str, Any]:  # fmt: skip
    conn = psycopg2.connect(database_url)
    timings: dict[str, Any] = {}
    try:
        with conn.cursor() as cursor:
            for name in names:
                runs, rows = [], 0
                if warm:  # untimed, as the app side warms each scan up
                    REFERENCES[name](cursor, now)
                    conn.rollback()
                for _ in range(repeat):
                    began = time.perf_counter()
                    rows = len(REFERENCES[name](cursor, now))
                    runs.append((time.perf_counter() - began) * 1000)
                    conn.rollback()
                timings[name] = {"ms": runs, "rows": rows}
    finally:
        conn.close()
    return timings


def workload_tick_scans(database_url: str, runs: int) -> dict[str, Any]:
    """Median ms per tick (sum over the scans) each side. The sides take turns, one run each per round, the
    first alternating (on a shared, noisy machine neither gets the quiet moments), and each warms every scan
    up untimed first."""
    data, now = data_prepare(database_url)
    app: dict[str, Any] = {}
    ref: dict[str, Any] = {}
    try:
        for round_ in range(runs):  # who goes first alternates, so neither side always follows the other
            if round_ % 2:
                _extend(ref, scans_via_sql(database_url, now, list(REFERENCES), 1, warm=True))
            _extend(app, scans_via_app(database_url, now, 1))
            if not round_ % 2:
                _extend(ref, scans_via_sql(database_url, now, list(REFERENCES), 1, warm=True))
        names = [name for name in app if name in REFERENCES]
    finally:
        data_cleanup(database_url)
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
        "rows_agree": agree, "data": data, "now": now.isoformat(), "batch": LIMIT, "scans": per_scan,
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
    parser.add_argument("--reuse", action="store_true", help="Keep the database's dataset (prepared before).")
    args = parser.parse_args(argv)
    if not args.reuse:
        database_prepare(args.database_url, leads=args.leads, touchpoints=args.touchpoints, seed=7)
    result = workload_tick_scans(args.database_url, max(3, args.runs))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
