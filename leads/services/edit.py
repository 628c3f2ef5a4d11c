"""Editing one known lead (API PATCH): profile, contact details, owners, temperature and tags, each with
its history, change-feed row and webhook events, all in one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from leadflow.errors import Conflict
from leads.choices import OwnerSide
from leads.models import ChangeKind, Identity, Lead, Tag
from leads.services.changes import fields_changed, lead_change_record
from leads.services.identity import email_normalise, identities_from_payload, lead_identities_attach, phone_normalise
from leads.services.leads import lead_assign_owner, lead_set_temperature
from leads.services.tags import tags_refuse_rule_tags
from leads.services.upsert import lead_update


@transaction.atomic
def lead_patch(*, lead: Lead, data: Mapping[str, Any], actor: Any = None, actor_label: str = "") -> Lead:
    """Apply the fields present in `data` to `lead` (locked). A changed email or phone replaces the shown
    value and becomes an identity; the old identity stays, so the person is still recognised by it.

    An email, phone or external id that belongs to another lead is a Conflict (merge the two instead).
    Idempotent: the same data twice changes nothing the second time.
    """
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.erased_at is not None or locked.merged_into_id is not None:
        raise Conflict(_("This lead was merged or erased and can no longer be edited."))
    identities = identities_from_payload(data)
    _refuse_foreign_identities(locked, identities)
    _replace_contact(locked, data)
    lead_update(lead=locked, data=data, actor=actor, actor_label=actor_label)
    lead_identities_attach(lead=locked, identities=identities)
    for side, field in ((OwnerSide.SDR, "owner_sdr"), (OwnerSide.SALES, "owner_sales")):
        if field in data:
            lead_assign_owner(lead=locked, side=side, user=data[field], actor=actor, actor_label=actor_label)
    if data.get("temperature"):
        lead_set_temperature(lead=locked, temperature=data["temperature"], actor=actor, actor_label=actor_label)
    if data.get("tags") is not None:
        lead_set_tags(lead=locked, names=data["tags"])
    return locked


def _refuse_foreign_identities(lead: Lead, identities: list[tuple[str, str]]) -> None:
    if not identities:
        return
    query = Identity.objects.filter(kind__in={k for k, _v in identities}, value__in={v for _k, v in identities})
    for kind, value, owner_id in query.exclude(lead=lead).values_list("kind", "value", "lead_id"):
        if (kind, value) in identities:
            field = "external_id" if kind == "external_id" else kind
            message = _("This %(field)s belongs to lead %(id)s; merge the two leads instead.") % {
                "field": field, "id": owner_id}  # fmt: skip
            raise Conflict(message, errors={field: [message]})


def _replace_contact(lead: Lead, data: Mapping[str, Any]) -> None:
    """Email and phone as shown on the lead: `lead_update` only fills them when blank, an edit replaces them."""
    changed = []
    for field, normalise in (("email", email_normalise), ("phone", phone_normalise)):
        if data.get(field):
            value = normalise(data[field])
            if value != getattr(lead, field):
                setattr(lead, field, value)
                changed.append(field)
    if changed:
        lead.save(update_fields=[*changed, "updated_at"])
        lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data=fields_changed(changed))


def tags_for_names(names: Iterable[str]) -> list[Tag]:
    """Tags by name (trimmed, blanks dropped), created on first use; safe under concurrency."""
    wanted = list(dict.fromkeys(name.strip()[:100] for name in names if name and name.strip()))
    Tag.objects.bulk_create([Tag(name=name) for name in wanted], ignore_conflicts=True)
    by_name = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    return [by_name[name] for name in wanted]


def lead_set_tags(*, lead: Lead, names: Iterable[str]) -> bool:
    """Make the lead's manual tags exactly `names` (unknown names become tags). Same set: no-op, returns False.

    Rule tags stay as their rule says: naming one the lead has changes nothing, leaving it out does not remove
    it, and naming one the lead lacks is a field error on `tags`.
    """
    ruled = list(lead.tags.filter(segment__isnull=False))
    held = {tag.name for tag in ruled}
    manual = [name for name in names if name and name.strip() and name.strip() not in held]
    tags_refuse_rule_tags(manual)
    tags = [*tags_for_names(manual), *ruled]
    before = set(lead.tags.values_list("pk", flat=True))
    after = {tag.pk for tag in tags}
    if before == after:
        return False
    lead.tags.set(tags)
    lead.save(update_fields=["updated_at"])
    lead_change_record(lead=lead, kind=ChangeKind.UPDATED, data={
        **fields_changed(["tags"]), "added": sorted(tag.name for tag in tags if tag.pk not in before),
        "removed": sorted(Tag.objects.filter(pk__in=before - after).values_list("name", flat=True)),
    })  # fmt: skip
    return True
