"""Bulk lead upsert: the batch form of leads.services.upsert.lead_upsert, set-based.

The batch's identities are locked (PostgreSQL advisory locks), then one identity query resolves the whole
batch; new leads are written with COPY (reserved ids), existing leads with one UPDATE ... FROM a COPied staging
table; identities, history, the change feed and the webhook outbox follow as plain rows (see .history).
Rows that resolve to two different existing leads take the single-lead path, which merges them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from leadflow.errors import ApplicationError
from leads.choices import LeadEventKind, Temperature
from leads.models import ChangeKind, Lead
from leads.scoring.services import leads_scores_initial, leads_scores_refresh_later
from leads.services.bulk.clean import lead_row_clean
from leads.services.bulk.customer import customer_check_history, leads_link_accounts, owner_assigned_by_check
from leads.services.bulk.history import History
from leads.services.bulk.lookup import campaigns_for_slugs, channels_for_slugs, survivors_of
from leads.services.bulk.results import CREATED, FAILED, UPDATED, BatchRejected, BulkResult, RowResult
from leads.services.bulk.sql import identities_find, ids_reserve, objects_copy, rows_update
from leads.services.changes import fields_changed
from leads.services.identity import identities_lock
from leads.services.leads import PROFILE_FIELDS, _apply_bant, _user_or_none
from leads.services.upsert import lead_upsert
from leads.signals import leads_created

MAX_LEAD_RECORDS = 10_000
Pair = tuple[str, str]


@dataclass
class Group:
    """Rows of one batch that are one person (they share an identity), folded into one payload."""

    indexes: list[int]
    data: dict[str, Any]
    identities: list[Pair] = field(default_factory=list)
    lead: Lead | None = None


@dataclass
class Batch:
    actor: Any
    history: History
    now: dt.datetime
    channels: dict[str, Any] = field(default_factory=dict)
    campaigns: dict[str, Any] = field(default_factory=dict)
    results: dict[int, RowResult] = field(default_factory=dict)
    known: set[Pair] = field(default_factory=set)  # identities that existed before the batch

    @property
    def actor_label(self) -> str:
        return self.history.actor_label


def leads_bulk_upsert(
    *, records: list[Any], atomic: bool = False, actor: Any = None, actor_label: str = "bulk",
    now: dt.datetime | None = None,
) -> BulkResult:  # fmt: skip
    """Create or update every valid record; return one result per record, in order.

    Invariants: the same rules and history as `lead_upsert` for each row; rows sharing an identity become
    one lead; with `atomic` any bad row raises BatchRejected and nothing is saved. Idempotent: the same
    batch twice creates nothing the second time. The query count does not grow with the batch size.
    """
    now = now or timezone.now()
    user = _user_or_none(actor)
    batch = Batch(actor=actor, now=now, history=History(actor_id=user.pk if user else None, actor_label=actor_label,
                                                        now=now))  # fmt: skip
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(records):
        data, errors = lead_row_clean(raw)
        if errors:
            batch.results[index] = RowResult(index=index, status=FAILED, errors=errors)
        else:
            valid.append((index, data))
    if atomic and batch.results:
        raise BatchRejected(sorted(batch.results.values(), key=lambda row: row.index))
    with transaction.atomic():
        _write(batch, valid, atomic=atomic)
    return BulkResult(rows=[batch.results[index] for index in range(len(records))])


def _write(batch: Batch, valid: list[tuple[int, dict[str, Any]]], *, atomic: bool) -> None:
    groups = _groups(valid)
    batch.channels = channels_for_slugs(g.data["source_channel"] for g in groups if g.data.get("source_channel"))
    batch.campaigns = campaigns_for_slugs(g.data["campaign"] for g in groups if g.data.get("campaign"))
    identities_lock(pairs=(pair for group in groups for pair in group.identities))  # held until commit
    owners = _resolve(batch, groups)
    fresh = [g for g in groups if not owners[id(g)]]
    tangled = [g for g in groups if len(owners[id(g)]) > 1]
    for group in tangled:
        _single_path(batch, group, valid_rows=dict(valid), atomic=atomic)
    matched = [g for g in groups if len(owners[id(g)]) == 1]
    if tangled:  # the single path may have merged leads that other rows matched
        survivors = survivors_of(owners[id(g)][0] for g in matched)
        owners.update({id(g): [survivors[owners[id(g)][0]]] for g in matched})
    existing = _fold_by_lead(matched, owners)
    _update(batch, existing)
    _create(batch, fresh)
    batch.history.write()


def _groups(valid: list[tuple[int, dict[str, Any]]]) -> list[Group]:
    """Union rows that share any identity; later rows win field by field, as two upserts in a row would."""
    parent = list(range(len(valid)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_row: dict[Pair, int] = {}
    for position, (_index, data) in enumerate(valid):
        for pair in data["_identities"]:
            other = first_row.setdefault(pair, position)
            parent[find(position)] = find(other)
    by_root: dict[int, Group] = {}
    for position, (index, data) in enumerate(valid):
        root = find(position)
        group = by_root.get(root)
        if group is None:
            by_root[root] = Group(indexes=[index], data=dict(data), identities=list(data["_identities"]))
        else:
            group.indexes.append(index)
            _fold(group.data, data)
            group.identities.extend(p for p in data["_identities"] if p not in group.identities)
    return list(by_root.values())


def _fold(into: dict[str, Any], data: dict[str, Any]) -> None:
    for key, value in data.items():
        if value in (None, "") or key == "_identities":
            continue
        if key in ("attributes", "bant") and isinstance(into.get(key), dict):
            into[key] = {**into[key], **value}
        else:
            into[key] = value


def _resolve(batch: Batch, groups: list[Group]) -> dict[int, list[int]]:
    """Group -> the distinct live leads its identities point at, in resolution order (one identity query);
    the identities found are remembered in `batch.known`."""
    pairs = {pair for group in groups for pair in group.identities}
    found = identities_find(pairs)
    batch.known = set(found)
    survivors = survivors_of(found.values()) if found else {}
    owners: dict[int, list[int]] = {}
    for group in groups:
        ids: list[int] = []
        for pair in group.identities:
            survivor = survivors.get(found.get(pair, -1))
            if survivor is not None and survivor not in ids:
                ids.append(survivor)
        owners[id(group)] = ids
    return owners


def _fold_by_lead(groups: list[Group], owners: dict[int, list[int]]) -> dict[int, Group]:
    """Groups that reach the same existing lead through different identities update it once."""
    by_lead: dict[int, Group] = {}
    for group in groups:
        lead_id = owners[id(group)][0]
        if lead_id in by_lead:
            target = by_lead[lead_id]
            target.indexes.extend(group.indexes)
            _fold(target.data, group.data)
            target.identities.extend(p for p in group.identities if p not in target.identities)
        else:
            by_lead[lead_id] = group
    return by_lead


def _service_data(batch: Batch, data: dict[str, Any]) -> dict[str, Any]:
    """A cleaned row as the services take it: slugs replaced by the channel and campaign objects."""
    service = {key: value for key, value in data.items() if key != "_identities"}
    for key, found in (("source_channel", batch.channels), ("campaign", batch.campaigns)):
        if service.get(key):
            service[key] = found.get(service[key])
        else:
            service.pop(key, None)
    return service


def _single_path(batch: Batch, group: Group, *, valid_rows: dict[int, dict[str, Any]], atomic: bool) -> None:
    """Rows that match several existing leads: lead_upsert merges them, one row at a time."""
    for index in group.indexes:
        try:
            with transaction.atomic():
                result = lead_upsert(data=_service_data(batch, valid_rows[index]), actor=batch.actor,
                                     actor_label=batch.actor_label, now=batch.now)  # fmt: skip
        except ApplicationError as error:
            row = RowResult(index=index, status=FAILED, errors=error.errors or {"non_field_errors": [error.message]})
            if atomic:
                raise BatchRejected([row]) from error
            batch.results[index] = row
            continue
        batch.results[index] = RowResult(index=index, status=CREATED if result.created else UPDATED,
                                         id=result.lead.pk)  # fmt: skip


def _create(batch: Batch, groups: list[Group]) -> None:
    """New leads as lead_create makes them, with identities, creation history, the customer check and the
    `created` feed entry (and its lead.created webhook events)."""
    if not groups:
        return
    leads = [_new_lead(batch, group) for group in groups]
    leads_link_accounts(leads, [group.data for group in groups])
    leads_scores_initial(leads=leads, now=batch.now)  # written once, already scored
    if connection.vendor == "postgresql":  # COPY with reserved ids: bulk_create's SQL building costs more
        for lead, new_id in zip(leads, ids_reserve(model=Lead, count=len(leads)), strict=True):
            lead.pk = new_id
        objects_copy(model=Lead, objects=leads)
    else:
        Lead.objects.bulk_create(leads)
    history = batch.history
    for lead, group in zip(leads, groups, strict=True):
        group.lead = lead
        history.identities.extend((lead.pk, kind, value) for kind, value in group.identities)
        assigned = owner_assigned_by_check(lead)
        history.created(lead.pk, at=lead.created_at, owner_sdr=lead.owner_sdr_id,
                        owner_sales=None if assigned is not None else lead.owner_sales_id)  # fmt: skip
        customer_check_history(history, lead)
        for position, index in enumerate(group.indexes):
            batch.results[index] = RowResult(index=index, status=CREATED if position == 0 else UPDATED, id=lead.pk)
    lead_ids, now = [lead.pk for lead in leads], batch.now
    transaction.on_commit(lambda: leads_created.send(sender=Lead, lead_ids=lead_ids, at=now))


@lru_cache(maxsize=1)
def _lead_defaults() -> dict[str, Any]:
    values = dict(Lead(temperature=Temperature.WARM).__dict__)
    values.pop("_state")
    return values


def _new_lead(batch: Batch, group: Group) -> Lead:
    """An unsaved lead as lead_create builds it. Model.__init__ is skipped (its per-field work was the largest
    Python cost of a 5,000-row batch): the instance starts as a copy of a default-initialised one's attributes,
    and every per-row or mutable value (times, attributes) is set below."""
    data = _service_data(batch, group.data)
    created_at = data.get("created_at") or batch.now
    lead = Lead.__new__(Lead)
    values = lead.__dict__
    values.update(_lead_defaults())
    values.update({name: data[name] for name in PROFILE_FIELDS if data.get(name) not in (None, "")})
    values.update(
        _state=ModelState(), email=data.get("email", ""), phone=data.get("phone", ""),
        source_channel_id=getattr(data.get("source_channel"), "pk", None),
        campaign_id=getattr(data.get("campaign"), "pk", None), consent_email=bool(data.get("consent_email")),
        consent_changed_at=created_at if data.get("consent_email") else None, created_at=created_at,
        updated_at=batch.now, stage_changed_at=created_at, attributes=dict(data.get("attributes") or {}),
    )  # fmt: skip
    _apply_bant(lead, data.get("bant"))
    return lead


UPDATABLE = ("email", *PROFILE_FIELDS, "source_channel", "campaign", "account", "customer_check", "owner_sales",
             "bant_budget", "bant_authority", "bant_need", "bant_timing", "bant_notes", "consent_email",
             "consent_changed_at", "updated_at")  # fmt: skip


def _update(batch: Batch, existing: dict[int, Group]) -> None:
    """lead_update for every matched lead at once: rows locked in one query, written in one statement, one
    `updated` feed entry per changed lead naming the fields that changed."""
    if not existing:
        return
    leads = list(Lead.objects.select_for_update().filter(pk__in=existing.keys()).order_by("pk"))
    changed: dict[int, list[str]] = {}
    for lead in leads:
        group = existing[lead.pk]
        names = _update_one(batch, lead, _service_data(batch, group.data))
        if names:
            changed[lead.pk] = names
        for index in group.indexes:
            batch.results[index] = RowResult(index=index, status=UPDATED, id=lead.pk)
    for lead in leads_link_accounts(leads, [existing[lead.pk].data for lead in leads]):
        changed.setdefault(lead.pk, []).append("account")
    written = [lead for lead in leads if lead.pk in changed]
    history = batch.history
    for lead in written:
        lead.updated_at = batch.now
        history.change(lead.pk, ChangeKind.UPDATED, fields_changed(changed[lead.pk]))
        customer_check_history(history, lead)
    rows_update(model=Lead, objects=written, fields=UPDATABLE)
    leads_scores_refresh_later(lead_ids=(lead.pk for lead in written))  # fit and source follow the new profiles
    history.identities.extend((lead_id, kind, value) for lead_id, group in existing.items()
                              for kind, value in group.identities if (kind, value) not in batch.known)  # fmt: skip


def _update_one(batch: Batch, lead: Lead, data: dict[str, Any]) -> list[str]:
    """The in-memory half of leads.services.upsert.lead_update; returns the fields changed (`bant` and
    `consent_email` included), history rows go to the batch."""
    changed: list[str] = []
    if data.get("email") and not lead.email:
        lead.email = data["email"]
        changed.append("email")
    for name in PROFILE_FIELDS:
        value: Any = data.get(name)
        if value in (None, ""):
            continue
        if name == "attributes":
            value = {**lead.attributes, **dict(value)}
        if getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.append(name)
    for name in ("source_channel", "campaign"):
        if data.get(name) is not None and getattr(lead, f"{name}_id") is None:
            setattr(lead, name, data[name])
            changed.append(name)
    history = batch.history
    points = _apply_bant(lead, data.get("bant"))
    if points:
        history.event(lead.pk, LeadEventKind.BANT_CHANGED, {"changed": points, "bant": lead.bant})
        changed.append("bant")
    consent = data.get("consent_email")
    if consent is not None and bool(consent) != lead.consent_email:
        lead.consent_email, lead.consent_changed_at = bool(consent), batch.now
        history.event(lead.pk, LeadEventKind.CONSENT_CHANGED, {"consent_email": bool(consent)})
        changed.append("consent_email")
    return changed
