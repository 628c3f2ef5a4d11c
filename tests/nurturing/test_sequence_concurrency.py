"""The sequence engine on PostgreSQL: a tick run twice changes nothing, two workers execute every due step
exactly once, and a worker killed (SIGKILL) in the middle of a step leaves it to be redone, its message
delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction

from leads.models import Lead
from nurturing.models.messages import Message, MessageStatus
from nurturing.models.sequences import Enrollment, StepExecution
from nurturing.models.tasks import SdrTask
from nurturing.services.enrollments import enrollments_start
from nurturing.services.tick import nurture_tick, sweeps_override
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import SEQUENCE_SWEEPS, make_sequence, pause_builtins, template

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOW = at(2025, 6, 16, 10)
LEADS = 60


def _sequence_with_leads(n: int) -> list[int]:
    pause_builtins()
    template()
    sequence = make_sequence([
        ("hello", "send_email", {"template": "hello"}),
        ("call", "create_task", {"title": "Call", "due_hours": 4}),
        ("tag", "add_tag", {"tag": "touched"}),
        ("wait", "wait", {"days": 2}),
        ("again", "send_email", {"template": "hello"}),
    ])  # fmt: skip
    ids = [new_lead(consent_email=True).pk for _ in range(n)]
    enrollments_start(sequence=sequence, leads=ids, now=NOW, trigger="manual")
    return ids


def _state() -> dict[str, Any]:
    return {
        "executions": sorted(StepExecution.objects.values_list("enrollment_id", "step__key", "visit")),
        "messages": sorted(Message.objects.values_list("enrollment_id", "step__key", "status")),
        "tasks": SdrTask.objects.count(),
        "enrollments": sorted(Enrollment.objects.values_list("id", "current_step__key", "next_run_at", "visits")),
    }


def test_the_tick_run_twice_for_the_same_now_changes_nothing(mailoutbox: list) -> None:
    _sequence_with_leads(5)
    with sweeps_override(list(SEQUENCE_SWEEPS)):
        first = nurture_tick(now=NOW)
        before, mails = _state(), len(mailoutbox)
        second = nurture_tick(now=NOW)

    assert first.ok and first.processed > 0
    assert second.processed == 0
    assert _state() == before and len(mailoutbox) == mails == 5


def test_two_workers_execute_every_due_step_exactly_once(mailoutbox: list) -> None:
    _sequence_with_leads(LEADS)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            with sweeps_override(list(SEQUENCE_SWEEPS)):
                report = nurture_tick(now=NOW, batch_size=7)
            assert report.ok, report.lines()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    per_step = Counter(StepExecution.objects.values_list("step__key", flat=True))
    assert per_step == {"hello": LEADS, "call": LEADS, "tag": LEADS, "wait": LEADS}
    assert Message.objects.filter(status=MessageStatus.SENT).count() == LEADS == len(mailoutbox)
    assert SdrTask.objects.count() == LEADS


def test_a_worker_killed_mid_step_leaves_the_step_to_be_redone_and_its_email_goes_out_once(
    mailoutbox: list,
) -> None:  # fmt: skip
    pause_builtins()
    template()
    sequence = make_sequence([("hello", "send_email", {"template": "hello"}),
                              ("need", "set_field", {"field": "industry", "value": "制造业"})])  # fmt: skip
    lead = new_lead(consent_email=True)
    enrollments_start(sequence=sequence, leads=[lead.pk], now=NOW, trigger="manual")

    worker = _tick_process_blocked_on(lead)  # queued the email, was killed waiting inside the set_field step
    worker.wait(timeout=10)
    _wait_for_backend_gone()
    assert not Message.objects.exists() and not StepExecution.objects.exists()  # its transaction died with it

    with sweeps_override(list(SEQUENCE_SWEEPS)):
        nurture_tick(now=NOW)
        nurture_tick(now=NOW)

    assert Message.objects.get().status == MessageStatus.SENT
    assert len(mailoutbox) == 1
    assert Counter(StepExecution.objects.values_list("step__key", flat=True)) == {"hello": 1, "need": 1}
    assert Lead.objects.get(pk=lead.pk).industry == "制造业"


WORKER_APP = "leadflow-killed-worker"


def _tick_process_blocked_on(lead: Lead) -> subprocess.Popen[bytes]:
    """Start `manage.py nurture_tick` in another process while this test holds the lead's row lock, wait
    until that worker is blocked writing the lead (in the middle of its step), and return it."""
    database = settings.DATABASES["default"]
    url = (f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
           f"?application_name={WORKER_APP}")  # fmt: skip
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "1", "CELERY_BROKER_URL": "",
           "EMAIL_URL": "consolemail://"}  # fmt: skip
    with transaction.atomic():
        Lead.objects.select_for_update().get(pk=lead.pk)
        process = subprocess.Popen([sys.executable, "manage.py", "nurture_tick", "--now", NOW.isoformat()],
                                   cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 60
        while not _worker_waiting_on_lock():
            assert time.monotonic() < deadline, f"the worker never reached the step: {_activity()}"
            assert process.poll() is None, "the worker ended before reaching the step"
            time.sleep(0.2)
        os.kill(process.pid, signal.SIGKILL)  # killed while this transaction still holds the lock
    return process


def _worker_waiting_on_lock() -> bool:
    with connection.cursor() as cursor:
        # Statistics views are a snapshot per transaction, and this runs inside the lock-holding one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = "
                       "'Lock'", [WORKER_APP])  # fmt: skip
        return bool(cursor.fetchone()[0])


def _activity() -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT application_name, state, wait_event_type, wait_event, left(query, 120) FROM "
                       "pg_stat_activity WHERE datname = current_database()")
        return list(cursor.fetchall())


def _wait_for_backend_gone() -> None:
    deadline = time.monotonic() + 30
    while True:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [WORKER_APP])
            if not cursor.fetchone()[0]:
                return
        assert time.monotonic() < deadline, "the killed worker's transaction is still open"
        time.sleep(0.2)

