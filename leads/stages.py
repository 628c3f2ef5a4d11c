"""The lifecycle as data: stages, the legal moves, what each move requires. No ORM here.

`leads.services.stages.lead_transition` is the only code that applies these rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models

from leadflow.roles import Role
from leads.choices import DisqualifyReason, LostReason, ReturnReason, Stage

FUNNEL: tuple[Stage, ...] = (Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER)
OPEN_STAGES: frozenset[Stage] = frozenset(FUNNEL[:-1])
SALES_SIDE: frozenset[Stage] = frozenset({Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.LOST})

# An integration (a CRM) reports what happened in the CRM: it may make the SDR and sales moves.
_SALES = frozenset({Role.SALES, Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION})
_SDR = frozenset({Role.SDR, Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION})
_MARKETING = frozenset({Role.MARKETER, Role.ADMIN})
_DISQUALIFIERS = frozenset({Role.SDR, Role.SALES, Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION})


class Gate(models.TextChoices):
    """A condition on the lead checked before the move (skipped with `skip=True`)."""

    MQL_BANT = "mql_bant"
    SQL_BANT = "sql_bant"


@dataclass(frozen=True)
class Move:
    roles: frozenset[Role]
    reasons: type[models.TextChoices] | None = None
    note_required: bool = False
    gate: Gate | None = None
    needs: tuple[str, ...] = field(default=())
    sales_owner_only: bool = False


TRANSITIONS: dict[tuple[Stage, Stage], Move] = {
    (Stage.LEAD, Stage.MQL): Move(roles=_SDR, gate=Gate.MQL_BANT),
    (Stage.MQL, Stage.SAL): Move(roles=_SALES, sales_owner_only=True),
    (Stage.MQL, Stage.LEAD): Move(roles=_SALES, reasons=ReturnReason, sales_owner_only=True),
    (Stage.SAL, Stage.SQL): Move(roles=_SALES, gate=Gate.SQL_BANT, sales_owner_only=True),
    (Stage.SAL, Stage.LEAD): Move(roles=_SALES, reasons=ReturnReason, sales_owner_only=True),
    (Stage.SQL, Stage.OPPORTUNITY): Move(roles=_SALES, needs=("amount", "expected_close"), sales_owner_only=True),
    (Stage.SQL, Stage.LEAD): Move(roles=_SALES, reasons=ReturnReason, sales_owner_only=True),
    (Stage.OPPORTUNITY, Stage.CUSTOMER): Move(roles=_SALES, needs=("amount",), sales_owner_only=True),
    (Stage.OPPORTUNITY, Stage.LOST): Move(roles=_SALES, reasons=LostReason, sales_owner_only=True),
    (Stage.LOST, Stage.LEAD): Move(roles=_MARKETING),
    (Stage.DISQUALIFIED, Stage.LEAD): Move(roles=_MARKETING, note_required=True),
    **{
        (stage, Stage.DISQUALIFIED): Move(roles=_DISQUALIFIERS, reasons=DisqualifyReason)
        for stage in FUNNEL[:-1]
    },
}

# Who may force a forward jump (self-sourced deals, imports of existing customers).
SKIP_ROLES: frozenset[Role] = frozenset({Role.SALES, Role.SALES_MANAGER, Role.MARKETER, Role.ADMIN,
                                         Role.INTEGRATION})  # fmt: skip


def can_transition(current: Stage | str, target: Stage | str) -> bool:
    return (Stage(current), Stage(target)) in TRANSITIONS


def allowed_targets(current: Stage | str) -> list[Stage]:
    return [to for (frm, to) in TRANSITIONS if frm == Stage(current)]


def skip_path(current: Stage | str, target: Stage | str) -> list[Stage] | None:
    """Stages passed on a forward jump, target included, or None when it is not a forward jump."""
    current, target = Stage(current), Stage(target)
    if current not in FUNNEL or target not in FUNNEL:
        return None
    start, end = FUNNEL.index(current), FUNNEL.index(target)
    if end <= start:
        return None
    return list(FUNNEL[start + 1 : end + 1])


def needs_for_path(path: list[Stage]) -> tuple[str, ...]:
    """Amounts a jump through `path` still needs (a skip never bypasses money)."""
    needs: list[str] = []
    if Stage.OPPORTUNITY in path and Stage.CUSTOMER not in path:
        needs += ["amount", "expected_close"]
    if Stage.CUSTOMER in path:
        needs += ["amount"]
    return tuple(needs)
