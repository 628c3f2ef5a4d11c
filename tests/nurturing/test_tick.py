"""The tick's sweep registry: order, batching until a short batch, and isolation of a failing sweep."""

from __future__ import annotations

import datetime as dt

import pytest

from nurturing.services.tick import SCANS, SWEEPS, nurture_tick, sweep_register, sweeps_override
from tests.nurturing.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 2, 9)


def test_sweeps_run_in_order_and_repeat_while_a_batch_comes_back_full() -> None:
    backlog = {"a": 25}
    calls: list[tuple[str, dt.datetime, int]] = []

    def drain(*, now: dt.datetime, limit: int) -> int:
        calls.append(("drain", now, limit))
        done = min(limit, backlog["a"])
        backlog["a"] -= done
        return done

    def idle(*, now: dt.datetime, limit: int) -> int:
        calls.append(("idle", now, limit))
        return 0

    with sweeps_override([("drain", drain), ("idle", idle)]):
        report = nurture_tick(now=NOW, batch_size=10)
    # 10 + 10 + 5: the third batch is short, so the sweep stops; then the next sweep runs once
    assert [(r.name, r.processed, r.batches) for r in report.sweeps] == [("drain", 25, 3), ("idle", 0, 1)]
    assert [name for name, *_ in calls] == ["drain", "drain", "drain", "idle"]
    assert {when for _name, when, _limit in calls} == {NOW}


def test_a_failing_sweep_is_reported_and_the_others_still_run() -> None:
    def broken(*, now: dt.datetime, limit: int) -> int:
        raise RuntimeError("boom")

    with sweeps_override([("broken", broken), ("fine", lambda *, now, limit: 3)]):
        report = nurture_tick(now=NOW, batch_size=10)
    assert not report.ok
    assert [(r.name, r.processed, r.error) for r in report.sweeps] == [
        ("broken", 0, "RuntimeError: boom"), ("fine", 3, "")]


def test_sweep_register_inserts_before_a_named_sweep_and_replaces_by_name() -> None:
    with sweeps_override([("a", "x.a"), ("c", "x.c")]):
        sweep_register("b", "x.b", before="c")
        sweep_register("a", "x.a2")
        assert SWEEPS == [("b", "x.b"), ("c", "x.c"), ("a", "x.a2")]
    assert SWEEPS[0][0] == "sla_breaches"  # the real registry is back


def test_every_sweep_that_scans_rows_registers_its_scan_for_the_benchmark() -> None:
    # ab_winners reads the few A/B splits without a winner: no scan to speak of.
    assert {name for name, _path in SCANS} == {name for name, _path in SWEEPS} - {"ab_winners"}
