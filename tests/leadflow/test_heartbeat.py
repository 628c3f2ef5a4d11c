"""Health: `/healthz/`, the container probes, and `manage.py serve` firing the heartbeat without a broker."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db.utils import OperationalError
from django.test import Client

from leadflow import health
from leadflow.services import heartbeat_record
from tests.integration.processes import REPO, ProcessGroup, child_env, free_port, http_get

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_healthz_answers_ok_anonymously(client: Client) -> None:
    response = client.get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_when_the_database_fails(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    class BrokenConnection:
        def cursor(self) -> None:
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", BrokenConnection())

    response = client.get("/healthz/")

    assert response.status_code == 503
    assert response.json()["database"] == "error"


@pytest.mark.django_db
def test_heartbeat_record_counts_runs_and_keeps_the_latest() -> None:
    heartbeat_record(name="beat", now=NOW)
    beat = heartbeat_record(name="beat", now=NOW + dt.timedelta(minutes=1))

    assert beat.runs == 2
    assert beat.last_run_at == NOW + dt.timedelta(minutes=1)
    assert beat.last_worker


@pytest.mark.django_db
def test_heartbeat_is_fresh_only_within_max_age() -> None:
    heartbeat_record(name="beat", now=NOW)
    three_minutes = dt.timedelta(minutes=3)

    assert health.heartbeat_is_fresh(name="beat", max_age=three_minutes, now=NOW + dt.timedelta(minutes=2))
    assert not health.heartbeat_is_fresh(
        name="beat", max_age=three_minutes, now=NOW + dt.timedelta(minutes=4)
    )
    assert not health.heartbeat_is_fresh(name="other", max_age=three_minutes, now=NOW)


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("leadflow.example.com,localhost", "leadflow.example.com"),
        (" .example.com ", "example.com"),
        ("*", "localhost"),
        ("", "localhost"),
    ],
)
def test_probe_sends_a_host_that_allowed_hosts_accepts(allowed_hosts: str, host: str) -> None:
    assert health.probe_host(allowed_hosts) == host


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[ProcessGroup]:
    group = ProcessGroup(tmp_path)
    yield group
    group.stop()
    print(group.report())  # shown by pytest only when the test failed


def test_serve_without_broker_serves_pages_and_static_and_fires_the_beat_schedule(
    tmp_path: Path, processes: ProcessGroup
) -> None:
    database = tmp_path / "embedded.sqlite3"
    env = child_env(
        {
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": f"sqlite:///{database}",
            "CELERY_BROKER_URL": "",  # empty rather than unset, so a developer's .env cannot add a broker
            "LEADFLOW_HEARTBEAT_SECONDS": "1",
        }
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=REPO,
        env=env,
        check=True,
        timeout=300,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    processes.start("serve", [sys.executable, "manage.py", "serve", "--addr", f"127.0.0.1:{port}"], env=env)

    processes.wait_for("serve to answer /healthz/", lambda: http_get(f"{base}/healthz/")[0] == 200)
    status, body = http_get(f"{base}/static/vendor/htmx.min.js")
    assert status == 200
    assert b"htmx" in body[:2000]

    def heartbeat_runs() -> int:
        with sqlite3.connect(database) as db:
            row = db.execute(
                "SELECT runs, last_worker FROM leadflow_heartbeat WHERE name = 'beat'"
            ).fetchone()
        return row[0] if row and row[0] >= 2 and row[1] else 0

    processes.wait_for("the in-process scheduler to fire the heartbeat twice", heartbeat_runs, timeout=30)

    for check in (["http", "--url", f"{base}/healthz/"], ["heartbeat", "--max-age", "60"]):
        probe = subprocess.run(
            [sys.executable, "-m", "leadflow.health", *check],
            cwd=REPO,
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert probe.returncode == 0, probe.stderr.decode()
    log = (tmp_path / "serve.log").read_text()
    assert "No broker: tasks run in-process" in log
    assert "scheduler: ran system-heartbeat" in log
