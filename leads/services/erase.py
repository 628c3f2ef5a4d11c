"""Erasure on request (PIPL / GDPR): a lead's personal data goes, its history and aggregates stay."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leadflow.errors import Conflict
from leads.choices import LeadEventKind
from leads.models import ChangeKind, Identity, Lead, Touchpoint
from leads.services.changes import lead_change_record
from leads.services.leads import lead_event_record

# Fields that identify or describe the person; company facts (company, domain, industry, size, region) and
# the stage, scores, owners and channel stay, so funnel, attribution and account numbers do not change.
PERSONAL_FIELDS: dict[str, Any] = {
    "email": "", "phone": "", "first_name": "", "last_name": "", "title": "", "external_id": "",
    "bant_notes": "", "attributes": {}, "consent_email": False,
}  # fmt: skip


@transaction.atomic
def lead_erase(*, lead: Lead, actor: Any = None, actor_label: str = "", now: dt.datetime | None = None) -> Lead:
    """Delete the lead's identities, wipe its personal fields and the visitor ids and free-form properties of
    its touchpoints, and mark it erased. Stage changes, events, touchpoints (kind, time, channel, UTM) and
    opportunities stay. No identity resolves to it afterwards, so new data about the person makes a new lead.

    Not idempotent by design: erasing an erased (or merged-away) lead is a Conflict.
    """
    now = now or timezone.now()
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.erased_at is not None or locked.merged_into_id is not None:
        raise Conflict(_("This lead was already erased or merged."))
    erased_identities = Identity.objects.filter(lead=locked).delete()[0]
    Touchpoint.objects.filter(lead=locked).update(anonymous_id="", properties={})
    for field, blank in PERSONAL_FIELDS.items():
        setattr(locked, field, blank)
    locked.consent_changed_at = now
    locked.erased_at = now
    locked.save(update_fields=[*PERSONAL_FIELDS, "consent_changed_at", "erased_at", "updated_at"])
    lead_change_record(lead=locked, kind=ChangeKind.ERASED, data={"identities": erased_identities}, now=now)
    lead_event_record(lead=locked, kind=LeadEventKind.ERASED, data={"identities": erased_identities},
                      actor=actor, actor_label=actor_label, at=now)  # fmt: skip
    return locked
