"""Claim queries compiled once and bound to each call's values answer exactly as their QuerySets do, however
`now` moves (on PostgreSQL the SQL is reused; elsewhere the QuerySet runs each time)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import QuerySet
from django.db.transaction import TransactionManagementError

from leads.models import Lead
from nurturing.models import SdrTask
from nurturing.services.claims import compiled_rows
from nurturing.services.tasks import tasks_overdue_claim
from tests.nurturing.conftest import at, new_lead

pytestmark = pytest.mark.django_db
NOW = at(2026, 3, 2, 9)


def test_an_overdue_claim_follows_now_call_after_call() -> None:
    lead = new_lead()
    due = [SdrTask.objects.create(lead=lead, kind="call", title="", due_at=NOW + dt.timedelta(hours=h)).pk
           for h in range(4)]  # fmt: skip

    with transaction.atomic():
        answers = [tasks_overdue_claim(now=NOW + dt.timedelta(hours=h, minutes=30), limit=10) for h in range(4)]
        capped = tasks_overdue_claim(now=NOW + dt.timedelta(days=1), limit=2)

    assert answers == [due[:1], due[:2], due[:3], due]
    assert capped == due[:2]


def test_dates_derived_from_a_value_move_with_it_and_constants_stay_put() -> None:
    old, recent = new_lead(created_at=NOW - dt.timedelta(days=6)), new_lead(created_at=NOW - dt.timedelta(days=2))
    cutoff = NOW - dt.timedelta(days=5)  # a constant of the query, not one of its values

    def build(*, now: dt.datetime, after: int) -> QuerySet[Lead, int]:
        return (Lead.objects.filter(created_at__gte=now - dt.timedelta(days=3), pk__gt=after)
                .filter(created_at__gte=cutoff).order_by("pk").values_list("pk", flat=True))  # fmt: skip

    def rows(now: dt.datetime, after: int = 0) -> list[int]:
        return compiled_rows(("test-derived", cutoff), build, now=now, after=after)

    assert rows(NOW) == [recent.pk]
    assert rows(NOW - dt.timedelta(days=4)) == [recent.pk]  # `old` is in the window but before the cutoff
    assert rows(NOW + dt.timedelta(days=20)) == []
    assert rows(NOW, after=recent.pk) == []
    assert old.pk not in rows(NOW - dt.timedelta(days=4))


@pytest.mark.postgres  # SQLite has no row locks: Django lets select_for_update through there
@pytest.mark.django_db(transaction=True)  # autocommit, as outside a request or a sweep
def test_a_locking_claim_still_needs_a_transaction() -> None:
    with pytest.raises(TransactionManagementError):
        tasks_overdue_claim(now=NOW, limit=1)

