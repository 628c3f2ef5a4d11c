"""Work a person logs on a lead: a call with its outcome, an email sent, a meeting, a WeCom message.

An activity is a touchpoint (kind, outcome and note in its properties, the person in `properties.by`), so it
counts in engagement scores, segments ("a call with outcome meeting booked in the last 7 days"), attribution
and the timeline like any other touch. After commit, `lead_activity_logged` tells nurturing (SLA first-touch
and follow-up clocks are met by it), and qualification rules look at the lead again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.choices import ACTIVITY_KINDS, CallOutcome, TouchpointKind
from leads.models import Lead, Touchpoint
from leads.scoring.services import leads_scores_refresh
from leads.services.touchpoints import leads_touch
from leads.signals import lead_activity_logged

NOTE_MAX = 2000
OUTCOME_KINDS = (TouchpointKind.CALL, TouchpointKind.MEETING)


def _checked(kind: str, outcome: str, note: str, at: dt.datetime, now: dt.datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind not in ACTIVITY_KINDS:
        errors["kind"] = [_("Choose a call, an email, a meeting or a WeCom message.")]
    if outcome and outcome not in CallOutcome.values:
        errors["outcome"] = [_("Unknown outcome “%(outcome)s”.") % {"outcome": outcome[:50]}]
    elif kind == TouchpointKind.CALL and not outcome:
        errors["outcome"] = [_("Say how the call went.")]
    elif outcome and kind not in OUTCOME_KINDS:
        errors["outcome"] = [_("Only calls and meetings have an outcome.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Keep the note under %(max)d characters.") % {"max": NOTE_MAX}]
    if "\x00" in note:
        errors["note"] = [_("The text contains a NUL character.")]
    if at > now + dt.timedelta(minutes=5):
        errors["at"] = [_("An activity cannot be logged in the future.")]
    return errors


@transaction.atomic
def lead_activity_log(
    *, lead: Lead, actor: Any, kind: str, outcome: str = "", note: str = "", at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Touchpoint:  # fmt: skip
    """Record one activity on `lead` (at `at`, default now) and refresh its scores. Not idempotent: two calls
    are two activities."""
    now = now or timezone.now()
    at = at or now
    note = note.strip()
    errors = _checked(kind, outcome, note, at, now)
    if errors:
        raise ValidationFailed(_("The activity was not logged."), errors=errors)
    properties: dict[str, Any] = {"by": getattr(actor, "pk", None), "logged": True}
    if outcome:
        properties["outcome"] = outcome
    if note:
        properties["note"] = note
    touchpoint = Touchpoint.objects.create(lead=lead, kind=kind, occurred_at=at, properties=properties,
                                           channel=None, created_at=now)  # fmt: skip
    leads_touch({lead.pk: at})
    leads_scores_refresh(lead_ids=[lead.pk], now=now)  # and queues qualification: "meeting booked" is a rule
    lead_id, actor_id = lead.pk, getattr(actor, "pk", None)
    transaction.on_commit(lambda: lead_activity_logged.send(
        sender=Lead, lead_id=lead_id, actor_id=actor_id, kind=kind, outcome=outcome, at=at))
    return touchpoint
