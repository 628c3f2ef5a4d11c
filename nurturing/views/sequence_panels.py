"""The lead page's card for sequences (through `leads.hooks.lead_panel_register`, read-only): the sequences
the lead is or was in, and its latest messages with their status."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string

from leadflow.roles import Action, user_can
from leads.models import Lead
from nurturing.models.messages import Message
from nurturing.models.sequences import Enrollment, Sequence, SequenceStatus

SHOWN = 8


def lead_sequences_panel(*, request: HttpRequest, lead: Lead) -> str:
    """The card, with enrol and stop buttons for people who may edit leads; nothing for anyone else when the
    lead never was in a sequence nor got a message."""
    enrollments = list(Enrollment.objects.filter(lead_id=lead.pk).select_related("sequence", "current_step")
                       .order_by("-started_at", "-id")[:SHOWN])  # fmt: skip
    messages = list(Message.objects.filter(lead_id=lead.pk).select_related("enrollment__sequence")
                    .order_by("-created_at", "-id")[:SHOWN])  # fmt: skip
    can_edit = user_can(request.user, Action.EDIT_LEADS)
    if not enrollments and not messages and not can_edit:
        return ""
    sequences = Sequence.objects.exclude(status=SequenceStatus.ARCHIVED).order_by("track", "-priority", "name")
    return render_to_string("nurturing/_lead_sequences_panel.html", {
        "lead": lead, "enrollments": enrollments, "messages": messages, "can_edit": can_edit,
        "sequences": sequences if can_edit else []}, request=request)  # fmt: skip
