"""The suppression list: unsubscribes and hard bounces. Once suppressed, an address gets no marketing
message again, and the lead leaves its marketing sequences."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from leads.models import Lead
from leads.services.leads import lead_set_consent
from nurturing.models.messages import Suppression, SuppressionReason
from nurturing.models.sequences import ExitReason
from nurturing.services.enrollments import enrollments_exit_for_lead


@transaction.atomic
def suppression_add(*, email: str, reason: str, now: dt.datetime, lead: Lead | None = None, note: str = "") -> bool:
    """Suppress an address. Idempotent: an address already suppressed keeps its first reason; returns
    whether a row was added."""
    if not email:
        return False
    _row, created = Suppression.objects.get_or_create(
        email=email.lower(), defaults={"reason": reason, "lead": lead, "note": note, "created_at": now})
    return created


@transaction.atomic
def lead_unsubscribe(*, lead: Lead, email: str, now: dt.datetime, source: str = "link") -> bool:
    """Unsubscribe the person behind an unsubscribe link: suppress the address, withdraw email consent (with
    history), and exit every marketing sequence. Idempotent; returns whether anything changed."""
    added = suppression_add(email=email, reason=SuppressionReason.UNSUBSCRIBED, now=now, lead=lead, note=source)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    withdrawn = lead_set_consent(lead=locked, consent_email=False, actor_label=f"unsubscribe:{source}")
    exited = enrollments_exit_for_lead(lead_id=lead.pk, reason=ExitReason.UNSUBSCRIBED, now=now, marketing_only=True)
    return bool(added or withdrawn or exited)


@transaction.atomic
def lead_hard_bounce(*, lead: Lead, now: dt.datetime, note: str = "") -> bool:
    """An address the receiving server refused permanently: suppress it and exit marketing sequences."""
    added = suppression_add(email=lead.email, reason=SuppressionReason.HARD_BOUNCE, now=now, lead=lead, note=note)
    exited = enrollments_exit_for_lead(lead_id=lead.pk, reason=ExitReason.HARD_BOUNCE, now=now, marketing_only=True)
    return bool(added or exited)
