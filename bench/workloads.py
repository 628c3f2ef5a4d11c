"""Workloads 1 and 2 of spec/benchmarks.md, each with its reference on the same tables and indexes.

Bodies are built before the clock starts: the time is the server's (HTTP, parsing, validation, the writes,
commit) for the app, and CSV building + COPY + the set-based SQL + commit for the reference.
"""

from __future__ import annotations

import csv
import datetime as dt
import http.client
import io
import itertools
import json
import random
import time
from dataclasses import dataclass
from typing import Any

import psycopg2

STAMP = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
_REFERENCE_IDS = itertools.count()  # the reference stores every row: each gets a fresh event_id


@dataclass
class Timing:
    rows: int
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


class Api:
    """Keep-alive HTTP client for the bench server."""

    def __init__(self, bind: str, token: str) -> None:
        host, port = bind.rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=600)
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}

    def post(self, path: str, body: bytes) -> dict[str, Any]:
        self.connection.request("POST", path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"POST {path}: {response.status} {payload[:500]!r}")
        return json.loads(payload)


def existing_leads(database_url: str, count: int, rng: random.Random) -> list[tuple[int, str]]:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT lead_id, value FROM leads_identity WHERE kind = 'email' ORDER BY id LIMIT %s",
                       [max(count * 20, 1000)])  # fmt: skip
        rows = cursor.fetchall()
    conn.close()
    return rng.sample(rows, min(count, len(rows)))


# ---- workload 1: bulk lead upsert ----------------------------------------------------------------------------


def lead_records(tag: str, size: int, existing: list[tuple[int, str]]) -> list[dict[str, Any]]:
    """`size` lead bodies: the given existing emails (20 %) and new ones, the fields a CRM sync sends."""
    records = []
    for n in range(size):
        email = existing[n // 5][1] if n % 5 == 0 and n // 5 < len(existing) else f"{tag}-{n}@bench{n % 97}.example.cn"
        records.append({"email": email, "first_name": "晓", "last_name": "李", "title": f"Director {n % 13}",
                        "company": f"Bench {n % 97}", "industry": "software", "employee_count": 100 + n % 900,
                        "region": "华东", "source_channel": "baidu-sem",
                        "attributes": {"crm_id": f"{tag}-{n}"}})  # fmt: skip
    return records


def leads_via_api(api: Api, batches: list[list[dict[str, Any]]]) -> tuple[Timing, list[int]]:
    """The timed requests, and the ids of the leads they wrote."""
    bodies = [json.dumps({"records": batch}).encode() for batch in batches]
    began = time.perf_counter()
    rows, ids = 0, list[int]()
    for body in bodies:
        result = api.post("/api/v1/leads/bulk/", body)
        if result["failed"]:
            raise RuntimeError(f"bulk leads: {result['failed']} rows failed: {result['results'][:3]}")
        rows += result["created"] + result["updated"]
        ids.extend(row["id"] for row in result["results"])
    return Timing(rows=rows, seconds=time.perf_counter() - began), ids


def _wait_until(database_url: str, sql: str, params: list[Any], *, since: float, timeout: float, what: str) -> float:
    """Poll `sql` (its first column is true when done) every 50 ms; seconds from `since` (a time.time())."""
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        while True:
            cursor.execute(sql, params)
            done = cursor.fetchone()[0]  # type: ignore[index]
            conn.commit()
            if done:
                break
            if time.time() - since > timeout:
                raise RuntimeError(f"{what} after {timeout} s")
            time.sleep(0.05)
    conn.close()
    return time.time() - since


def scores_settle(database_url: str, ids: list[int], *, since: float, timeout: float = 300) -> float:
    """Seconds from `since` (a time.time()) until every lead in `ids` was scored after it: the scoring that
    the bulk requests queued, so the reference never runs beside the worker's leftovers."""
    cutoff = dt.datetime.fromtimestamp(since, dt.UTC)
    return _wait_until(database_url, "SELECT NOT EXISTS (SELECT 1 FROM leads_lead WHERE id = ANY(%s) "
                       "AND (scored_at IS NULL OR scored_at < %s))", [ids, cutoff], since=since, timeout=timeout,
                       what="leads still unscored")  # fmt: skip


def worker_drain(database_url: str, broker: str, *, timeout: float = 300) -> float:
    """Seconds until the bench's Celery worker has worked off everything queued so far (routing, SLA clocks,
    enrolments of the leads just written): a heartbeat task sent now runs after them (one worker process, FIFO)
    and stamps its row. So every timed run, app or reference, starts on a machine the previous one left idle.
    No broker: tasks ran in the requests, nothing to wait for."""
    if not broker:
        return 0.0
    from celery import Celery

    began = time.time()
    Celery(broker=broker).send_task("leadflow.tasks.heartbeat_task")
    return _wait_until(database_url, "SELECT EXISTS (SELECT 1 FROM leadflow_heartbeat WHERE name = 'beat' "
                       "AND last_run_at >= %s)", [dt.datetime.fromtimestamp(began, dt.UTC)], since=began,
                       timeout=timeout, what="the Celery worker was still busy")  # fmt: skip


LEAD_COPY_COLUMNS = ("email", "first_name", "last_name", "title", "company", "industry", "employee_count", "region")
_LEAD_STAGE = f"CREATE TEMP TABLE IF NOT EXISTS bench_lead_stage ({', '.join(f'{c} text' for c in LEAD_COPY_COLUMNS)})"
_LEAD_UPSERT = """
INSERT INTO leads_lead AS l (id, email, phone, first_name, last_name, title, company, company_domain, industry,
    employee_count, region, source_channel_id, external_id, source_system, consent_email, bant_budget,
    bant_authority, bant_need, bant_timing, bant_notes, attributes, stage, stage_changed_at, temperature,
    fit_score, engagement_score, source_score, grade, customer_check, created_at, updated_at)
SELECT COALESCE(i.lead_id, nextval(pg_get_serial_sequence('leads_lead', 'id'))), s.email, '', s.first_name,
    s.last_name, s.title, s.company, '', s.industry, s.employee_count::integer, s.region, NULL, '', '', false,
    false, false, false, false, '', '{}'::jsonb, 'lead', now(), 'warm', 0, 0, 0, '', false, now(), now()
FROM bench_lead_stage s LEFT JOIN leads_identity i ON i.kind = 'email' AND i.value = s.email
ON CONFLICT (id) DO UPDATE SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
    title = EXCLUDED.title, company = EXCLUDED.company, industry = EXCLUDED.industry,
    employee_count = EXCLUDED.employee_count, region = EXCLUDED.region, updated_at = EXCLUDED.updated_at
"""


def leads_via_copy(database_url: str, batches: list[list[dict[str, Any]]]) -> Timing:
    """Reference: COPY each batch into a staging table, then one INSERT ... ON CONFLICT DO UPDATE into leads."""
    conn = psycopg2.connect(database_url)
    rows = 0
    began = time.perf_counter()
    for batch in batches:
        with conn.cursor() as cursor:
            cursor.execute(_LEAD_STAGE)
            buffer = io.StringIO()
            csv.writer(buffer).writerows([record[c] for c in LEAD_COPY_COLUMNS] for record in batch)
            buffer.seek(0)
            cursor.copy_expert(f"COPY bench_lead_stage ({', '.join(LEAD_COPY_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                               buffer)  # fmt: skip
            cursor.execute(_LEAD_UPSERT)
            rows += cursor.rowcount
            cursor.execute("TRUNCATE bench_lead_stage")
        conn.commit()
    seconds = time.perf_counter() - began
    conn.close()
    return Timing(rows=rows, seconds=seconds)


# ---- workload 2: bulk touchpoint ingest ----------------------------------------------------------------------


def touchpoint_records(tag: str, size: int, leads: list[tuple[int, str]], repeat_from: list[str],
                       rng: random.Random) -> list[dict[str, Any]]:  # fmt: skip
    """`size` touchpoints, 5 % of them repeating an event_id already sent; by lead id, email or cookie."""
    records = []
    for n in range(size):
        lead_id, email = leads[n % len(leads)]
        who: dict[str, Any] = ({"lead": lead_id} if n % 10 < 7 else {"email": email} if n % 10 < 9
                               else {"anonymous_id": f"{tag}-anon-{n % 500}"})  # fmt: skip
        event_id = rng.choice(repeat_from) if n % 20 == 0 and repeat_from else f"{tag}-{n}"
        records.append({**who, "kind": "page_view", "channel": "seo", "event_id": event_id,
                        "occurred_at": (STAMP + dt.timedelta(seconds=n)).isoformat(),
                        "properties": {"utm_source": "bing", "utm_medium": "organic",
                                       "path": f"/p/{n % 50}"}})  # fmt: skip
    return records


def touchpoints_via_api(api: Api, batches: list[list[dict[str, Any]]]) -> tuple[Timing, int]:
    """Committed rows/s (duplicates are not committed) and the duplicates the server reported."""
    bodies = [json.dumps({"records": batch}).encode() for batch in batches]
    began = time.perf_counter()
    created = duplicates = 0
    for body in bodies:
        result = api.post("/api/v1/touchpoints/bulk/", body)
        if result["failed"]:
            raise RuntimeError(f"bulk touchpoints: {result['failed']} rows failed: {result['results'][:3]}")
        created += result["created"]
        duplicates += result["duplicate"]
    return Timing(rows=created, seconds=time.perf_counter() - began), duplicates


TOUCH_COPY_COLUMNS = ("lead_id", "anonymous_id", "kind", "channel_id", "occurred_at", "properties", "event_id",
                      "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "created_at")  # fmt: skip


def touchpoints_via_copy(database_url: str, batches: list[list[dict[str, Any]]], leads: dict[str, int]) -> Timing:
    """Reference: raw COPY of the same rows (unique event ids, leads already resolved) into leads_touchpoint."""
    conn = psycopg2.connect(database_url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT id FROM leads_channel WHERE slug = 'seo'")
        channel = cursor.fetchone()[0]
    rows = 0
    began = time.perf_counter()
    for batch in batches:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in batch:
            lead_id = record.get("lead") or leads.get(record.get("email", ""))
            writer.writerow([lead_id if lead_id is not None else "\\N", record.get("anonymous_id", ""), record["kind"],
                             channel, record["occurred_at"], json.dumps(record["properties"]),
                             f"ref-{next(_REFERENCE_IDS)}", "bing", "organic", "", "", "",
                             "2025-06-01T00:00:00+00:00"])  # fmt: skip
        buffer.seek(0)
        with conn.cursor() as cursor:
            cursor.copy_expert(f"COPY leads_touchpoint ({', '.join(TOUCH_COPY_COLUMNS)}) FROM STDIN "
                               "WITH (FORMAT csv, NULL '\\N')", buffer)  # fmt: skip
            rows += cursor.rowcount
        conn.commit()
    seconds = time.perf_counter() - began
    conn.close()
    return Timing(rows=rows, seconds=seconds)


def duplicate_event_ids(database_url: str) -> int:
    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM (SELECT event_id FROM leads_touchpoint WHERE event_id IS NOT NULL "
                       "GROUP BY event_id HAVING count(*) > 1) d")  # fmt: skip
        count = int(cursor.fetchone()[0])
    conn.close()
    return count
