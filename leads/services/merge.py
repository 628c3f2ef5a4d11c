"""Merging two leads that turned out to be one person."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadflow.errors import Conflict, ValidationFailed
from leads.choices import BANT_POINTS, LeadEventKind, Stage, Temperature
from leads.models import ChangeKind, Identity, Lead, LeadEvent, Opportunity, StageChange, Touchpoint
from leads.services.changes import changes_record_bulk
from leads.services.leads import lead_event_record
from leads.services.stages import lead_stage_adopt
from leads.stages import FUNNEL

# Open stages outrank exits: an active inquiry from a lost or disqualified contact is live again.
STAGE_RANK: dict[str, int] = {Stage.DISQUALIFIED: 0, Stage.LOST: 1, **{s: 2 + i for i, s in enumerate(FUNNEL)}}
FILLABLE = ("email", "phone", "first_name", "last_name", "title", "company", "company_domain", "industry",
            "employee_count", "region", "source_channel_id", "campaign_id", "external_id", "source_system",
            "owner_sdr_id", "owner_sales_id", "account_id", "bant_notes")  # fmt: skip


def lead_merge(*, survivor: Lead, other: Lead, actor: Any = None, actor_label: str = "") -> Lead:
    """Fold `other` into `survivor` and return the survivor.

    The survivor keeps the most advanced stage of the two and gets the union of identities, touchpoints,
    tags, opportunities and history; blank profile fields are filled from the other. The other lead stays
    as a row pointing at the survivor (`merged_into`), so its id still resolves. Not idempotent: merging
    an already merged lead is a Conflict.
    """
    if survivor.pk == other.pk:
        raise ValidationFailed(_("A lead cannot be merged into itself."), errors={"other": [_("Same lead.")]})
    with transaction.atomic():
        locked = {lead.pk: lead for lead in Lead.objects.select_for_update().filter(pk__in=[survivor.pk, other.pk])
                  .order_by("pk")}  # fmt: skip
        keep, gone = locked[survivor.pk], locked[other.pk]
        if keep.merged_into_id or gone.merged_into_id or keep.erased_at or gone.erased_at:
            raise Conflict(_("One of these leads was already merged or erased."))
        for model in (Identity, Touchpoint, StageChange, LeadEvent, Opportunity):
            model.objects.filter(lead=gone).update(lead=keep)  # type: ignore[attr-defined]
        keep.tags.add(*gone.tags.all())
        _fill_profile(keep, gone)
        keep.save()
        if STAGE_RANK[gone.stage] > STAGE_RANK[keep.stage]:
            lead_stage_adopt(lead=keep, stage=Stage(gone.stage), at=gone.stage_changed_at,
                             actor_label=f"merge:{gone.pk}")  # fmt: skip
        gone.merged_into = keep
        gone.save(update_fields=["merged_into", "updated_at"])
        Lead.objects.filter(merged_into=gone).update(merged_into=keep)
        data = {"survivor": keep.pk, "other": gone.pk}
        lead_event_record(lead=keep, kind=LeadEventKind.MERGED, data=data, actor=actor, actor_label=actor_label)
        lead_event_record(lead=gone, kind=LeadEventKind.MERGED, data=data, actor=actor, actor_label=actor_label)
        changes_record_bulk(entries=[(keep.pk, ChangeKind.MERGED, data), (gone.pk, ChangeKind.MERGED, data)])
    return keep


def _fill_profile(keep: Lead, gone: Lead) -> None:
    for field in FILLABLE:
        if getattr(keep, field) in (None, "") and getattr(gone, field) not in (None, ""):
            setattr(keep, field, getattr(gone, field))
    for point in BANT_POINTS:
        if getattr(gone, f"bant_{point}"):
            setattr(keep, f"bant_{point}", True)
    keep.attributes = {**gone.attributes, **keep.attributes}
    keep.created_at = min(keep.created_at, gone.created_at)
    keep.customer_check = keep.customer_check or gone.customer_check
    keep.last_touch_at = max(filter(None, [keep.last_touch_at, gone.last_touch_at]), default=None)
    if gone.temperature == Temperature.HOT:
        keep.temperature = Temperature.HOT
    # The most recent consent decision wins: an unsubscribe is never undone by a merge.
    if gone.consent_changed_at and (not keep.consent_changed_at or gone.consent_changed_at > keep.consent_changed_at):
        keep.consent_email, keep.consent_changed_at = gone.consent_email, gone.consent_changed_at


def leads_merge_matches(*, leads: list[Lead], actor: Any = None, actor_label: str = "") -> Lead:
    """When one payload matches several leads: merge them all into the most advanced (oldest on a tie)."""
    ordered = sorted(leads, key=lambda lead: (-STAGE_RANK[lead.stage], lead.created_at, lead.pk))
    survivor = ordered[0]
    for other in ordered[1:]:
        survivor = lead_merge(survivor=survivor, other=other, actor=actor, actor_label=actor_label or "ingest")
    return survivor

