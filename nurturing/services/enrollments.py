"""Putting leads into sequences and taking them out.

Invariants:
* A lead has at most one active enrollment per track: a database constraint, so two workers (or a
  trigger and a person) racing to enrol the same lead produce one enrollment, never two.
* Entering a sequence of higher priority on a track exits the lead's lower one (`superseded`); a lower or
  equal one does not enter.
* A lead whose stage already reached the sequence's target, or that is disqualified, erased or merged,
  does not enter.
Set-based: one lead or a whole segment costs the same handful of queries per 2,000 leads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from leadflow.errors import Conflict
from leads.choices import Stage
from leads.models import Lead
from leads.services.bulk.sql import copies_insert
from leads.stages import FUNNEL
from nurturing.models.sequences import (
    Enrollment,
    EnrollmentStatus,
    ExitReason,
    Sequence,
    SequenceStatus,
    Step,
    TriggerKind,
)

CHUNK = 2000


def stages_past_target(target: str) -> list[str]:
    """The stages at which a sequence with this target stage lets its leads go (disqualified: always)."""
    stages = [Stage.DISQUALIFIED.value]
    if target in FUNNEL:
        stages += [stage.value for stage in FUNNEL[FUNNEL.index(Stage(target)):]]
    return stages


def sequence_first_step(sequence: Sequence) -> Step | None:
    return sequence.steps.order_by("position").first()


def enrollments_start(
    *, sequence: Sequence, leads: QuerySet[Lead] | Iterable[int], now: dt.datetime, trigger: str,
    actor: Any = None,
) -> list[int]:  # fmt: skip
    """Enrol these leads (a queryset or ids) that may enter; returns the ids of the leads enrolled.

    Leads already in this sequence, in an equal or higher-priority sequence of the track, past the target
    stage, or not live are left out (no error: a trigger firing twice enrols once).
    """
    first = sequence_first_step(sequence)
    if first is None or sequence.status == SequenceStatus.ARCHIVED:
        return []
    query = leads if isinstance(leads, QuerySet) else Lead.objects.filter(pk__in=list(leads))
    eligible = (query.filter(merged_into__isnull=True, erased_at__isnull=True)
                .exclude(stage__in=stages_past_target(sequence.target_stage))
                .exclude(Exists(active_in_track(sequence).filter(sequence__priority__gte=sequence.priority))))
    ids = list(eligible.order_by("pk").values_list("pk", flat=True))
    enrolled: list[int] = []
    for start in range(0, len(ids), CHUNK):
        enrolled += _start_chunk(sequence, first, ids[start:start + CHUNK], now=now, trigger=trigger, actor=actor)
    return enrolled


def active_in_track(sequence: Sequence) -> QuerySet[Enrollment]:
    """The lead's (OuterRef "pk") active enrollment on the sequence's track."""
    return Enrollment.objects.filter(lead_id=OuterRef("pk"), track=sequence.track, status=EnrollmentStatus.ACTIVE)


@transaction.atomic
def _start_chunk(sequence: Sequence, first: Step, ids: list[int], *, now: dt.datetime, trigger: str,
                 actor: Any) -> list[int]:  # fmt: skip
    # Lower-priority sequences on the track give way first, so the insert below meets no active row.
    Enrollment.objects.filter(lead_id__in=ids, track=sequence.track, status=EnrollmentStatus.ACTIVE,
                              sequence__priority__lt=sequence.priority).update(
        status=EnrollmentStatus.EXITED, exit_reason=ExitReason.SUPERSEDED, ended_at=now, next_run_at=None,
        updated_at=now)  # fmt: skip
    user = actor if getattr(actor, "is_authenticated", False) else None
    template = Enrollment(sequence=sequence, track=sequence.track, current_step=first, next_run_at=now,
                          started_at=now, trigger=trigger, enrolled_by=user, created_at=now, updated_at=now)
    # One statement, no instance per lead. A concurrent enrolment of the same lead on the track wins the
    # partial unique index; ours is dropped.
    copies_insert(template=template, field="lead", values=ids)
    return list(Enrollment.objects.filter(sequence=sequence, lead_id__in=ids, status=EnrollmentStatus.ACTIVE,
                                          started_at=now).values_list("lead_id", flat=True))  # fmt: skip


def enrollment_start_one(*, sequence: Sequence, lead: Lead, now: dt.datetime, actor: Any = None,
                         trigger: str = TriggerKind.MANUAL) -> Enrollment:  # fmt: skip
    """Enrol one lead by hand; Conflict saying why when it may not enter."""
    if sequence.status == SequenceStatus.ARCHIVED or sequence_first_step(sequence) is None:
        raise Conflict(_("This sequence is archived or has no steps."))
    if lead.stage in stages_past_target(sequence.target_stage):
        raise Conflict(_("This lead's stage is already past the sequence's target."))
    busy = Enrollment.objects.filter(lead=lead, track=sequence.track, status=EnrollmentStatus.ACTIVE).select_related(
        "sequence").first()
    if busy is not None and (busy.sequence_id == sequence.pk or busy.sequence.priority >= sequence.priority):
        raise Conflict(_("The lead is already in “%(name)s” on this track.") % {"name": busy.sequence.name})
    if not enrollments_start(sequence=sequence, leads=[lead.pk], now=now, trigger=trigger, actor=actor):
        raise Conflict(_("The lead could not be enrolled (erased, merged, or enrolled at the same moment)."))
    return Enrollment.objects.get(sequence=sequence, lead=lead, status=EnrollmentStatus.ACTIVE)


@transaction.atomic
def enrollment_stop(*, enrollment: Enrollment, now: dt.datetime, reason: str = ExitReason.MANUAL_STOP) -> bool:
    """End an active enrollment. Stopping an ended one is a no-op (False)."""
    return bool(Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.EXITED, exit_reason=reason, ended_at=now, next_run_at=None, updated_at=now))


def enrollments_exit_for_lead(*, lead_id: int, reason: str, now: dt.datetime, marketing_only: bool = False) -> int:
    """Exit the lead's active enrollments (only marketing sequences if asked). Idempotent."""
    active = Enrollment.objects.filter(lead_id=lead_id, status=EnrollmentStatus.ACTIVE)
    if marketing_only:
        active = active.filter(sequence__is_marketing=True)
    return active.update(status=EnrollmentStatus.EXITED, exit_reason=reason, ended_at=now, next_run_at=None,
                         updated_at=now)  # fmt: skip


def enrollments_exit_for_stage(*, lead_id: int, stage: str, now: dt.datetime) -> int:
    """Exit the lead's enrollments whose target this stage reached (or any, when disqualified)."""
    reason = ExitReason.DISQUALIFIED if stage == Stage.DISQUALIFIED else ExitReason.STAGE_ADVANCED
    targets = [target for target in [*FUNNEL, ""] if stage in stages_past_target(str(target))]
    condition = Q(sequence__target_stage__in=targets) if stage != Stage.DISQUALIFIED else Q()
    return Enrollment.objects.filter(condition, lead_id=lead_id, status=EnrollmentStatus.ACTIVE).update(
        status=EnrollmentStatus.EXITED, exit_reason=reason, ended_at=now, next_run_at=None, updated_at=now)


def enrollment_end(*, enrollment: Enrollment, now: dt.datetime, reason: str = "") -> None:
    """Finish the enrollment the engine holds locked: completed (no more steps) or exited with a reason."""
    enrollment.status = EnrollmentStatus.EXITED if reason else EnrollmentStatus.COMPLETED
    enrollment.exit_reason, enrollment.ended_at, enrollment.next_run_at = reason, now, None
    enrollment.save(update_fields=["status", "exit_reason", "ended_at", "next_run_at", "current_step",
                                   "visits", "last_error", "updated_at"])  # fmt: skip
