"""The in-process scheduler fires the beat schedule at an explicit `now`: no sleeping, no broker."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from celery import Celery
from celery.schedules import crontab

from leadflow.celery import app as leadflow_app
from leadflow.models import Heartbeat
from leadflow.scheduler import InProcessScheduler

T0 = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.fixture
def connection_cleanups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the scheduler's connection cleanups; these tests hold no database connection to close."""
    cleanups: list[str] = []
    monkeypatch.setattr("leadflow.scheduler.close_old_connections", lambda: cleanups.append("closed"))
    return cleanups


@pytest.fixture
def app(calls: list[str], connection_cleanups: list[str]) -> Celery:
    """A private Celery app, so test tasks never land in the project's registry."""
    test_app = Celery("scheduler-tests", set_as_current=False)
    test_app.conf.task_always_eager = True

    @test_app.task(name="test.tick", shared=False)
    def tick(label: str = "tick") -> None:
        calls.append(label)

    @test_app.task(name="test.broken", shared=False)
    def broken() -> None:
        calls.append("broken")
        raise RuntimeError("boom")

    return test_app


def names(runs: list) -> list[str]:
    return [run.name for run in runs]


def test_interval_entry_fires_at_start_then_once_per_interval(app: Celery, calls: list[str]) -> None:
    scheduler = InProcessScheduler({"tick": {"task": "test.tick", "schedule": 60}}, app=app)

    assert names(scheduler.run_due(T0)) == ["tick"]
    assert scheduler.run_due(T0 + dt.timedelta(seconds=30)) == []
    assert scheduler.run_due(T0 + dt.timedelta(seconds=59)) == []
    assert names(scheduler.run_due(T0 + dt.timedelta(seconds=60))) == ["tick"]
    assert scheduler.run_due(T0 + dt.timedelta(seconds=61)) == []
    assert calls == ["tick", "tick"]


def test_each_run_starts_and_ends_with_fresh_database_connections(
    app: Celery, connection_cleanups: list[str]
) -> None:
    scheduler = InProcessScheduler({"tick": {"task": "test.tick", "schedule": 60}}, app=app)

    scheduler.run_due(T0)
    scheduler.run_due(T0 + dt.timedelta(seconds=1))

    assert connection_cleanups == [
        "closed",
        "closed",
    ]  # before and after the one run; idle ticks touch nothing


def test_timedelta_and_celery_schedules_are_accepted(app: Celery, calls: list[str]) -> None:
    scheduler = InProcessScheduler(
        {
            "fast": {"task": "test.tick", "schedule": dt.timedelta(seconds=10), "args": ("fast",)},
            "slow": {"task": "test.tick", "schedule": 30.0, "kwargs": {"label": "slow"}},
        },
        app=app,
    )

    for second in range(0, 31):
        scheduler.run_due(T0 + dt.timedelta(seconds=second))

    assert calls.count("fast") == 4  # 0, 10, 20, 30
    assert calls.count("slow") == 2  # 0, 30


def test_crontab_entry_waits_for_its_slot(app: Celery, calls: list[str]) -> None:
    scheduler = InProcessScheduler(
        {"quarter": {"task": "test.tick", "schedule": crontab(minute="*/15")}}, app=app
    )

    assert scheduler.run_due(T0) == []  # 09:00:10, just after a slot: cron waits, like celery beat
    assert scheduler.run_due(T0 + dt.timedelta(minutes=14)) == []
    assert names(scheduler.run_due(T0.replace(minute=15, second=0))) == ["quarter"]
    assert scheduler.run_due(T0.replace(minute=16)) == []
    assert names(scheduler.run_due(T0.replace(minute=30, second=1))) == ["quarter"]
    assert len(calls) == 2


def test_a_failing_task_is_logged_and_does_not_stop_the_others(
    app: Celery, calls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    scheduler = InProcessScheduler(
        {
            "broken": {"task": "test.broken", "schedule": 60},
            "missing": {"task": "test.not-registered", "schedule": 60},
            "tick": {"task": "test.tick", "schedule": 60},
        },
        app=app,
    )

    with caplog.at_level(logging.INFO, logger="leadflow.scheduler"):
        runs = scheduler.run_due(T0)

    assert [(run.name, run.succeeded) for run in runs] == [
        ("broken", False),
        ("missing", False),
        ("tick", True),
    ]
    assert calls == ["broken", "tick"]
    assert "broken (test.broken) failed" in caplog.text
    assert "RuntimeError: boom" in caplog.text
    assert "unknown task test.not-registered" in caplog.text
    # A failure waits for its next interval instead of being retried on every tick.
    assert scheduler.run_due(T0 + dt.timedelta(seconds=1)) == []
    assert names(scheduler.run_due(T0 + dt.timedelta(seconds=60))) == ["broken", "missing", "tick"]


def test_an_unsupported_schedule_is_refused_up_front(app: Celery) -> None:
    with pytest.raises(TypeError, match="unsupported beat schedule"):
        InProcessScheduler({"odd": {"task": "test.tick", "schedule": "every minute"}}, app=app)


def test_the_thread_runs_until_stopped(app: Celery, calls: list[str]) -> None:
    scheduler = InProcessScheduler(
        {"tick": {"task": "test.tick", "schedule": 3600}}, app=app, tick_seconds=0.01
    )

    thread = scheduler.start()
    scheduler.stop(timeout=5)

    assert not thread.is_alive()
    assert calls == ["tick"]  # fired at start, not again within the hour


@pytest.mark.django_db(
    transaction=True
)  # the scheduler closes connections, which would end a test transaction
def test_project_schedule_runs_the_heartbeat_and_updates_its_row(settings) -> None:
    scheduler = InProcessScheduler()  # settings.CELERY_BEAT_SCHEDULE and the project's Celery app

    assert "leadflow.tasks.heartbeat_task" in leadflow_app.tasks
    assert names(scheduler.run_due(T0)) == ["system-heartbeat"]
    first = Heartbeat.objects.get(name="beat")
    assert first.runs == 1
    assert first.last_worker

    interval = settings.CELERY_BEAT_SCHEDULE["system-heartbeat"]["schedule"]
    scheduler.run_due(T0 + dt.timedelta(seconds=interval))

    assert Heartbeat.objects.get(name="beat").runs == 2
