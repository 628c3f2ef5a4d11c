"""The lead lifecycle: the only code that assigns `Lead.stage` (rules in `leads.stages`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.services import account_record_win
from leadflow.errors import ApplicationError, Conflict, IllegalTransition, NotPermitted, ValidationFailed
from leadflow.roles import Role, user_roles
from leads.choices import BANT_POINTS, OpportunityStatus, OwnerSide, Stage
from leads.models import ChangeKind, Lead, Opportunity, StageChange
from leads.services.changes import lead_change_record
from leads.services.leads import _user_or_none, lead_assign_owner, lead_set_bant
from leads.services.revenue import revenue_event_for_win
from leads.signals import lead_stage_changed
from leads.stages import SKIP_ROLES, TRANSITIONS, Gate, Move, allowed_targets, needs_for_path, skip_path

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
_MANAGERS = frozenset({Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION})  # not bound to the sales owner


def lead_transition(
    *,
    lead: Lead,
    to: Stage | str,
    actor: Any = None,
    actor_label: str = "",
    rule: str = "",
    reason: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    amount: Decimal | str | None = None,
    currency: str = "",
    expected_close: dt.date | None = None,
    bant: Mapping[str, Any] | None = None,
    skip: bool = False,
    now: dt.datetime | None = None,
) -> Lead:
    """Move `lead` to stage `to` and return the updated lead.

    Invariants: only legal moves (or forward skips) happen; every move writes one StageChange per stage
    passed; `at` is never before the previous change; the row is locked, and a lead changed by someone
    else since the caller loaded it raises Conflict, so a race never writes history twice.
    Idempotent only for a move to the stage the lead is already in (a no-op without history).
    `actor=None` means the system (import, rule); `rule` names the auto-qualification rule that fired.
    """
    now = now or timezone.now()
    target = _stage(to)
    with transaction.atomic():
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if (locked.stage, locked.stage_changed_at) != (lead.stage, lead.stage_changed_at):
            raise Conflict(_("This lead was changed by someone else; reload it and try again."))
        if locked.merged_into_id is not None or locked.erased_at is not None:
            raise Conflict(_("This lead was merged or erased and can no longer change stage."))
        if locked.stage == target:
            return locked
        path, move = _plan(locked, target, skip)
        _check_actor(locked, actor, move, skip and len(path) > 1)
        label = f"rule:{rule}" if rule else actor_label
        at = _check_at(at, locked, now)
        lead_set_bant(lead=locked, bant=bant or {}, actor=actor, actor_label=label, at=at)
        money = _check_requirements(path, move, reason=reason, note=note, amount=amount, expected_close=expected_close)
        if not skip and move is not None and move.gate is not None:
            _check_gate(locked, move.gate, rule=rule)
        _apply_effects(locked, path, actor, at, money, currency, expected_close, reason)
        _stage_write(
            locked, path, at=at, actor=actor, label=label, reason=reason, note=note,
            gates_bypassed=skip, now=now,
        )  # fmt: skip
    return locked


def lead_transition_refusal(*, actor: Any, lead: Lead, to: Stage | str) -> ApplicationError | None:
    """Why `actor` may not move `lead` to `to` (illegal from here, or not for this role), or None.

    The same checks `lead_transition` makes before it reads the payload, so a page offers exactly the moves
    the service will accept.
    """
    if lead.merged_into_id is not None or lead.erased_at is not None:
        return Conflict(_("This lead was merged or erased and can no longer change stage."))
    try:
        _path, move = _plan(lead, _stage(to), skip=False)
        _check_actor(lead, actor, move, is_jump=False)
    except ApplicationError as refusal:
        return refusal
    return None


def lead_stage_adopt(*, lead: Lead, stage: Stage, at: dt.datetime, actor_label: str) -> Lead:
    """Give a locked merge survivor the more advanced stage of the lead merged into it.

    The merged lead's history has been moved over already, so one StageChange records the jump.
    """
    at = max(at, lead.stage_changed_at)
    _stage_write(lead, [stage], at=at, actor=None, label=actor_label, reason="merge", note="",
                 gates_bypassed=True, now=timezone.now())  # fmt: skip
    return lead


def _stage_write(
    lead: Lead, path: list[Stage], *, at: dt.datetime, actor: Any, label: str, reason: str, note: str,
    gates_bypassed: bool, now: dt.datetime,
) -> None:  # fmt: skip
    """The only assignment of `Lead.stage`: one history row per stage passed, then the signal on commit."""
    previous, target = lead.stage, path[-1]
    StageChange.objects.bulk_create(
        [
            StageChange(
                lead=lead, from_stage=frm, to_stage=stage, at=at, actor=_user_or_none(actor), actor_label=label,
                reason=reason if stage == target else "", note=note if stage == target else "",
                implied=stage != target, gates_bypassed=gates_bypassed, recorded_at=now,
            )
            for frm, stage in zip([previous, *path[:-1]], path, strict=True)
        ]
    )
    lead.stage = target
    lead.stage_changed_at = at
    lead.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    lead_change_record(lead=lead, kind=ChangeKind.STAGE_CHANGED, at=at, now=now,
                       data={"from": previous, "to": str(target), "path": [str(stage) for stage in path]})
    lead_id = lead.pk
    transaction.on_commit(
        lambda: lead_stage_changed.send(
            sender=Lead, lead_id=lead_id, from_stage=previous, to_stage=str(target), at=at
        )
    )


def _stage(value: Stage | str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        message = _("Unknown stage “%(stage)s”.") % {"stage": value}
        raise ValidationFailed(message, errors={"to": [message]}) from None


def _plan(lead: Lead, target: Stage, skip: bool) -> tuple[list[Stage], Move | None]:
    """The stages passed (target last) and the rule of the direct move, if there is one."""
    move = TRANSITIONS.get((Stage(lead.stage), target))
    if move is not None:
        return [target], move
    path = skip_path(lead.stage, target) if skip else None
    if path is None:
        allowed = ", ".join(str(stage.label) for stage in allowed_targets(lead.stage)) or "—"
        raise IllegalTransition(
            _("A lead cannot move from %(from)s to %(to)s. Allowed from here: %(allowed)s.")
            % {"from": Stage(lead.stage).label, "to": target.label, "allowed": allowed}
        )
    return path, None


def _check_actor(lead: Lead, actor: Any, move: Move | None, is_jump: bool) -> None:
    if _user_or_none(actor) is None:
        return  # the system: imports and rules
    roles = user_roles(actor)
    allowed = SKIP_ROLES if is_jump or move is None else move.roles
    if not roles & allowed:
        raise NotPermitted(_("Your role may not make this stage change."))
    owner_only = move is not None and move.sales_owner_only
    if owner_only and not roles & _MANAGERS and lead.owner_sales_id not in (None, actor.pk):
        raise NotPermitted(_("Only the lead's sales owner or a sales manager may make this stage change."))


def _check_at(at: dt.datetime | None, lead: Lead, now: dt.datetime) -> dt.datetime:
    if at is None:
        return max(now, lead.stage_changed_at)
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at < lead.stage_changed_at:
        message = _("A stage change cannot be dated before the previous one (%(previous)s).") % {
            "previous": timezone.localtime(lead.stage_changed_at).isoformat(timespec="seconds")
        }
        raise ValidationFailed(message, errors={"at": [message]})
    if at > now + FUTURE_TOLERANCE:
        message = _("A stage change cannot be dated in the future.")
        raise ValidationFailed(message, errors={"at": [message]})
    return at


def _check_requirements(
    path: list[Stage], move: Move | None, *, reason: str, note: str, amount: Any, expected_close: dt.date | None
) -> Decimal | None:
    errors: dict[str, list[str]] = {}
    if move is not None and move.reasons is not None:
        if not reason:
            errors["reason"] = [_("A reason is required.")]
        elif reason not in move.reasons.values:
            errors["reason"] = [
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(str(v) for v in move.reasons.values)}
            ]
        elif reason == "other" and not note.strip():
            errors["note"] = [_("Say why in a note when the reason is “other”.")]
    if move is not None and move.note_required and not note.strip():
        errors["note"] = [_("A note is required.")]
    needs = move.needs if move is not None else needs_for_path(path)
    money = _decimal(amount)
    if "amount" in needs and (money is None or money <= 0):
        errors["amount"] = [_("A positive amount is required.")]
    if "expected_close" in needs and expected_close is None:
        errors["expected_close"] = [_("An expected close date is required.")]
    if errors:
        raise ValidationFailed(_("Required information is missing: %(fields)s.") % {"fields": _labels(errors)},
                               errors=errors)  # fmt: skip
    return money


FIELD_LABELS = {
    "reason": gettext_lazy("reason"),
    "note": gettext_lazy("note"),
    "amount": gettext_lazy("amount"),
    "expected_close": gettext_lazy("expected close date"),
    "budget": gettext_lazy("budget"),
    "authority": gettext_lazy("authority"),
    "need": gettext_lazy("need"),
    "timing": gettext_lazy("timing"),
}


def _labels(fields: Any) -> str:
    """Field names as the user reads them, in the active language."""
    return _(", ").join(str(FIELD_LABELS.get(field, field)) for field in fields)


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _check_gate(lead: Lead, gate: Gate, *, rule: str) -> None:
    if gate == Gate.MQL_BANT and rule:
        return  # a named auto-qualification rule is the gate
    minimum = settings.LEADFLOW["MQL_MIN_BANT"] if gate == Gate.MQL_BANT else settings.LEADFLOW["SQL_MIN_BANT"]
    if lead.bant_count >= minimum:
        return
    missing = [point for point in BANT_POINTS if not getattr(lead, f"bant_{point}")]
    message = _("At least %(minimum)s of the 4 BANT points are needed (has %(count)s); missing: %(missing)s.") % {
        "minimum": minimum, "count": lead.bant_count, "missing": _labels(missing),
    }  # fmt: skip
    raise ValidationFailed(message, errors={"bant": [message], **{point: [_("Not confirmed.")] for point in missing}})


def _apply_effects(
    lead: Lead, path: list[Stage], actor: Any, at: dt.datetime, money: Decimal | None, currency: str,
    expected_close: dt.date | None, reason: str,
) -> None:  # fmt: skip
    """Ownership at the hand-off, and the opportunity that goes with the sales stages."""
    user = _user_or_none(actor)
    if Stage.MQL in path and lead.owner_sdr_id is None and user is not None and Role.SDR in user_roles(user):
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=user, actor=user, at=at)  # credit for the MQL
    if Stage.SAL in path and lead.owner_sales_id is None and user is not None and Role.SALES in user_roles(user):
        lead_assign_owner(lead=lead, side=OwnerSide.SALES, user=user, actor=user, at=at)
    currency = currency or settings.LEADFLOW["DEFAULT_CURRENCY"]
    opportunity = lead.opportunities.filter(status=OpportunityStatus.OPEN).order_by("-opened_at").first()
    if Stage.OPPORTUNITY in path:
        assert money is not None
        opportunity = Opportunity.objects.create(
            lead=lead, account=lead.account, owner=lead.owner_sales or user, amount=money, currency=currency,
            expected_close=expected_close or at.date(), opened_at=at,
            name=f"{lead.company or lead.display_name} · {timezone.localtime(at):%Y-%m}",
        )  # fmt: skip
    if Stage.CUSTOMER in path and opportunity is not None:
        assert money is not None
        opportunity.status, opportunity.closed_at, opportunity.won_amount = OpportunityStatus.WON, at, money
        opportunity.save(update_fields=["status", "closed_at", "won_amount", "updated_at"])
        if lead.account is not None:
            account_record_win(account=lead.account, arr_added=money, owner=opportunity.owner)
            revenue_event_for_win(opportunity=opportunity, account=lead.account, at=at)
    if path[-1] in (Stage.LOST, Stage.DISQUALIFIED) and opportunity is not None:
        opportunity.status, opportunity.closed_at = OpportunityStatus.LOST, at
        opportunity.lost_reason = reason if path[-1] == Stage.LOST else f"disqualified:{reason}"
        opportunity.save(update_fields=["status", "closed_at", "lost_reason", "updated_at"])
