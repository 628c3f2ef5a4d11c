"""Two people move the same lead at once: one wins, the other gets a clean conflict, one history row."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from leadflow.errors import Conflict
from leads.choices import Stage
from leads.models import Lead, StageChange
from leads.services.stages import lead_transition
from tests.factories import LeadFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(lead_id: int, moves: list[dict[str, Any]]) -> list[str]:
    """Each thread loads the lead, waits for the others, then moves it. Returns each thread's outcome."""
    barrier = threading.Barrier(len(moves))
    outcomes: list[str] = ["?"] * len(moves)

    def worker(index: int, move: dict[str, Any]) -> None:
        try:
            seen = Lead.objects.get(pk=lead_id)
            barrier.wait(timeout=10)
            lead_transition(lead=seen, **move)
            outcomes[index] = "moved"
        except Conflict:
            outcomes[index] = "conflict"
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, move)) for i, move in enumerate(moves)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_threads_making_the_same_move_one_wins_one_conflicts_one_history_row() -> None:
    lead = LeadFactory(bant_budget=True, bant_need=True)

    outcomes = _race(lead.pk, [{"to": Stage.MQL}, {"to": Stage.MQL}])

    assert sorted(outcomes) == ["conflict", "moved"]
    assert StageChange.objects.filter(lead=lead, to_stage=Stage.MQL).count() == 1
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_two_threads_making_different_moves_leave_exactly_one_of_them() -> None:
    lead = LeadFactory(bant_budget=True, bant_need=True)

    outcomes = _race(lead.pk, [{"to": Stage.MQL}, {"to": Stage.DISQUALIFIED, "reason": "spam"}])

    assert sorted(outcomes) == ["conflict", "moved"]
    lead.refresh_from_db()
    changes = list(StageChange.objects.filter(lead=lead).exclude(from_stage="").values_list("to_stage", flat=True))
    assert changes == [lead.stage]
