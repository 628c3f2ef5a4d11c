"""Reads of sequences, enrollments and messages: the lead API field, timeline entries, per-step figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from leads.models import Lead, StageChange, Touchpoint
from leads.selectors import TimelineItem, leads_visible_to
from leads.stages import FUNNEL
from nurturing.models.messages import Message, MessageStatus
from nurturing.models.sequences import Enrollment, Sequence, Step, StepExecution

# Opens, clicks and replies are credited to a message when the lead's touchpoint of that kind came within
# this window after it was sent (the tracker reports touchpoints, not message ids).
RESPONSE_WINDOW = dt.timedelta(days=7)


def enrollments_for_leads(*, lead_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The `enrollments` field of each lead (spec/api.md: sequence slug, status, current_step, next_run_at;
    plus id, track, started_at, ended_at, exit_reason), newest first. One query for the page."""
    result: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = (Enrollment.objects.filter(lead_id__in=lead_ids).select_related("sequence", "current_step")
            .order_by("-started_at", "-id"))  # fmt: skip
    for row in rows:
        result[row.lead_id].append({
            "id": row.pk, "sequence": row.sequence.slug, "track": row.track, "status": row.status,
            "current_step": row.current_step.key if row.current_step else None, "next_run_at": row.next_run_at,
            "started_at": row.started_at, "ended_at": row.ended_at, "exit_reason": row.exit_reason,
        })  # fmt: skip
    return dict(result)


def message_timeline_items(*, lead: Lead, limit: int, before: dt.datetime | None) -> list[TimelineItem]:
    """Messages to or about the lead (`message_<status>`) and its sequence entries and exits."""
    messages = Message.objects.filter(lead_id=lead.pk).select_related("enrollment__sequence")
    enrollments = Enrollment.objects.filter(lead_id=lead.pk).select_related("sequence")
    if before is not None:
        messages, enrollments = messages.filter(created_at__lt=before), enrollments.filter(started_at__lt=before)
    items = [_message_item(message) for message in messages.order_by("-created_at", "-id")[:limit]]
    for enrollment in enrollments.order_by("-started_at")[:limit]:
        data = {"sequence": enrollment.sequence.slug, "name": enrollment.sequence.name}
        items.append(TimelineItem(at=enrollment.started_at, type="sequence_entered", data=data))
        if enrollment.ended_at is not None and (before is None or enrollment.ended_at < before):
            items.append(TimelineItem(at=enrollment.ended_at, type=f"sequence_{enrollment.status}",
                                      data={**data, "reason": enrollment.exit_reason}))  # fmt: skip
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


def _message_item(message: Message) -> TimelineItem:
    return TimelineItem(at=message.sent_at or message.created_at, type=f"message_{message.status}", data={
        "id": message.pk, "channel": message.channel, "subject": message.subject, "marketing": message.is_marketing,
        "sequence": message.enrollment.sequence.slug if message.enrollment else None, "error": message.error,
    })  # fmt: skip


def enrollments_visible_to(*, user: Any) -> QuerySet[Enrollment]:
    """Enrollments of the leads this user may see."""
    return Enrollment.objects.filter(lead__in=leads_visible_to(user=user)).select_related(
        "sequence", "current_step", "lead")


@dataclass(frozen=True)
class StepFigures:
    step: Step
    entered: int
    sent: int
    opened: int
    clicked: int
    replied: int
    converted: int

    def rate(self, part: int) -> float | None:
        return part / self.sent if self.sent else None


def _responded(kinds: tuple[str, ...]) -> Exists:
    return Exists(Touchpoint.objects.filter(
        lead_id=OuterRef("lead_id"), kind__in=kinds, occurred_at__gte=OuterRef("sent_at"),
        occurred_at__lt=OuterRef("sent_at") + RESPONSE_WINDOW))  # fmt: skip


def sequence_step_figures(*, sequence: Sequence) -> list[StepFigures]:
    """Per step: leads that entered it, messages sent, opened / clicked / replied within 7 days of sending,
    and entrants that reached the sequence's target stage after the step (three grouped queries)."""
    steps = list(sequence.steps.order_by("position"))
    entered = dict(StepExecution.objects.filter(step__sequence=sequence).values("step").annotate(
        n=Count("enrollment", distinct=True)).values_list("step", "n"))
    sent = Message.objects.filter(step__sequence=sequence, status=MessageStatus.SENT)
    responses = {row["step"]: row for row in sent.values("step").annotate(
        sent=Count("id"),
        opened=Count("id", filter=Q(_responded(("email_open", "email_click", "email_reply")))),
        clicked=Count("id", filter=Q(_responded(("email_click",)))),
        replied=Count("id", filter=Q(_responded(("email_reply",)))),
    )}  # fmt: skip
    converted = _converted_by_step(sequence)
    return [StepFigures(step=step, entered=entered.get(step.pk, 0), sent=responses.get(step.pk, {}).get("sent", 0),
                        opened=responses.get(step.pk, {}).get("opened", 0),
                        clicked=responses.get(step.pk, {}).get("clicked", 0),
                        replied=responses.get(step.pk, {}).get("replied", 0), converted=converted.get(step.pk, 0))
            for step in steps]  # fmt: skip


def _converted_by_step(sequence: Sequence) -> dict[int, int]:
    target = sequence.target_stage
    if target not in FUNNEL:
        return {}
    later = [stage.value for stage in FUNNEL[FUNNEL.index(target):]]
    reached = StageChange.objects.filter(lead_id=OuterRef("enrollment__lead_id"), to_stage__in=later,
                                         at__gte=OuterRef("executed_at"))  # fmt: skip
    rows = (StepExecution.objects.filter(step__sequence=sequence).filter(Exists(reached)).values("step")
            .annotate(n=Count("enrollment", distinct=True)))  # fmt: skip
    return {row["step"]: row["n"] for row in rows}


def sequences_overview() -> QuerySet[Sequence]:
    """Sequences with their active and total enrollments, for the list page."""
    return Sequence.objects.annotate(
        active_count=Count("enrollments", filter=Q(enrollments__status="active"), distinct=True),
        total_count=Count("enrollments", distinct=True),
        step_count=Count("steps", distinct=True),
    ).order_by("track", "-priority", "name")
