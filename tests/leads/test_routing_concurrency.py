"""Leads routed at once, on PostgreSQL: fair rotation and capacity hold (the team row is the lock)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection

from leadflow.roles import Role
from leads.choices import ChannelRoute
from leads.models import Lead
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.models import AssignmentRule, Team
from leads.routing.services import leads_route_new
from tests.factories import ChannelFactory, LeadFactory, user_with_role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = dt.datetime(2025, 5, 14, 3, 0, tzinfo=dt.UTC)


def _route_in_threads(batches: list[list[int]]) -> None:
    barrier = threading.Barrier(len(batches))
    errors: list[BaseException] = []

    def worker(ids: list[int]) -> None:
        try:
            barrier.wait(timeout=10)
            leads_route_new(lead_ids=ids, now=NOW)
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(ids,)) for ids in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def _setup(method: AssignmentMethod, capacity: int | None, people: int, leads: int) -> list[int]:
    team = Team.objects.create(name="team", role=TeamRole.SDR)
    team.members.set([user_with_role(Role.SDR) for _ in range(people)])
    AssignmentRule.objects.create(name="r", order=1, team=team, method=method, capacity=capacity)
    channel = ChannelFactory(route=ChannelRoute.SDR)
    return [LeadFactory(source_channel=channel).pk for _ in range(leads)]


def test_least_loaded_never_exceeds_capacity_when_routed_at_once() -> None:
    # given two SDRs capped at 5 and 16 new leads
    ids = _setup(AssignmentMethod.LEAST_LOADED, 5, people=2, leads=16)
    # when four workers route four batches at the same instant
    _route_in_threads([ids[i::4] for i in range(4)])
    # then each holds exactly 5 and six stay in the pool
    counts = Counter(Lead.objects.values_list("owner_sdr_id", flat=True))
    assert counts.pop(None) == 6
    assert sorted(counts.values()) == [5, 5]


def test_round_robin_stays_within_one_when_routed_at_once() -> None:
    # given three SDRs and 60 new leads
    ids = _setup(AssignmentMethod.ROUND_ROBIN, None, people=3, leads=60)
    # when three workers route interleaved batches at once
    _route_in_threads([ids[i::3] for i in range(3)])
    # then all are assigned, 20 each
    counts = Counter(Lead.objects.values_list("owner_sdr_id", flat=True))
    assert None not in counts and sorted(counts.values()) == [20, 20, 20]
