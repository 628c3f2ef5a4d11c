"""The production stack, started natively from docker-compose.yml's commands, serves the API and fires timers.

gunicorn, a Celery worker and Celery beat run as separate processes in production mode (DJANGO_DEBUG off,
a real secret key) against PostgreSQL and Redis. They share the pytest-django test database, so the test
uses `transactional_db`: what it writes is committed and visible to the servers, and the reverse.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from leadflow.models import Heartbeat
from leadflow.roles import Role
from leads.choices import ImportStatus
from leads.models import LeadImport
from leads.services.imports.run import lead_import_start
from leads.services.imports.uploads import lead_import_create, lead_import_map
from tests.factories import UserFactory
from tests.integration.compose import command, with_option
from tests.integration.processes import REPO, ProcessGroup, child_env, free_port, http_get

pytestmark = pytest.mark.integration

STARTUP_SECONDS = 60.0


def test_database_url() -> str:
    """The URL of the database this test session uses (pytest-django's test database)."""
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


test_database_url.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@dataclass
class Stack:
    base_url: str
    processes: ProcessGroup


@pytest.fixture
def stack(transactional_db: None, tmp_path: Path) -> Iterator[Stack]:
    """web, worker and beat from docker-compose.yml; stopped before the test database is flushed."""
    port = free_port()
    run_id = uuid.uuid4().hex[:8]
    env = child_env(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain http on loopback; no TLS proxy in front
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
            "LEADFLOW_HEARTBEAT_SECONDS": "1",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
        }
    )
    # The compose file's one-shot migrate, in production mode; a no-op on the migrated test database.
    migrate = subprocess.run(
        command("migrate"), cwd=REPO, env=env, capture_output=True, text=True, timeout=STARTUP_SECONDS
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    processes = ProcessGroup(tmp_path)
    try:
        processes.start("web", command("web"), env=env)
        worker = with_option(command("worker"), "--hostname", f"smoke-{run_id}@%h")
        worker += ["--concurrency", "2", "--without-gossip", "--without-mingle"]
        processes.start("worker", worker, env=env)
        processes.start(
            "beat", with_option(command("beat"), "--schedule", str(tmp_path / "beat-schedule")), env=env
        )
        yield Stack(base_url=f"http://127.0.0.1:{port}", processes=processes)
    finally:
        processes.stop()
        print(processes.report())  # pytest shows it when the test failed


def post_json(url: str, payload: dict, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"body": body.decode(errors="replace")[:2000]}


def beat_heartbeat() -> Heartbeat | None:
    beat = Heartbeat.objects.filter(name="beat").first()
    return beat if beat is not None and beat.runs >= 1 and beat.last_worker else None


def test_stack_serves_the_api_and_fires_beat_through_a_worker(stack: Stack) -> None:
    processes = stack.processes
    processes.wait_for(
        "gunicorn to answer /healthz/",
        lambda: http_get(f"{stack.base_url}/healthz/")[0] == 200,
        timeout=STARTUP_SECONDS,
    )
    UserFactory(username="smoke-marketer", roles=[Role.MARKETER])
    out = StringIO()
    call_command("issue_token", "smoke-marketer", stdout=out)
    token = out.getvalue().strip()

    status, lead = post_json(
        f"{stack.base_url}/api/v1/leads/", {"email": "smoke@acme-smoke.cn", "first_name": "Smoke"}, token
    )

    assert status == 201, f"{status} {lead}\n{processes.report()}"
    assert isinstance(lead.get("id"), int)

    beat = processes.wait_for(
        "beat -> Redis -> worker to record a heartbeat", beat_heartbeat, timeout=STARTUP_SECONDS
    )
    assert beat.runs >= 1
    # Our own beat sent it and our own worker ran it (not a leftover message or another machine's worker).
    logs = {
        name: (processes.log_dir / f"{name}.log").read_text(errors="replace") for name in ("beat", "worker")
    }
    assert "Sending due task system-heartbeat" in logs["beat"], processes.report()
    assert "leadflow.tasks.heartbeat_task" in logs["worker"] and "succeeded" in logs["worker"], (
        processes.report()
    )

    # A marketer's import runs in the real worker: sent on commit through Redis, done chunk by chunk.
    marketer = UserFactory(username="smoke-importer", roles=[Role.MARKETER])
    upload = lead_import_create(actor=marketer, filename="cards.csv", language="en", now=timezone.now(),
                                content=b"Email,Company\nimport-1@acme-smoke.cn,Acme\nnot-an-email,Bad\n")
    lead_import_map(lead_import=upload, mapping=upload.mapping)
    with transaction.atomic():
        lead_import_start(lead_import=LeadImport.objects.get(pk=upload.pk))

    done = processes.wait_for(
        "the worker to finish the import",
        lambda: LeadImport.objects.filter(pk=upload.pk, status=ImportStatus.DONE).first(),
        timeout=STARTUP_SECONDS,
    )
    assert (done.created_count, done.failed_count) == (1, 1), processes.report()
    worker_log = (processes.log_dir / "worker.log").read_text(errors="replace")
    assert "leads.tasks.lead_import_run_task" in worker_log, processes.report()
