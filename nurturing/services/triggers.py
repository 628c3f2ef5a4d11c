"""Enrollment triggers and exits: what the lead signals start or stop, and the tick's scans.

Trigger settings by kind (`Sequence.trigger_config`, JSON):
  lead_created         {"channel_routes": [...], "channel_categories": [...], "rule": segment rule tree}
  stage_changed        {"from": [stages], "to": [stages], "temperature_to": [temperatures] (also enrol on
                       a temperature change to one of these)}
  temperature_changed  {"to": [temperatures]}
  segment_entry        {"segment": id} or {"rule": tree}
  inactivity           {"days": n, "rule": tree}    no touchpoint for n days (since creation if none)
Every kind also takes an optional "rule" that the lead must meet.

Re-entry: a segment entry enrols a lead once per sequence; an inactivity trigger enrols a lead again only
after it touched us since its last enrollment in that sequence (silent again after engaging).

The tick's segment-entry, inactivity and exit sweeps ask their question of the leads that may have changed
their answer since their last scan (`nurturing.services.trigger_scans`), not of every lead each minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from leads.models import Lead
from nurturing.models.sequences import (
    Enrollment,
    EnrollmentStatus,
    ExitReason,
    Handoff,
    Sequence,
    SequenceStatus,
    TriggerKind,
)
from nurturing.services.audience import trigger_audience
from nurturing.services.enrollments import enrollments_exit_for_stage, enrollments_start
from nurturing.services.trigger_scans import (
    EXITS,
    EXITS_FINGERPRINT,
    exit_candidates,
    exits_marks,
    scan_cursor_advance,
    trigger_candidates,
    trigger_scans_load,
)

logger = logging.getLogger(__name__)


def _active(kind: str) -> QuerySet[Sequence]:
    return Sequence.objects.filter(status=SequenceStatus.ACTIVE, trigger_kind=kind).order_by("-priority", "pk")


def sequences_on_leads_created(*, lead_ids: list[int], at: dt.datetime) -> int:
    enrolled = 0
    for sequence in _active(TriggerKind.LEAD_CREATED):
        audience = trigger_audience(sequence=sequence, now=at, leads=Lead.objects.filter(pk__in=lead_ids))
        enrolled += len(enrollments_start(sequence=sequence, leads=audience, now=at, trigger=TriggerKind.LEAD_CREATED))
    return enrolled


def sequences_on_stage_changed(*, lead_id: int, from_stage: str, to_stage: str, at: dt.datetime) -> int:
    """Exit the sequences whose target the lead reached, then enrol it where the move is a trigger."""
    enrollments_exit_for_stage(lead_id=lead_id, stage=to_stage, now=at)
    enrolled = 0
    for sequence in _active(TriggerKind.STAGE_CHANGED):
        config = sequence.trigger_config or {}
        if config.get("to") and to_stage not in config["to"]:
            continue
        if config.get("from") and from_stage not in config["from"]:
            continue
        audience = trigger_audience(sequence=sequence, now=at, leads=Lead.objects.filter(pk=lead_id))
        enrolled += len(enrollments_start(sequence=sequence, leads=audience, now=at, trigger=TriggerKind.STAGE_CHANGED))
    return enrolled


def sequences_on_temperature_changed(*, lead_id: int, to_temperature: str, at: dt.datetime) -> int:
    """Enrol on temperature-change triggers, and on stage-change triggers that also list the temperature
    (`temperature_to`: e.g. long-term nurture takes returned, lost and high-value leads)."""
    enrolled = 0
    candidates = Sequence.objects.filter(
        Q(trigger_kind=TriggerKind.TEMPERATURE_CHANGED) | Q(trigger_kind=TriggerKind.STAGE_CHANGED,
                                                           trigger_config__has_key="temperature_to"),
        status=SequenceStatus.ACTIVE).order_by("-priority", "pk")  # fmt: skip
    for sequence in candidates:
        config = sequence.trigger_config or {}
        wanted = config.get("to") if sequence.trigger_kind == TriggerKind.TEMPERATURE_CHANGED else \
            config.get("temperature_to")
        if wanted and to_temperature not in wanted:
            continue
        audience = trigger_audience(sequence=sequence, now=at, leads=Lead.objects.filter(pk=lead_id))
        enrolled += len(enrollments_start(sequence=sequence, leads=audience, now=at,
                                          trigger=TriggerKind.TEMPERATURE_CHANGED))  # fmt: skip
    return enrolled


def sequences_enroll_inactive(*, now: dt.datetime, limit: int = 500) -> int:
    """Tick sweep: enrol silent leads into inactivity-triggered sequences (at most `limit` per call)."""
    return _enroll_due(TriggerKind.INACTIVITY, now=now, limit=limit)


def sequences_enroll_segment_entries(*, now: dt.datetime, limit: int = 500) -> int:
    """Tick sweep: enrol leads that are in a segment-triggered sequence's segment and never were in it."""
    return _enroll_due(TriggerKind.SEGMENT_ENTRY, now=now, limit=limit)


def _enroll_due(kind: str, *, now: dt.datetime, limit: int) -> int:
    """Enrol what each sequence's scan finds; a scan that came back short moves its marks. Idempotent: the
    scans leave enrolled leads out, and an enrollment is unique per lead and track."""
    wall, enrolled = timezone.now(), 0
    for scan in trigger_scans_load(kind=kind):
        room = limit - enrolled
        if room <= 0:
            break
        found = trigger_candidates(scan, now=now, limit=limit)  # one compiled query per sequence and batch size
        ids = found[:room]
        if ids:
            sequence = Sequence.objects.get(pk=scan.sequence.pk)
            enrolled += len(enrollments_start(sequence=sequence, leads=ids, now=now, trigger=kind))
        if len(found) < room:
            scan_cursor_advance(name=scan.cursor_name, fingerprint=scan.fingerprint, marks=scan.marks, now=now,
                                wall=wall, sequence_id=scan.sequence.pk)  # fmt: skip
    return enrolled


def enrollments_exit_engaged(*, now: dt.datetime, limit: int = 500) -> int:
    """Tick sweep: end enrollments whose lead replied (exit_on_reply) or engaged (exit_on_engagement) since
    it entered, and hand engaged leads back to an SDR as the sequence says. Idempotent: ended rows are not
    active any more, and a hand-off task has a key per enrollment."""
    from leads.models import Touchpoint

    wall, marks = timezone.now(), exits_marks()
    ids = exit_candidates(marks=marks, limit=limit)
    replied = Touchpoint.objects.filter(lead_id=OuterRef("lead_id"), occurred_at__gt=OuterRef("started_at"),
                                        kind="email_reply")  # fmt: skip
    rows = list(Enrollment.objects.filter(pk__in=ids).select_related("sequence", "lead")
                .annotate(_replied=Exists(replied)).order_by("pk"))  # fmt: skip
    for enrollment in rows:
        reason = ExitReason.REPLIED if enrollment._replied and enrollment.sequence.exit_on_reply else \
            ExitReason.ENGAGED
        ended = Enrollment.objects.filter(pk=enrollment.pk, status=EnrollmentStatus.ACTIVE).update(
            status=EnrollmentStatus.EXITED, exit_reason=reason, ended_at=now, next_run_at=None, updated_at=now)
        if ended:
            _handoff(enrollment, now=now)
    if len(ids) < limit:
        scan_cursor_advance(name=EXITS, fingerprint=EXITS_FINGERPRINT, marks=marks, now=now, wall=wall)
    return len(rows)


def _handoff(enrollment: Any, *, now: dt.datetime) -> None:
    from nurturing.models.tasks import TaskKind, TaskSource
    from nurturing.services.tasks import task_create

    rule, lead = enrollment.sequence.engagement_handoff, enrollment.lead
    if rule == Handoff.NEVER or (rule == Handoff.HOT and lead.temperature != "hot"):
        return
    title = gettext("%(name)s: the lead engaged again") % {"name": enrollment.sequence.name}
    task_create(lead=lead, kind=TaskKind.CALL, due_at=now + dt.timedelta(hours=4), title=title,
                source=TaskSource.STEP, source_ref=f"{enrollment.sequence.slug}:handoff",
                key=f"handoff:{enrollment.pk}")

