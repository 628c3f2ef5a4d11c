"""The one tick: everything in nurturing that happens because time passed, as a function of `now`.

`nurture_tick(now=..., batch_size=...)` runs the registered sweeps in order. `manage.py nurture_tick
[--now ISO-8601]` and the Celery beat task `nurturing.tasks.nurture_tick_task` (every minute) both call it.

Registering a sweep (how the sequences half adds enrollment steps, silent-lead reactivation, inactivity
triggers): add one line to `SWEEPS` below, in the order it should run::

    SWEEPS = [
        ("sla_breaches", "nurturing.services.sla_breach.sla_clocks_breach_due"),
        ("enrollment_steps", "nurturing.services.enrollments.enrollment_steps_due_run"),
        ...
    ]

A sweep is any callable `sweep(*, now: datetime, limit: int) -> int` that

* claims at most `limit` due rows in one transaction with `select_for_update(skip_locked=True)` on a
  partial index (so two workers never take the same row, and a worker never waits on another's batch),
* does their work and marks them done in that transaction, with a compare-and-set or unique constraint so a
  redelivered or repeated run changes nothing (running the tick twice for the same `now` does nothing the
  second time),
* returns how many rows it processed.

Register the sweep's scan in `SCANS` (same name): benchmark 5 times these scans alone
(`manage.py nurture_tick --scan-only`) beside the same predicates in raw SQL (`bench/tick.py`). A scan is
what its sweep reads before any work: the claim query (ids, `FOR UPDATE SKIP LOCKED`, compiled once by
`nurturing.services.claims`), or for the trigger and exit sweeps the incremental candidate queries of
`nurturing.services.trigger_scans` (the leads that may have changed their answer since the last scan).

The tick calls a sweep again while it returns a full batch (up to `max_batches` times), so a backlog drains
in short transactions. A sweep that raises is logged and reported; the sweeps after it still run. Tests may
add sweeps for one test with `sweep_register` / `sweeps_override`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class Sweep(Protocol):
    def __call__(self, *, now: dt.datetime, limit: int) -> int: ...


# (name, dotted path or callable), in the order they run. One line per sweep.
SWEEPS: list[tuple[str, str | Callable[..., int]]] = [
    ("sla_breaches", "nurturing.services.sla_breach.sla_clocks_breach_due"),
    ("tasks_overdue", "nurturing.services.tasks.tasks_overdue_notify"),
    ("enrollment_exits", "nurturing.services.triggers.enrollments_exit_engaged"),
    ("inactivity_triggers", "nurturing.services.triggers.sequences_enroll_inactive"),
    ("segment_entry_triggers", "nurturing.services.triggers.sequences_enroll_segment_entries"),
    ("enrollment_steps", "nurturing.services.engine.enrollments_run_due"),
    ("messages_deliver", "nurturing.services.messages.messages_deliver_due"),
    ("ab_winners", "nurturing.services.ab_tests.ab_winners_choose"),
]

# What each sweep reads before its work, for benchmark 5 (`manage.py nurture_tick --scan-only`): a callable
# `scan(*, now, limit) -> list of ids` running exactly the queries its sweep runs (ids only: loading the
# claimed rows is the sweep's work). ab_winners reads the few splits without a winner (no scan to speak of).
SCANS: list[tuple[str, str]] = [
    ("sla_breaches", "nurturing.services.sla_breach.sla_clocks_claim"),
    ("tasks_overdue", "nurturing.services.tasks.tasks_overdue_claim"),
    ("enrollment_exits", "nurturing.services.trigger_scans.exits_scan"),
    ("inactivity_triggers", "nurturing.services.trigger_scans.inactivity_scan"),
    ("segment_entry_triggers", "nurturing.services.trigger_scans.segment_entry_scan"),
    ("enrollment_steps", "nurturing.services.engine.enrollments_claim"),
    ("messages_deliver", "nurturing.services.messages.messages_claim"),
]

DEFAULT_BATCH_SIZE = 500
DEFAULT_MAX_BATCHES = 20


@dataclass
class SweepResult:
    name: str
    processed: int = 0
    batches: int = 0
    error: str = ""


@dataclass
class TickReport:
    now: dt.datetime
    sweeps: list[SweepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def processed(self) -> int:
        return sum(result.processed for result in self.sweeps)

    @property
    def ok(self) -> bool:
        return not any(result.error for result in self.sweeps)

    def lines(self) -> list[str]:
        """What the tick did, one line per sweep (the management command prints these)."""
        rows = [f"{r.name}: {r.processed} in {r.batches} batch(es)" + (f" FAILED: {r.error}" if r.error else "")
                for r in self.sweeps]  # fmt: skip
        return [f"nurture_tick at {self.now.isoformat()}", *rows, f"total {self.processed} in {self.seconds:.3f}s"]


def sweep_register(name: str, sweep: str | Callable[..., int], *, before: str | None = None) -> None:
    """Add a sweep (at the end, or before the sweep named `before`). Re-registering a name replaces it."""
    SWEEPS[:] = [(n, s) for n, s in SWEEPS if n != name]
    index = next((i for i, (n, _s) in enumerate(SWEEPS) if n == before), len(SWEEPS))
    SWEEPS.insert(index, (name, sweep))


@contextmanager
def sweeps_override(sweeps: list[tuple[str, str | Callable[..., int]]]) -> Iterator[None]:
    """Run the tick with these sweeps only, inside the block (tests and the benchmark)."""
    saved = list(SWEEPS)
    SWEEPS[:] = sweeps
    try:
        yield
    finally:
        SWEEPS[:] = saved


def _resolve(sweep: str | Callable[..., int]) -> Callable[..., int]:
    return import_string(sweep) if isinstance(sweep, str) else sweep


def nurture_tick(
    *, now: dt.datetime, batch_size: int = DEFAULT_BATCH_SIZE, max_batches: int = DEFAULT_MAX_BATCHES
) -> TickReport:
    """Run every sweep for `now`. Idempotent for a given `now`; safe on several workers at once."""
    started = time.monotonic()
    report = TickReport(now=now)
    for name, target in list(SWEEPS):
        result = SweepResult(name=name)
        report.sweeps.append(result)
        try:
            sweep = _resolve(target)
            while result.batches < max_batches:
                done = sweep(now=now, limit=batch_size)
                result.batches += 1
                result.processed += done
                if done < batch_size:
                    break
        except Exception as error:  # one broken sweep must not stop the others (SLA breaches, steps)
            logger.exception("nurture_tick: sweep %s failed", name)
            result.error = f"{type(error).__name__}: {error}"[:300]
    report.seconds = time.monotonic() - started
    return report


def nurture_tick_scans(*, now: dt.datetime, limit: int = DEFAULT_BATCH_SIZE, repeat: int = 3) -> dict[str, Any]:
    """Time each registered scan (the claim query alone, rows materialised, then rolled back: the tick's
    scanning cost without its work). Returns per scan the milliseconds of each repeat and the rows found."""
    from django.db import transaction

    timings: dict[str, Any] = {}
    for name, target in SCANS:
        scan: Callable[..., Any] = import_string(target)
        runs, rows = [], 0
        with transaction.atomic():  # untimed warm-up: connection, query compilation caches
            list(scan(now=now, limit=limit))
            transaction.set_rollback(True)
        for _ in range(repeat):
            with transaction.atomic():
                began = time.perf_counter()
                rows = len(list(scan(now=now, limit=limit)))
                runs.append((time.perf_counter() - began) * 1000)
                transaction.set_rollback(True)  # a scan claims nothing
        timings[name] = {"ms": runs, "rows": rows}
    return timings
