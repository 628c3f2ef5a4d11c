"""Creating and updating leads: identities, account matching, the customer check, owners, temperature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import account_match
from leads.choices import BANT_POINTS, LeadEventKind, OpportunityStatus, OwnerSide, Stage, Temperature
from leads.models import ChangeKind, Lead, LeadEvent, Opportunity, StageChange
from leads.services.changes import fields_changed, lead_change_record
from leads.services.identity import (
    email_normalise,
    identities_from_payload,
    lead_identities_attach,
    phone_normalise,
)
from leads.signals import lead_owner_changed, lead_temperature_changed, leads_created

PROFILE_FIELDS = (
    "first_name", "last_name", "title", "company", "company_domain", "industry", "employee_count", "region",
    "external_id", "source_system", "attributes",
)  # fmt: skip


def lead_event_record(
    *, lead: Lead, kind: str, data: dict[str, Any], actor: Any = None, actor_label: str = "",
    at: dt.datetime | None = None,
) -> LeadEvent:  # fmt: skip
    return LeadEvent.objects.create(
        lead=lead, kind=kind, data=data, actor=_user_or_none(actor), actor_label=actor_label, at=at or timezone.now()
    )


def _user_or_none(actor: Any) -> User | None:
    """A user actor, or None for the system (imports, rules, timers)."""
    return actor if isinstance(actor, User) else None


@transaction.atomic
def lead_create(
    *, data: Mapping[str, Any], actor: Any = None, actor_label: str = "", now: dt.datetime | None = None
) -> Lead:
    """Create a lead with its identities, account and creation history.

    The caller has made sure no existing lead carries these identities (see `lead_upsert`).
    """
    now = now or timezone.now()
    identities = identities_from_payload(data)
    created_at = data.get("created_at") or now
    lead = Lead(
        email=email_normalise(data.get("email", "")),
        phone=phone_normalise(data.get("phone", "")),
        source_channel=data.get("source_channel"),
        campaign=data.get("campaign"),
        consent_email=bool(data.get("consent_email", False)),
        consent_changed_at=created_at if data.get("consent_email") else None,
        created_at=created_at,
        stage_changed_at=created_at,
        temperature=data.get("temperature") or Temperature.WARM,
        owner_sdr=data.get("owner_sdr"),
        owner_sales=data.get("owner_sales"),
        **{field: data[field] for field in PROFILE_FIELDS if data.get(field) not in (None, "")},
    )
    _apply_bant(lead, data.get("bant"))
    lead.account = account_match(email=lead.email, company_domain=lead.company_domain, company=lead.company)
    lead.save()
    lead_identities_attach(lead=lead, identities=identities)
    lead_change_record(lead=lead, kind=ChangeKind.CREATED, at=created_at, now=now,
                       data={"stage": lead.stage, "owner_sdr": lead.owner_sdr_id, "owner_sales": lead.owner_sales_id})
    StageChange.objects.create(
        lead=lead, from_stage="", to_stage=Stage.LEAD, at=created_at, actor=_user_or_none(actor),
        actor_label=actor_label, recorded_at=now,
    )  # fmt: skip
    for side, owner in ((OwnerSide.SDR, lead.owner_sdr), (OwnerSide.SALES, lead.owner_sales)):
        if owner is not None:
            lead_event_record(
                lead=lead, kind=LeadEventKind.OWNER_CHANGED, data={"side": str(side), "from": None, "to": owner.pk},
                actor=actor, actor_label=actor_label, at=created_at,
            )  # fmt: skip
    if lead.account is not None:
        lead_customer_check(lead=lead, account=lead.account, now=now)
    lead_ids = [lead.pk]
    transaction.on_commit(lambda: leads_created.send(sender=Lead, lead_ids=lead_ids, at=now))
    return lead


def _apply_bant(lead: Lead, bant: Mapping[str, Any] | None) -> list[str]:
    """Set the BANT points given; returns the names of the points that changed."""
    if not bant:
        return []
    changed = []
    for point in BANT_POINTS:
        if point in bant and bant[point] is not None and bool(bant[point]) != getattr(lead, f"bant_{point}"):
            setattr(lead, f"bant_{point}", bool(bant[point]))
            changed.append(point)
    if bant.get("notes") is not None and bant["notes"] != lead.bant_notes:
        lead.bant_notes = str(bant["notes"])
        changed.append("notes")
    return changed


def lead_set_bant(
    *, lead: Lead, bant: Mapping[str, Any], actor: Any = None, actor_label: str = "", at: dt.datetime | None = None
) -> list[str]:
    """Set BANT points on a lead and record what changed (at `at`, default now). Same values: no-op."""
    changed = _apply_bant(lead, bant)
    if changed:
        lead.save(update_fields=[*(f"bant_{p}" for p in BANT_POINTS), "bant_notes", "updated_at"])
        lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data=fields_changed(["bant"]), at=at)
        lead_event_record(
            lead=lead, kind=LeadEventKind.BANT_CHANGED, data={"changed": changed, "bant": lead.bant},
            actor=actor, actor_label=actor_label, at=at,
        )  # fmt: skip
        from leads.qualification.services import leads_qualify_later  # it imports this module

        leads_qualify_later(lead_ids=[lead.pk])  # "grade A1 and BANT >= 2" may hold now
    return changed


def lead_customer_check(*, lead: Lead, account: Account, now: dt.datetime | None = None) -> bool:
    """客户查重: flag a lead whose account is a customer or has an open opportunity, and give it that
    account's sales owner when it has none. Idempotent."""
    open_opportunity = (
        Opportunity.objects.filter(account=account, status=OpportunityStatus.OPEN)
        .exclude(lead=lead)
        .select_related("owner")
        .first()
    )
    if not (account.is_customer or open_opportunity is not None):
        return False
    reason = "customer" if account.is_customer else "open_opportunity"
    if not lead.customer_check:
        lead.customer_check = True
        lead.save(update_fields=["customer_check", "updated_at"])
        lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data=fields_changed(["customer_check"]), at=now)
        lead_event_record(
            lead=lead, kind=LeadEventKind.CUSTOMER_CHECK, data={"account": account.pk, "reason": reason},
            actor_label="customer_check", at=now,
        )  # fmt: skip
    owner = account.owner_sales or (open_opportunity.owner if open_opportunity else None)
    if owner is not None and lead.owner_sales_id is None:
        lead_assign_owner(lead=lead, side=OwnerSide.SALES, user=owner, actor_label="customer_check", at=now)
    return True


def lead_assign_owner(
    *, lead: Lead, side: str, user: Any, actor: Any = None, actor_label: str = "", at: dt.datetime | None = None
) -> bool:
    """Set the SDR or sales owner and record the change. Same owner again: no-op, returns False."""
    field = "owner_sdr" if side == OwnerSide.SDR else "owner_sales"
    old_id = getattr(lead, f"{field}_id")
    new_id = user.pk if user is not None else None
    if old_id == new_id:
        return False
    setattr(lead, field, user)
    lead.save(update_fields=[field, "updated_at"])
    lead_change_record(lead=lead, kind=ChangeKind.OWNER_CHANGED, data={"side": str(side), "from": old_id, "to": new_id},
                       at=at)  # fmt: skip
    lead_event_record(
        lead=lead, kind=LeadEventKind.OWNER_CHANGED, data={"side": str(side), "from": old_id, "to": new_id},
        actor=actor, actor_label=actor_label, at=at,
    )  # fmt: skip
    lead_id, when = lead.pk, at or timezone.now()
    transaction.on_commit(lambda: lead_owner_changed.send(
        sender=Lead, lead_id=lead_id, side=str(side), from_id=old_id, to_id=new_id, at=when))
    return True


def lead_set_temperature(
    *, lead: Lead, temperature: str, actor: Any = None, actor_label: str = "", reason: str = "",
    at: dt.datetime | None = None,
) -> bool:  # fmt: skip
    """Change the temperature (warm, hot, cold, high value) with history, at `at` (default now): timers and
    rules pass their own `now`. Same value: no-op."""
    temperature = Temperature(temperature)
    if lead.temperature == temperature:
        return False
    old = lead.temperature
    lead.temperature = temperature
    lead.save(update_fields=["temperature", "updated_at"])
    when = at or timezone.now()
    lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data=fields_changed(["temperature"]), at=when)
    lead_event_record(
        lead=lead, kind=LeadEventKind.TEMPERATURE_CHANGED,
        data={"from": old, "to": str(temperature), "reason": reason}, actor=actor, actor_label=actor_label, at=when,
    )  # fmt: skip
    lead_id, new = lead.pk, str(temperature)
    transaction.on_commit(lambda: lead_temperature_changed.send(
        sender=Lead, lead_id=lead_id, from_temperature=str(old), to_temperature=new, at=when))
    return True


def lead_set_consent(*, lead: Lead, consent_email: bool, actor: Any = None, actor_label: str = "") -> bool:
    if lead.consent_email == consent_email:
        return False
    lead.consent_email = consent_email
    lead.consent_changed_at = timezone.now()
    lead.save(update_fields=["consent_email", "consent_changed_at", "updated_at"])
    lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data=fields_changed(["consent_email"]))
    lead_event_record(
        lead=lead, kind=LeadEventKind.CONSENT_CHANGED, data={"consent_email": consent_email},
        actor=actor, actor_label=actor_label,
    )  # fmt: skip
    return True
