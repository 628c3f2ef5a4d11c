"""Who a trigger selects, and who may enter a sequence: the query parts the triggers, their tick scans and
the dry run share (no query runs here, except loading a segment a trigger names)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from leads.models import Lead
from leads.segments.compiler import segment_q
from leads.segments.models import Segment
from leads.segments.selectors import segment_rule_checked
from nurturing.models.sequences import Enrollment, Sequence, TriggerKind
from nurturing.services.enrollments import active_in_track, stages_past_target


def trigger_audience(*, sequence: Sequence, now: dt.datetime, leads: QuerySet[Lead] | None = None) -> QuerySet[Lead]:
    """The leads the trigger's conditions select (without the event itself: who was just created or moved)."""
    config = sequence.trigger_config or {}
    query = leads if leads is not None else Lead.objects.all()
    if config.get("rule"):
        query = query.filter(segment_q(segment_rule_checked(rule=config["rule"]), now=now))
    if config.get("channel_routes"):
        query = query.filter(source_channel__route__in=config["channel_routes"])
    if config.get("channel_categories"):
        query = query.filter(source_channel__category__in=config["channel_categories"])
    if sequence.trigger_kind == TriggerKind.SEGMENT_ENTRY and config.get("segment"):
        segment = Segment.objects.filter(pk=config["segment"]).first()
        query = query.filter(segment_q(segment_rule_checked(rule=segment.rule), now=now)) if segment else query.none()
    if sequence.trigger_kind == TriggerKind.INACTIVITY:
        query = query.annotate(_last=Coalesce("last_touch_at", "created_at")).filter(
            _last__lte=now - inactivity_days(sequence)
        )
    return query


def inactivity_days(sequence: Sequence) -> dt.timedelta:
    """How long a lead must be silent (no touchpoint; since creation if none) for an inactivity trigger."""
    return dt.timedelta(days=int((sequence.trigger_config or {}).get("days", 30)))


def not_enrolled_since(sequence: Sequence, *, since_touch: bool) -> Q:
    """Never enrolled in this sequence; with `since_touch`, not since the lead's last touch (silent again
    after engaging enters again)."""
    earlier = Enrollment.objects.filter(lead_id=OuterRef("pk"), sequence=sequence)
    if since_touch:
        # Enrolled after the last touch: this silence was already handled (the lead is still silent).
        earlier = earlier.filter(started_at__gte=Coalesce(OuterRef("last_touch_at"), OuterRef("created_at")))
    return ~Q(Exists(earlier))


def free_to_enter(leads: QuerySet[Lead], *, sequence: Sequence) -> QuerySet[Lead]:
    """The leads `enrollments_start` would let in: live, not past the target stage, and not held by an equal
    or higher-priority sequence on the track."""
    held = active_in_track(sequence).filter(sequence__priority__gte=sequence.priority)
    return (
        leads.filter(merged_into__isnull=True, erased_at__isnull=True)
        .exclude(stage__in=stages_past_target(sequence.target_stage))
        .exclude(Exists(held))
    )
