"""Create-or-update by identity: the entry point of forms, imports and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.services import account_match
from leads.models import ChangeKind, Lead
from leads.scoring.services import leads_scores_refresh
from leads.services.changes import fields_changed, lead_change_record
from leads.services.identity import (
    email_normalise,
    identities_from_payload,
    identities_lock,
    lead_identities_attach,
    leads_resolve,
)
from leads.services.leads import PROFILE_FIELDS, lead_create, lead_customer_check, lead_set_bant, lead_set_consent
from leads.services.merge import leads_merge_matches


@dataclass(frozen=True)
class UpsertResult:
    lead: Lead
    created: bool


@transaction.atomic
def lead_upsert(
    *, data: Mapping[str, Any], actor: Any = None, actor_label: str = "", now: dt.datetime | None = None
) -> UpsertResult:
    """Resolve the payload by external id, email, then phone; create, update, or merge the matches first.

    Idempotent: the same payload twice creates one lead and changes nothing the second time.
    """
    now = now or timezone.now()
    identities = identities_from_payload(data)
    identities_lock(pairs=identities)  # a concurrent upsert or bulk batch with a shared identity waits here
    matches = leads_resolve(identities=identities)
    if not matches:
        lead = lead_create(data=data, actor=actor, actor_label=actor_label, now=now)
        _scores_refresh(lead, now=now)
        return UpsertResult(lead=lead, created=True)
    lead = matches[0] if len(matches) == 1 else leads_merge_matches(leads=matches, actor=actor, actor_label=actor_label)
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    lead_update(lead=lead, data=data, actor=actor, actor_label=actor_label)
    lead_identities_attach(lead=lead, identities=identities)
    _scores_refresh(lead, now=now)
    return UpsertResult(lead=lead, created=False)


def _scores_refresh(lead: Lead, *, now: dt.datetime) -> None:
    """Fit and source follow the profile just written; the instance gets the stored scores back."""
    leads_scores_refresh(lead_ids=[lead.pk], now=now)
    lead.refresh_from_db(fields=["fit_score", "engagement_score", "source_score", "grade", "scored_at"])


def lead_update(*, lead: Lead, data: Mapping[str, Any], actor: Any = None, actor_label: str = "") -> Lead:
    """Apply the given profile fields (a missing or empty field keeps the stored value)."""
    changed = []
    if data.get("email") and not lead.email:
        lead.email = email_normalise(data["email"])
        changed.append("email")
    for field in PROFILE_FIELDS:
        value: Any = data.get(field)
        if value in (None, ""):
            continue
        if field == "attributes":
            value = {**lead.attributes, **dict(value)}
        if getattr(lead, field) != value:
            setattr(lead, field, value)
            changed.append(field)
    for field in ("source_channel", "campaign"):
        if data.get(field) is not None and getattr(lead, f"{field}_id") is None:
            setattr(lead, field, data[field])
            changed.append(field)
    if lead.account_id is None:
        lead.account = account_match(email=lead.email, company_domain=lead.company_domain, company=lead.company)
        if lead.account is not None:
            changed.append("account")
    if changed:
        lead.save(update_fields=[*changed, "updated_at"])
        lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data=fields_changed(changed))
    if data.get("bant"):
        lead_set_bant(lead=lead, bant=data["bant"], actor=actor, actor_label=actor_label)
    if data.get("consent_email") is not None:
        lead_set_consent(lead=lead, consent_email=bool(data["consent_email"]), actor=actor, actor_label=actor_label)
    if "account" in changed and lead.account is not None:
        lead_customer_check(lead=lead, account=lead.account)
    return lead
