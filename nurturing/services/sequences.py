"""Building sequences: settings, triggers, the step list (add, edit, reorder, delete), switching on and off,
and enrolling a segment. Every error names the field at fault (`config.days`, `trigger_config.to`, ...).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from leadflow.errors import Conflict, ValidationFailed
from leads.choices import Stage, Temperature
from leads.models import Lead
from leads.segments.models import Segment
from leads.segments.selectors import segment_leads, segment_rule_errors
from leads.stages import FUNNEL
from nurturing.models.sequences import (
    Sequence,
    SequenceStatus,
    Step,
    StepKind,
    Track,
    TriggerKind,
)
from nurturing.services.enrollments import enrollments_start
from nurturing.services.steps import step_config_errors

SEQUENCE_FIELDS = ("name", "description", "track", "priority", "trigger_kind", "trigger_config", "target_stage",
                   "exit_on_reply", "exit_on_engagement", "engagement_handoff", "is_marketing")  # fmt: skip
Errors = dict[str, list[str]]


def trigger_config_errors(*, kind: str, config: Any) -> Errors:
    """Every problem of a trigger's settings, keyed `trigger_config.<field>`."""
    if kind not in TriggerKind.values:
        return {"trigger_kind": [_("Choose a trigger.")]}
    if not isinstance(config, dict):
        return {"trigger_config": [_("Trigger settings must be a JSON object.")]}
    errors: Errors = {}
    if config.get("rule"):
        _node, found = segment_rule_errors(rule=config["rule"], root="trigger_config.rule")
        errors.update(found)
    lists = {"from": Stage.values, "to": Stage.values if kind == TriggerKind.STAGE_CHANGED else Temperature.values}
    for field, allowed in lists.items():
        values = config.get(field)
        if values is not None and (not isinstance(values, list) or any(value not in allowed for value in values)):
            errors[f"trigger_config.{field}"] = [_("Give a list of: %(values)s.") % {"values": ", ".join(allowed)}]
    if kind == TriggerKind.INACTIVITY:
        days = config.get("days")
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 3650:
            errors["trigger_config.days"] = [_("Enter a whole number of days from 1 to 3650.")]
    segment_missing = not Segment.objects.filter(pk=config.get("segment") or 0).exists()
    if kind == TriggerKind.SEGMENT_ENTRY and not config.get("rule") and segment_missing:
        errors["trigger_config.segment"] = [_("Choose a saved segment (or give a rule).")]
    return errors


def _sequence_errors(data: Mapping[str, Any]) -> Errors:
    errors: Errors = {}
    if "name" in data and not str(data["name"]).strip():
        errors["name"] = [_("This field is required.")]
    if "track" in data and data["track"] not in Track.values:
        errors["track"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(Track.values)}]
    if "target_stage" in data and data["target_stage"] not in ("", *(stage.value for stage in FUNNEL)):
        errors["target_stage"] = [_("Choose a funnel stage or leave it empty.")]
    priority = data.get("priority", 50)
    if isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 1000:
        errors["priority"] = [_("Enter a whole number from 0 to 1000.")]
    if "trigger_kind" in data or "trigger_config" in data:
        errors.update(trigger_config_errors(kind=data.get("trigger_kind", TriggerKind.MANUAL),
                                            config=data.get("trigger_config", {})))  # fmt: skip
    return errors


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "sequence"
    slug, n = base, 2
    while Sequence.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def sequence_create(*, data: Mapping[str, Any], actor: Any = None) -> Sequence:
    """A new sequence, a draft until switched on."""
    errors = _sequence_errors({"name": data.get("name", ""), **data})
    if errors:
        raise ValidationFailed(_("The sequence is not valid."), errors=errors)
    fields = {field: data[field] for field in SEQUENCE_FIELDS if field in data}
    return Sequence.objects.create(slug=data.get("slug") or _unique_slug(str(data["name"])), **fields,
                                   created_by=actor if getattr(actor, "is_authenticated", False) else None)


@transaction.atomic
def sequence_update(*, sequence: Sequence, data: Mapping[str, Any]) -> Sequence:
    merged = {"trigger_kind": sequence.trigger_kind, "trigger_config": sequence.trigger_config, **data}
    errors = _sequence_errors(merged)
    if errors:
        raise ValidationFailed(_("The sequence is not valid."), errors=errors)
    for field in SEQUENCE_FIELDS:
        if field in data:
            setattr(sequence, field, data[field])
    sequence.save()
    return sequence


def _keys(sequence: Sequence) -> set[str]:
    return set(sequence.steps.values_list("key", flat=True))


def _check_step(*, kind: str, config: Any, keys: set[str]) -> None:
    errors = step_config_errors(kind=kind, config=config, keys=keys)
    if errors:
        raise ValidationFailed(_("The step is not valid."), errors=errors)


@transaction.atomic
def step_add(*, sequence: Sequence, kind: str, config: Mapping[str, Any], name: str = "", key: str = "",
             position: int | None = None) -> Step:  # fmt: skip
    """Append a step (or insert it at `position`, shifting later steps down)."""
    Sequence.objects.select_for_update().get(pk=sequence.pk)  # one editor at a time renumbers
    keys = _keys(sequence)
    key = key or _free_key(keys)
    if key in keys:
        raise ValidationFailed(_("The step is not valid."), errors={"key": [_("Another step has this key.")]})
    _check_step(kind=kind, config=dict(config), keys=keys | {key})
    last = sequence.steps.aggregate(last=Max("position"))["last"] or 0
    if position is None or position > last:
        position = last + 1
    else:
        _shift(sequence, from_position=position, by=1)
    return Step.objects.create(sequence=sequence, key=key, kind=kind, config=dict(config), name=name[:200],
                               position=position)  # fmt: skip


def _free_key(keys: set[str]) -> str:
    n = len(keys) + 1
    while f"s{n}" in keys:
        n += 1
    return f"s{n}"


def _shift(sequence: Sequence, *, from_position: int, by: int) -> None:
    # Two passes so the (sequence, position) unique constraint never sees two rows on one position.
    later = sequence.steps.filter(position__gte=from_position)
    later.update(position=F("position") + 100_000)
    sequence.steps.filter(position__gte=100_000).update(position=F("position") - 100_000 + by)


@transaction.atomic
def step_update(*, step: Step, data: Mapping[str, Any]) -> Step:
    """Change a step's name, kind or settings (the key stays: other steps may point at it)."""
    kind = data.get("kind", step.kind)
    config = data.get("config", step.config)
    _check_step(kind=kind, config=config, keys=_keys(step.sequence))
    step.kind, step.config = kind, config
    if "name" in data:
        step.name = str(data["name"])[:200]
    if kind != StepKind.AB_SPLIT or "config" in data:
        step.winner, step.winner_chosen_at, step.winner_stats = "", None, {}
    step.save()
    return step


@transaction.atomic
def step_move(*, step: Step, offset: int) -> Step:
    """Move a step up (-1) or down (+1) by swapping places with its neighbour. At the edge: no-op."""
    Sequence.objects.select_for_update().get(pk=step.sequence_id)
    neighbours = step.sequence.steps.exclude(pk=step.pk)
    other = (neighbours.filter(position__lt=step.position).order_by("-position").first() if offset < 0
             else neighbours.filter(position__gt=step.position).order_by("position").first())  # fmt: skip
    if other is None:
        return step
    mine, theirs = step.position, other.position
    Step.objects.filter(pk=step.pk).update(position=0)
    Step.objects.filter(pk=other.pk).update(position=mine)
    Step.objects.filter(pk=step.pk).update(position=theirs)
    step.position = theirs
    return step


def _references(step: Step) -> list[str]:
    """Steps of the sequence whose settings name this step's key."""
    found = []
    for other in step.sequence.steps.exclude(pk=step.pk):
        config = other.config or {}
        targets = {config.get("then"), config.get("else"), config.get("to"),
                   *(variant.get("goto") for variant in config.get("variants", []) if isinstance(variant, dict))}
        if step.key in targets:
            found.append(other.name or other.key)
    return found


@transaction.atomic
def step_delete(*, step: Step) -> None:
    """Delete a step no other step points at; enrollments waiting on it move to the following step."""
    users = _references(step)
    if users:
        raise Conflict(_("Steps %(steps)s go to this step; change them first.") % {"steps": ", ".join(users)},
                       errors={"step": [_("Other steps go to this step.")]})
    following = step.sequence.steps.filter(position__gt=step.position).order_by("position").first()
    step.sequence.enrollments.filter(current_step=step).update(current_step=following)
    step.delete()


def sequence_problems(*, sequence: Sequence) -> Errors:
    """Every step error of the sequence, keyed `steps[<key>].<field>` (empty: it may be switched on)."""
    steps = list(sequence.steps.order_by("position"))
    if not steps:
        return {"steps": [_("Add at least one step.")]}
    keys = {step.key for step in steps}
    errors: Errors = {}
    for step in steps:
        for field, messages in step_config_errors(kind=step.kind, config=step.config, keys=keys).items():
            errors[f"steps[{step.key}].{field}"] = messages
    return errors


@transaction.atomic
def sequence_set_status(*, sequence: Sequence, status: str, now: dt.datetime) -> Sequence:
    """Switch on (checked first), pause, resume or archive. Paused sequences keep their enrollments, whose
    steps wait until it runs again. Same status: no-op."""
    if status not in SequenceStatus.values:
        raise ValidationFailed(_("Unknown status."), errors={"status": [_("Choose a status.")]})
    if status == SequenceStatus.ACTIVE:
        problems = sequence_problems(sequence=sequence)
        if problems:
            raise ValidationFailed(_("Fix the steps before switching the sequence on."), errors=problems)
        sequence.activated_at = sequence.activated_at or now
    sequence.status = status
    sequence.save(update_fields=["status", "activated_at", "updated_at"])
    return sequence


def sequence_enroll_segment(*, sequence: Sequence, user: Any, now: dt.datetime, segment: Segment | None = None,
                            rule: Any = None) -> int:  # fmt: skip
    """Enrol the leads of a saved segment (or a rule tree) that the user may see; returns how many entered
    (leads already in the sequence or a higher one on the track, or past the target, are left out)."""
    if sequence.status == SequenceStatus.ARCHIVED:
        raise Conflict(_("This sequence is archived."))
    leads = segment_leads(user=user, rule=segment.rule if segment is not None else rule, now=now)
    return len(enrollments_start(sequence=sequence, leads=Lead.objects.filter(pk__in=leads.values("pk")), now=now,
                                 trigger=TriggerKind.MANUAL, actor=user))  # fmt: skip


@transaction.atomic
def sequence_steps_create(*, sequence: Sequence, steps: list[Mapping[str, Any]]) -> list[Step]:
    """Give a new sequence its steps in one go, checked together (a step may name a later step's key).
    Errors are keyed `steps[<index>].<field>`. Refused when the sequence already has steps."""
    if sequence.steps.exists():
        raise Conflict(_("This sequence already has steps; edit them one by one."))
    keys = [str(step.get("key") or f"s{index}") for index, step in enumerate(steps, start=1)]
    errors: Errors = {}
    if len(set(keys)) != len(keys):
        errors["steps"] = [_("Step keys must differ.")]
    for index, step in enumerate(steps):
        found = step_config_errors(kind=str(step.get("kind", "")), config=step.get("config", {}), keys=set(keys))
        for field, messages in found.items():
            errors[f"steps[{index}].{field}"] = messages
    if errors:
        raise ValidationFailed(_("The steps are not valid."), errors=errors)
    return Step.objects.bulk_create([
        Step(sequence=sequence, key=key, kind=step["kind"], config=dict(step.get("config", {})),
             name=str(step.get("name", ""))[:200], position=index)
        for index, (key, step) in enumerate(zip(keys, steps, strict=True), start=1)
    ])  # fmt: skip
