"""The in-process stand-in for `celery beat`, used by `manage.py serve` when no broker is configured.

It fires every entry of settings.CELERY_BEAT_SCHEDULE in this process (tasks run eagerly there), so the
embedded default (SQLite, no Redis) still runs everything that happens because time passed. `run_due(now)`
is a pure function of an explicit `now`, so tests move time instead of sleeping; the thread only calls it
in a loop.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule, schedule
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduledRun:
    """One firing of a schedule entry; `succeeded` is False when the task raised or is unknown."""

    name: str
    task: str
    succeeded: bool


@dataclass
class _Entry:
    name: str
    task: str
    schedule: BaseSchedule
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    last_run_at: dt.datetime | None = None

    def is_due(self, now: dt.datetime) -> bool:
        if self.last_run_at is None:
            # A plain interval fires at start, so a fresh `serve` shows its heartbeat at once; calendar
            # schedules (crontab, solar) wait for their next slot, as celery beat does.
            if type(self.schedule) is schedule:
                return True
            self.last_run_at = now
        # Celery's schedules ask `self.now()`; a copy pinned to the explicit `now` keeps them testable.
        pinned = copy.copy(self.schedule)
        pinned.nowfun = lambda: now
        return bool(pinned.is_due(self.last_run_at).is_due)


def _as_schedule(value: Any, *, app: Celery) -> BaseSchedule:
    if isinstance(value, BaseSchedule):
        return value
    if isinstance(value, dt.timedelta):
        return schedule(run_every=value, app=app)
    if isinstance(value, int | float):
        return schedule(run_every=dt.timedelta(seconds=value), app=app)
    raise TypeError(f"unsupported beat schedule {value!r}: use seconds, a timedelta or a celery schedule")


class InProcessScheduler:
    """Runs the beat schedule inside this process. One instance per process; not shared across threads."""

    def __init__(
        self,
        beat_schedule: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        app: Celery | None = None,
        tick_seconds: float = 1.0,
    ) -> None:
        if app is None:
            from leadflow.celery import app as leadflow_app

            app = leadflow_app
            # Registers every installed app's tasks module, as a worker does at start.
            app.loader.import_default_modules()
        self.app = app
        self.tick_seconds = tick_seconds
        beat_schedule = settings.CELERY_BEAT_SCHEDULE if beat_schedule is None else beat_schedule
        self.entries = [
            _Entry(
                name=name,
                task=spec["task"],
                schedule=_as_schedule(spec["schedule"], app=app),
                args=tuple(spec.get("args", ())),
                kwargs=dict(spec.get("kwargs", {})),
            )
            for name, spec in beat_schedule.items()
        ]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self, now: dt.datetime) -> list[ScheduledRun]:
        """Run every entry due at `now`, in schedule order, and return what ran.

        A failing task is logged and counted as run (it fires again one interval later, not on every tick);
        it never stops the entries after it.
        """
        runs = []
        for entry in self.entries:
            if entry.is_due(now):
                entry.last_run_at = now
                runs.append(ScheduledRun(entry.name, entry.task, self._run(entry)))
        return runs

    def _run(self, entry: _Entry) -> bool:
        close_old_connections()
        started = time.monotonic()
        try:
            task = self.app.tasks[entry.task]
            task.apply(args=entry.args, kwargs=entry.kwargs, throw=True)
        except KeyError:
            logger.error("scheduler: %s names unknown task %s", entry.name, entry.task)
            return False
        except Exception:
            logger.exception("scheduler: %s (%s) failed", entry.name, entry.task)
            return False
        finally:
            # A thread outside the request cycle must release its connection itself (SQLite locks, PG slots).
            close_old_connections()
        logger.info("scheduler: ran %s (%s) in %.3fs", entry.name, entry.task, time.monotonic() - started)
        return True

    def start(self) -> threading.Thread:
        """Fire the schedule from a daemon thread until `stop()`."""
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="leadflow-scheduler", daemon=True)
        self._thread.start()
        logger.info("scheduler: started with %s", ", ".join(e.name for e in self.entries) or "no entries")
        return self._thread

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due(timezone.now())
            except Exception:  # a bug here must not silently end all timers for the life of the server
                logger.exception("scheduler: tick failed")
            self._stop.wait(self.tick_seconds)
