"""A/B splits: pick the winner once the difference is statistically significant.

Test: a two-sided two-proportion z-test with pooled variance between the best arm and every other arm:

    p_pool = (x1 + x2) / (n1 + n2),  se = sqrt(p_pool * (1 - p_pool) * (1/n1 + 1/n2)),
    z = (x1/n1 - x2/n2) / se,        p = erfc(|z| / sqrt(2))

Thresholds: every arm has at least `min_sample` matured entrants (default 100: the normal approximation
needs it) and the best arm beats each other arm with p < `alpha` (default 0.05). A matured entrant is one
whose goal window (`window_days`, default 7) has closed; it succeeded when the goal (open, click, reply or
reaching the sequence's target stage) happened inside the window after it passed the split. Once chosen,
the winner is stored on the step and every later entrant gets it; earlier entrants keep their arm.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q

from leads.models import StageChange, Touchpoint
from leads.stages import FUNNEL
from nurturing.models.sequences import SequenceStatus, Step, StepExecution, StepKind
from nurturing.services.steps import GOAL_TOUCHPOINTS

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_SAMPLE = 100
DEFAULT_WINDOW_DAYS = 7


@dataclass(frozen=True)
class Arm:
    key: str
    n: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.n if self.n else 0.0


def two_proportion_z_test(*, x1: int, n1: int, x2: int, n2: int) -> tuple[float, float]:
    """(z, two-sided p) for the difference of two proportions, pooled variance. No difference at all (or
    an empty arm): z = 0, p = 1."""
    if n1 == 0 or n2 == 0:
        return 0.0, 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (x1 / n1 - x2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def ab_winner(*, arms: list[Arm], alpha: float = DEFAULT_ALPHA, min_sample: int = DEFAULT_MIN_SAMPLE) -> str:
    """The key of the arm that significantly beats every other, or "" (not yet, or no clear winner)."""
    if len(arms) < 2 or any(arm.n < min_sample for arm in arms):
        return ""
    best = max(arms, key=lambda arm: arm.rate)
    for other in arms:
        if other is best:
            continue
        z, p = two_proportion_z_test(x1=best.successes, n1=best.n, x2=other.successes, n2=other.n)
        if z <= 0 or p >= alpha:
            return ""
    return best.key


def ab_arms(*, step: Step, now: dt.datetime) -> list[Arm]:
    """Matured entrants and goal successes per variant of a split (one grouped query)."""
    config = step.config
    window = dt.timedelta(days=int(config.get("window_days", DEFAULT_WINDOW_DAYS)))
    matured = StepExecution.objects.filter(step=step, executed_at__lte=now - window)
    success = _goal_reached(step, window)
    counts = {row["branch"]: row for row in matured.values("branch").annotate(
        n=Count("id"), successes=Count("id", filter=Q(success)))}  # fmt: skip
    return [Arm(key=variant["key"], n=counts.get(variant["key"], {}).get("n", 0),
                successes=counts.get(variant["key"], {}).get("successes", 0)) for variant in config["variants"]]


def _goal_reached(step: Step, window: dt.timedelta) -> Exists:
    goal = step.config.get("goal", "click")
    if goal == "converted":
        target = step.sequence.target_stage or "mql"
        later = [stage.value for stage in FUNNEL[FUNNEL.index(target):]] if target in FUNNEL else [target]
        return Exists(StageChange.objects.filter(
            lead_id=OuterRef("enrollment__lead_id"), to_stage__in=later, at__gte=OuterRef("executed_at"),
            at__lt=OuterRef("executed_at") + window))  # fmt: skip
    return Exists(Touchpoint.objects.filter(
        lead_id=OuterRef("enrollment__lead_id"), kind__in=GOAL_TOUCHPOINTS[goal],
        occurred_at__gte=OuterRef("executed_at"), occurred_at__lt=OuterRef("executed_at") + window))  # fmt: skip


def ab_winners_choose(*, now: dt.datetime, limit: int = 100) -> int:
    """Tick sweep: for splits of running sequences without a winner, choose one when significant. Returns
    the splits examined. Idempotent: a step with a winner is not examined again."""
    steps = list(Step.objects.filter(kind=StepKind.AB_SPLIT, winner="", sequence__status=SequenceStatus.ACTIVE)
                 .select_related("sequence").order_by("pk")[:limit])  # fmt: skip
    for step in steps:
        ab_split_evaluate(step=step, now=now)
    return len(steps)


@transaction.atomic
def ab_split_evaluate(*, step: Step, now: dt.datetime) -> str:
    """Choose and store the winner of one split if significant; returns it ("" when none yet)."""
    config = step.config
    arms = ab_arms(step=step, now=now)
    winner = ab_winner(arms=arms, alpha=float(config.get("alpha", DEFAULT_ALPHA)),
                       min_sample=int(config.get("min_sample", DEFAULT_MIN_SAMPLE)))  # fmt: skip
    if winner:
        stats = {"test": "two-proportion z-test (pooled, two-sided)", "arms": [
            {"key": arm.key, "n": arm.n, "successes": arm.successes, "rate": round(arm.rate, 4)} for arm in arms]}
        Step.objects.filter(pk=step.pk, winner="").update(winner=winner, winner_chosen_at=now, winner_stats=stats)
        step.winner, step.winner_chosen_at, step.winner_stats = winner, now, stats
    return winner
