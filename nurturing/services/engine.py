"""Running due enrollment steps: the sweep the tick calls, and one handler per step kind.

Invariants:
* Claims are `SELECT ... FOR UPDATE SKIP LOCKED` on the partial index `enrollment_due_active`: two workers
  take disjoint enrollments and never wait on each other.
* A step's effects (its message row, task, tag, ...), its `StepExecution` row (unique per enrollment, step
  and visit) and the enrollment's move to the next step commit together. A worker killed mid-step commits
  nothing, the row lock goes with its connection, and the next tick redoes the step from the start; a tick
  run again for the same `now` finds nothing due.
* Steps run at their due time (`next_run_at`), so a late tick keeps the schedule: waits count from when the
  wait was due, not from when the tick noticed.
* A chain of instant steps (branch, goto, tag, ...) runs until a wait, a deferral or the end; a loop with no
  wait is cut at MAX_CHAIN steps and the enrollment exits with `error`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from leads.choices import TouchpointKind
from leads.models import Lead, Touchpoint
from leads.segments.compiler import segment_q
from leads.segments.selectors import segment_rule_checked
from leads.services.edit import lead_set_tags
from leads.services.leads import lead_set_bant, lead_set_temperature
from leads.services.upsert import lead_update
from nurturing.models.messages import NotifyChannel
from nurturing.models.sequences import (
    EmailTemplate,
    Enrollment,
    EnrollmentStatus,
    ExitReason,
    SequenceStatus,
    Step,
    StepExecution,
    StepKind,
)
from nurturing.services.claims import compiled_rows
from nurturing.services.enrollments import enrollment_end, stages_past_target
from nurturing.services.messages import marketing_block_reason, message_email_queue, message_notify_queue
from nurturing.services.pacing import marketing_send_deferral
from nurturing.services.steps import branch_rule, variant_pick, wait_until

logger = logging.getLogger(__name__)
MAX_CHAIN = 50
CHUNK = 50
RETRY_AFTER_ERROR = dt.timedelta(minutes=15)
ENGAGEMENT_KINDS = tuple(kind for kind in TouchpointKind.values if kind not in ("other",))


@dataclass
class StepContext:
    enrollment: Enrollment
    step: Step
    lead: Lead
    due: dt.datetime  # when the step was due: waits and task due times count from here
    now: dt.datetime  # when it runs: rows are stamped with it


@dataclass
class StepResult:
    goto: str | None = None  # a step key; None: the next step by position
    resume_at: dt.datetime | None = None  # a wait: when the next step is due
    defer_until: dt.datetime | None = None  # not run now (quiet hours, cap): try this step again then
    branch: str = ""
    outcome: dict[str, Any] = field(default_factory=dict)
    exit_reason: str = ""


def enrollments_run_due(*, now: dt.datetime, limit: int = 200) -> int:
    """Run the due steps of at most `limit` enrollments (the tick's `enrollment_steps` sweep); returns the
    enrollments processed. Claims and runs CHUNK enrollments per transaction (short write locks, which
    SQLite's single writer needs too); one savepoint per enrollment, so one broken step does not undo the
    others (it is retried later and its error kept on the enrollment)."""
    processed = 0
    steps: dict[int, list[Step]] = {}
    while processed < limit:
        with transaction.atomic():
            ids = enrollments_claim(now=now, limit=min(CHUNK, limit - processed))
            batch = list(Enrollment.objects.filter(pk__in=ids).select_related("sequence").order_by("next_run_at", "id"))
            for enrollment in batch:
                _run_guarded(enrollment, now, steps)
        processed += len(batch)
        if len(batch) < CHUNK:
            break
    return processed


def enrollments_claim(*, now: dt.datetime, limit: int) -> list[int]:
    """The claim query of the step sweep (benchmark 5 times it alone): ids of due active enrollments of
    running sequences, on the partial index `enrollment_due_active`, locked, skipping rows another worker
    holds; the rows are loaded afterwards, as the work. SQL compiled once."""
    return compiled_rows(("enrollment_steps", limit), lambda now: _claim_query(now=now, limit=limit), now=now)


def _claim_query(*, now: dt.datetime, limit: int) -> QuerySet[Enrollment, int]:
    return (Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE, next_run_at__lte=now,
                                      sequence__status=SequenceStatus.ACTIVE)
            .order_by("next_run_at", "id").select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit])  # fmt: skip


def _run_guarded(enrollment: Enrollment, now: dt.datetime, steps: dict[int, list[Step]]) -> None:
    if enrollment.sequence_id not in steps:
        steps[enrollment.sequence_id] = list(Step.objects.filter(sequence_id=enrollment.sequence_id))
    try:
        with transaction.atomic():
            enrollment_run(enrollment=enrollment, now=now, steps=steps[enrollment.sequence_id])
    except (DatabaseError, LookupError, ValueError, TypeError, KeyError) as error:
        logger.exception("nurture: enrollment %s failed at step %s", enrollment.pk, enrollment.current_step_id)
        Enrollment.objects.filter(pk=enrollment.pk).update(
            next_run_at=now + RETRY_AFTER_ERROR, last_error=f"{type(error).__name__}: {error}"[:2000])


def enrollment_run(*, enrollment: Enrollment, now: dt.datetime, steps: list[Step] | None = None) -> int:
    """Run the steps of one locked enrollment that are due at `now`; returns how many ran. `steps`: the
    sequence's steps when the caller already read them."""
    steps_list = steps if steps is not None else list(enrollment.sequence.steps.all())
    by_key = {step.key: step for step in steps_list}
    ordered = sorted(by_key.values(), key=lambda step: step.position)
    lead = Lead.objects.select_related("owner_sdr", "owner_sales").get(pk=enrollment.lead_id)
    reason = _exit_reason(enrollment, lead)
    if reason:
        enrollment_end(enrollment=enrollment, now=now, reason=reason)
        return 0
    ran = 0
    while enrollment.status == EnrollmentStatus.ACTIVE and enrollment.next_run_at is not None \
            and enrollment.next_run_at <= now:
        step = next((item for item in ordered if item.pk == enrollment.current_step_id), None)
        if step is None:
            enrollment_end(enrollment=enrollment, now=now)
            break
        if ran >= MAX_CHAIN:
            enrollment.last_error = f"more than {MAX_CHAIN} steps without a wait: a loop?"
            enrollment_end(enrollment=enrollment, now=now, reason=ExitReason.ERROR)
            break
        context = StepContext(enrollment=enrollment, step=step, lead=lead, due=enrollment.next_run_at, now=now)
        result = HANDLERS[step.kind](context)
        if result.defer_until is not None:
            enrollment.next_run_at = result.defer_until
            break
        _advance(context, result, by_key, ordered)
        ran += 1
    if enrollment.status == EnrollmentStatus.ACTIVE:
        enrollment.save(update_fields=["current_step", "next_run_at", "visits", "last_error", "updated_at"])
    return ran


def _advance(context: StepContext, result: StepResult, steps: dict[str, Step], ordered: list[Step]) -> None:
    enrollment, step, now = context.enrollment, context.step, context.now
    # The unique (enrollment, step, visit) row: a second execution of this visit fails here and rolls back.
    StepExecution.objects.create(enrollment=enrollment, step=step, visit=enrollment.visits, executed_at=now,
                                 branch=result.branch, outcome=result.outcome)  # fmt: skip
    enrollment.visits += 1
    enrollment.last_error = ""
    if result.exit_reason:
        enrollment_end(enrollment=enrollment, now=now, reason=result.exit_reason)
        return
    if result.goto:
        following: Step | None = steps[result.goto]
    else:
        index = ordered.index(step)
        following = ordered[index + 1] if index + 1 < len(ordered) else None
    enrollment.current_step = following
    enrollment.next_run_at = result.resume_at or context.due
    # A final wait still holds the lead until it ends (it completes then); otherwise the end is now.
    if following is None and enrollment.next_run_at <= now:
        enrollment_end(enrollment=enrollment, now=now)


def _exit_reason(enrollment: Enrollment, lead: Lead) -> str:
    """Why the lead leaves before its next step: it moved on, replied, engaged again, or is gone."""
    sequence = enrollment.sequence
    if lead.merged_into_id is not None or lead.erased_at is not None:
        return ExitReason.MANUAL_STOP
    if lead.stage in stages_past_target(sequence.target_stage):
        return ExitReason.DISQUALIFIED if lead.stage == "disqualified" else ExitReason.STAGE_ADVANCED
    since = Touchpoint.objects.filter(lead_id=lead.pk, occurred_at__gt=enrollment.started_at)
    if sequence.exit_on_reply and since.filter(kind=TouchpointKind.EMAIL_REPLY).exists():
        return ExitReason.REPLIED
    if sequence.exit_on_engagement and since.filter(kind__in=ENGAGEMENT_KINDS).exists():
        return ExitReason.ENGAGED
    return ""


def lead_matches(*, lead: Lead, rule: Any, now: dt.datetime) -> bool:
    """Whether the lead meets a segment rule tree now (one indexed query)."""
    node = segment_rule_checked(rule=rule)
    return Lead.objects.filter(pk=lead.pk).filter(segment_q(node, now=now)).exists()


# --- handlers ----------------------------------------------------------------------------------------------


def _send_email(context: StepContext) -> StepResult:
    config, lead, sequence = context.step.config, context.lead, context.enrollment.sequence
    if sequence.is_marketing and not marketing_block_reason(lead=lead):
        later = marketing_send_deferral(lead_id=lead.pk, now=context.now)
        if later is not None:
            return StepResult(defer_until=later)
    slug = config["template"]
    for rule in config.get("by_rule", []):
        if lead_matches(lead=lead, rule=rule["when"], now=context.now):
            slug = rule["template"]
            break
    template = EmailTemplate.objects.get(slug=slug)
    message = message_email_queue(lead=lead, template=template, now=context.now, enrollment=context.enrollment,
                                  step=context.step, visit=context.enrollment.visits,
                                  is_marketing=sequence.is_marketing)  # fmt: skip
    return StepResult(outcome={"message": message.pk, "template": slug, "status": message.status})


def _wait(context: StepContext) -> StepResult:
    return StepResult(resume_at=wait_until(config=context.step.config, start=context.due))


def _create_task(context: StepContext) -> StepResult:
    from nurturing.models.tasks import TaskSource
    from nurturing.services.tasks import task_create

    config, enrollment = context.step.config, context.enrollment
    task = task_create(
        lead=context.lead, kind=config.get("kind", "call"), title=config["title"],
        due_at=context.now + dt.timedelta(hours=config.get("due_hours", 4)), note=config.get("note", ""),
        source=TaskSource.STEP, source_ref=f"{enrollment.sequence.slug}:{context.step.key}",
        key=f"step:{enrollment.pk}:{context.step.pk}:{enrollment.visits}",
    )  # fmt: skip
    return StepResult(outcome={"task": task.pk})


def _notify(context: StepContext) -> StepResult:
    config = context.step.config
    channel = NotifyChannel.objects.get(slug=config["channel"]) if config.get("channel") else None
    message = message_notify_queue(lead=context.lead, text=config["text"], now=context.now,
                                   to_owner=config.get("to") == "owner", channel=channel,
                                   enrollment=context.enrollment, step=context.step,
                                   visit=context.enrollment.visits)  # fmt: skip
    return StepResult(outcome={"message": message.pk, "status": message.status})


def _branch(context: StepContext) -> StepResult:
    config = context.step.config
    matched = lead_matches(lead=context.lead, rule=branch_rule(config["condition"]), now=context.now)
    return StepResult(goto=config.get("then" if matched else "else") or None, branch="then" if matched else "else")


def _ab_split(context: StepContext) -> StepResult:
    step = context.step
    variants = step.config["variants"]
    chosen = next((variant for variant in variants if variant["key"] == step.winner), None) if step.winner else None
    if chosen is None:
        chosen = variant_pick(variants=variants, seed=f"{context.enrollment.pk}:{step.key}")
    return StepResult(goto=chosen["goto"], branch=chosen["key"], outcome={"winner": bool(step.winner)})


def _label(context: StepContext) -> str:
    return f"sequence:{context.enrollment.sequence.slug}"


def _set_field(context: StepContext) -> StepResult:
    name, value, lead = context.step.config["field"], context.step.config["value"], context.lead
    if name.startswith("bant_"):
        lead_set_bant(lead=lead, bant={name.removeprefix("bant_"): bool(value)}, actor_label=_label(context),
                      at=context.now)  # fmt: skip
    elif name.startswith("attributes."):
        lead_update(lead=lead, data={"attributes": {name.removeprefix("attributes."): value}},
                    actor_label=_label(context))  # fmt: skip
    else:
        lead_update(lead=lead, data={name: value}, actor_label=_label(context))
    return StepResult(outcome={"field": name})


def _add_tag(context: StepContext) -> StepResult:
    lead = context.lead
    names = [*lead.tags.values_list("name", flat=True), context.step.config["tag"]]
    return StepResult(outcome={"changed": lead_set_tags(lead=lead, names=names)})


def _change_temperature(context: StepContext) -> StepResult:
    changed = lead_set_temperature(lead=context.lead, temperature=context.step.config["temperature"],
                                   actor_label=_label(context), reason=context.step.name or context.step.key,
                                   at=context.now)
    return StepResult(outcome={"changed": changed})


def _goto(context: StepContext) -> StepResult:
    config = context.step.config
    limit = config.get("max_visits")
    if limit is not None:
        done = StepExecution.objects.filter(enrollment=context.enrollment, step=context.step).count()
        if done >= limit:
            return StepResult(branch="limit")  # fall through to the next step
    return StepResult(goto=config["to"])


HANDLERS: dict[str, Callable[[StepContext], StepResult]] = {
    StepKind.SEND_EMAIL: _send_email, StepKind.WAIT: _wait, StepKind.CREATE_TASK: _create_task,
    StepKind.NOTIFY: _notify, StepKind.BRANCH: _branch, StepKind.AB_SPLIT: _ab_split,
    StepKind.SET_FIELD: _set_field, StepKind.ADD_TAG: _add_tag,
    StepKind.CHANGE_TEMPERATURE: _change_temperature, StepKind.GOTO: _goto,
}  # fmt: skip

