"""What the SDR queue (in `leads`) needs from nurturing, given through leads.hooks: the lead's SLA due time
for sorting, and the nurture tracks an SDR can send a lead to."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.hooks import lead_annotation_register, nurture_tracks_register
from leads.models import Lead
from nurturing.models import SlaClock
from nurturing.models.sequences import Sequence, SequenceStatus, Track
from nurturing.services.enrollments import enrollment_start_one


def sla_due_at() -> Subquery:
    """The earliest due time of the lead's open clocks (breached ones included: they sort first)."""
    clocks = SlaClock.objects.filter(lead=OuterRef("pk"), closed_at__isnull=True).order_by("due_at")
    return Subquery(clocks.values("due_at")[:1])


def nurture_tracks() -> list[tuple[str, str]]:
    live = Sequence.objects.filter(status=SequenceStatus.ACTIVE, track=Track.NURTURE).order_by("-priority", "name")
    return [(sequence.slug, sequence.name) for sequence in live]


def nurture_enrol(*, lead: Lead, slug: str, actor: Any, now: dt.datetime) -> None:
    sequence = Sequence.objects.filter(slug=slug, status=SequenceStatus.ACTIVE, track=Track.NURTURE).first()
    if sequence is None:
        message = _("Choose an active nurture sequence.")
        raise ValidationFailed(message, errors={"track": [message]})
    enrollment_start_one(sequence=sequence, lead=lead, now=now, actor=actor)


def register() -> None:
    lead_annotation_register("sla_due_at", sla_due_at)
    nurture_tracks_register(choices=nurture_tracks, enrol=nurture_enrol)
