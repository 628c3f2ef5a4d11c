"""Two workers ticking at once on PostgreSQL: every due clock is claimed and breached exactly once."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection

from leadflow.roles import Role
from leads.routing.models import Notification, SlaBreach
from nurturing.models import PolicyCode, SlaClock, SlaPolicy
from nurturing.services import sla_breach
from nurturing.services.tick import nurture_tick, sweeps_override
from tests.factories import user_with_role
from tests.nurturing.conftest import at, new_lead

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = at(2026, 11, 2, 9)
CLOCKS = 60


def _due_clocks(n: int) -> list[int]:
    rep = user_with_role(Role.SALES, email="")  # no email: the test counts rows, not mail
    policy = SlaPolicy.objects.get(code=PolicyCode.MQL_ACCEPT)
    return [SlaClock.objects.create(lead=new_lead(owner_sales=rep), policy=policy, owner=rep, started_at=START,
                                    due_at=START + dt.timedelta(hours=24, minutes=i)).pk
            for i in range(n)]  # fmt: skip


def _tick_in_threads(workers: int, now: dt.datetime, claimed: list[tuple[int, int]]) -> list[int]:
    barrier = threading.Barrier(workers)
    errors: list[BaseException] = []
    processed: list[int] = []
    real = sla_breach.sla_clock_breach

    def recording(*, clock: SlaClock, now: dt.datetime) -> bool:
        claimed.append((threading.get_ident(), clock.pk))
        return real(clock=clock, now=now)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            processed.append(nurture_tick(now=now, batch_size=7).processed)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    sla_breach.sla_clock_breach = recording  # type: ignore[assignment]
    try:
        with sweeps_override([("sla_breaches", sla_breach.sla_clocks_breach_due)]):
            threads = [threading.Thread(target=worker) for _ in range(workers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
    finally:
        sla_breach.sla_clock_breach = real  # type: ignore[assignment]
    assert not errors, errors
    return processed


def test_two_concurrent_ticks_claim_and_breach_each_due_clock_once(**_: Any) -> None:
    # Given 60 mql_accept clocks all due by the tick's `now`
    ids = _due_clocks(CLOCKS)
    now = START + dt.timedelta(days=2)
    claimed: list[tuple[int, int]] = []
    # When two workers run the tick at the same instant in batches of 7
    processed = _tick_in_threads(2, now, claimed)
    # Then every clock was claimed by exactly one worker, breached once, counted once and notified once
    assert sum(processed) == CLOCKS
    assert Counter(pk for _thread, pk in claimed) == Counter(ids)
    assert SlaClock.objects.filter(breached_at=now).count() == CLOCKS
    assert SlaBreach.objects.count() == CLOCKS
    assert Notification.objects.filter(kind="sla_breached").count() == CLOCKS
    # And a third tick for the same `now` finds nothing
    assert nurture_tick(now=now).processed == 0
