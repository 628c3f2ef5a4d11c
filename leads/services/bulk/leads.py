"""Bulk lead upsert: the batch form of leads.services.upsert.lead_upsert, set-based.

One identity query resolves the whole batch; new leads, their identities and their creation history are
written with `bulk_create`; existing leads are updated with one UPDATE ... FROM (VALUES ...) per chunk.
Rows that resolve to two different existing leads take the single-lead path, which merges them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account
from leadflow.errors import ApplicationError
from leads.choices import LeadEventKind, OpportunityStatus, OwnerSide, Stage, Temperature
from leads.models import Identity, Lead, LeadEvent, Opportunity, StageChange
from leads.services.bulk.clean import lead_row_clean
from leads.services.bulk.lookup import (
    account_domain,
    accounts_for_domains,
    campaigns_for_slugs,
    channels_for_slugs,
    survivors_of,
)
from leads.services.bulk.results import CREATED, FAILED, UPDATED, BatchRejected, BulkResult, RowResult
from leads.services.bulk.sql import ids_reserve, objects_copy, rows_update
from leads.services.leads import PROFILE_FIELDS, _apply_bant, _user_or_none
from leads.services.upsert import lead_upsert

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
    actor_label: str
    now: dt.datetime
    channels: dict[str, Any] = field(default_factory=dict)
    campaigns: dict[str, Any] = field(default_factory=dict)
    results: dict[int, RowResult] = field(default_factory=dict)
    events: list[LeadEvent] = field(default_factory=list)

    def event(self, lead: Lead, kind: str, data: dict[str, Any], *, label: str = "", at: Any = None) -> None:
        self.events.append(LeadEvent(lead=lead, kind=kind, data=data, actor=_user_or_none(self.actor),
                                     actor_label=label or self.actor_label, at=at or self.now))  # fmt: skip


def leads_bulk_upsert(
    *, records: list[Any], atomic: bool = False, actor: Any = None, actor_label: str = "bulk",
    now: dt.datetime | None = None,
) -> BulkResult:  # fmt: skip
    """Create or update every valid record; return one result per record, in order.

    Invariants: the same rules and history as `lead_upsert` for each row; rows sharing an identity become
    one lead; with `atomic` any bad row raises BatchRejected and nothing is saved. Idempotent: the same
    batch twice creates nothing the second time. The query count does not grow with the batch size.
    """
    batch = Batch(actor=actor, actor_label=actor_label, now=now or timezone.now())
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
    owners = _resolve(groups)
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
    if connection.vendor == "postgresql":
        objects_copy(model=LeadEvent, objects=batch.events)
    else:
        LeadEvent.objects.bulk_create(batch.events)


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


def _resolve(groups: list[Group]) -> dict[int, list[int]]:
    """Group -> the distinct live leads its identities point at, in resolution order (one identity query)."""
    pairs = {pair for group in groups for pair in group.identities}
    found: dict[Pair, int] = {}
    values = sorted({value for _kind, value in pairs})
    chunk = len(values) if connection.vendor == "postgresql" else 5000
    for start in range(0, len(values), max(chunk, 1)):
        rows = Identity.objects.filter(kind__in={kind for kind, _v in pairs}, value__in=values[start : start + chunk])
        for kind, value, lead_id in rows.values_list("kind", "value", "lead_id"):
            found[(kind, value)] = lead_id
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
    """New leads as lead_create makes them, with identities, creation history and the customer check."""
    if not groups:
        return
    leads = [_new_lead(batch, group) for group in groups]
    _link_accounts(batch, leads, [group.data for group in groups])
    postgres = connection.vendor == "postgresql"
    if postgres:  # COPY with reserved ids: bulk_create's SQL building costs more than the insert itself
        for lead, new_id in zip(leads, ids_reserve(model=Lead, count=len(leads)), strict=True):
            lead.pk = new_id
        objects_copy(model=Lead, objects=leads)
    else:
        Lead.objects.bulk_create(leads)
    actor = _user_or_none(batch.actor)
    identities: list[Identity] = []
    changes: list[StageChange] = []
    for lead, group in zip(leads, groups, strict=True):
        group.lead = lead
        identities.extend(Identity(lead=lead, kind=kind, value=value) for kind, value in group.identities)
        changes.append(StageChange(lead=lead, from_stage="", to_stage=Stage.LEAD, at=lead.created_at, actor=actor,
                                   actor_label=batch.actor_label, recorded_at=batch.now))  # fmt: skip
        batch.event(lead, LeadEventKind.CREATED, {}, at=lead.created_at)
        for position, index in enumerate(group.indexes):
            batch.results[index] = RowResult(index=index, status=CREATED if position == 0 else UPDATED, id=lead.pk)
    Identity.objects.bulk_create(identities, ignore_conflicts=True)
    if postgres:
        objects_copy(model=StageChange, objects=changes)
    else:
        StageChange.objects.bulk_create(changes)
    for lead in leads:
        flagged = getattr(lead, "_customer_check", None)
        if flagged is not None:
            _customer_check_history(batch, lead, *flagged)


def _new_lead(batch: Batch, group: Group) -> Lead:
    data = _service_data(batch, group.data)
    created_at = data.get("created_at") or batch.now
    lead = Lead(
        email=data.get("email", ""), phone=data.get("phone", ""), source_channel=data.get("source_channel"),
        campaign=data.get("campaign"), consent_email=bool(data.get("consent_email")),
        consent_changed_at=created_at if data.get("consent_email") else None, created_at=created_at,
        updated_at=batch.now, stage_changed_at=created_at, temperature=Temperature.WARM,
        **{name: data[name] for name in PROFILE_FIELDS if data.get(name) not in (None, "")},
    )  # fmt: skip
    _apply_bant(lead, data.get("bant"))
    return lead


def _link_accounts(batch: Batch, leads: list[Lead], payloads: Iterable[dict[str, Any]]) -> list[Lead]:
    """Give account-less leads the account of their company domain (created on first sight) and apply the
    customer check in memory; returns the leads that got an account."""
    domains: dict[str, str] = {}
    wanted: list[tuple[Lead, str]] = []
    for lead, data in zip(leads, payloads, strict=True):
        if lead.account_id is not None:
            continue
        domain = account_domain({"email": lead.email, "company_domain": lead.company_domain})
        if domain:
            domains.setdefault(domain, lead.company or data.get("company", ""))
            wanted.append((lead, domain))
    accounts = accounts_for_domains(domains)
    linked = []
    for lead, domain in wanted:
        if domain in accounts:
            lead.account = accounts[domain]
            linked.append(lead)
    _customer_check(linked)
    return linked


def _customer_check(leads: list[Lead]) -> None:
    """客户查重, set-based: one query for the open opportunities of every account touched."""
    if not leads:
        return
    open_by_account: dict[int, list[tuple[int, int | None]]] = {}
    owner_id: int | None
    rows = Opportunity.objects.filter(account_id__in={lead.account_id for lead in leads}, status=OpportunityStatus.OPEN)
    for account_id, lead_id, owner_id in rows.order_by("-opened_at").values_list("account_id", "lead_id", "owner_id"):
        open_by_account.setdefault(account_id, []).append((lead_id, owner_id))
    for lead in leads:
        account: Account = lead.account  # type: ignore[assignment]
        others = [row for row in open_by_account.get(account.pk, []) if row[0] != lead.pk]
        if not (account.is_customer or others):
            continue
        reason = "customer" if account.is_customer else "open_opportunity"
        owner_id = account.owner_sales_id or (others[0][1] if others else None)
        was_flagged = lead.customer_check
        lead.customer_check = True
        new_owner = owner_id if owner_id is not None and lead.owner_sales_id is None else None
        if new_owner is not None:
            lead.owner_sales_id = new_owner
        lead._customer_check = (account.pk, reason, was_flagged, new_owner)  # type: ignore[attr-defined]


def _customer_check_history(batch: Batch, lead: Lead, account_id: int, reason: str, was_flagged: bool,
                            new_owner: int | None) -> None:  # fmt: skip
    if not was_flagged:
        batch.event(lead, LeadEventKind.CUSTOMER_CHECK, {"account": account_id, "reason": reason},
                    label="customer_check")  # fmt: skip
    if new_owner is not None:
        batch.event(lead, LeadEventKind.OWNER_CHANGED, {"side": str(OwnerSide.SALES), "from": None, "to": new_owner},
                    label="customer_check")  # fmt: skip


UPDATABLE = ("email", *PROFILE_FIELDS, "source_channel", "campaign", "account", "customer_check", "owner_sales",
             "bant_budget", "bant_authority", "bant_need", "bant_timing", "bant_notes", "consent_email",
             "consent_changed_at", "updated_at")  # fmt: skip


def _update(batch: Batch, existing: dict[int, Group]) -> None:
    """lead_update for every matched lead at once: rows locked in one query, written in one statement."""
    if not existing:
        return
    leads = list(Lead.objects.select_for_update().filter(pk__in=existing.keys()).order_by("pk"))
    changed: list[Lead] = []
    for lead in leads:
        group = existing[lead.pk]
        if _update_one(batch, lead, _service_data(batch, group.data)):
            changed.append(lead)
        for index in group.indexes:
            batch.results[index] = RowResult(index=index, status=UPDATED, id=lead.pk)
    for lead in _link_accounts(batch, leads, [existing[lead.pk].data for lead in leads]):
        if lead not in changed:
            changed.append(lead)
    for lead in changed:
        lead.updated_at = batch.now
        flagged = getattr(lead, "_customer_check", None)
        if flagged is not None:
            _customer_check_history(batch, lead, *flagged)
    rows_update(model=Lead, objects=changed, fields=UPDATABLE)
    known = set(Identity.objects.filter(lead__in=leads).values_list("kind", "value")) if leads else set()
    Identity.objects.bulk_create(
        [Identity(lead_id=lead_id, kind=k, value=v) for lead_id, group in existing.items()
         for k, v in group.identities if (k, v) not in known],
        ignore_conflicts=True,
    )  # fmt: skip


def _update_one(batch: Batch, lead: Lead, data: dict[str, Any]) -> bool:
    """The in-memory half of leads.services.upsert.lead_update; history rows go to the batch."""
    changed = False
    if data.get("email") and not lead.email:
        lead.email, changed = data["email"], True
    for name in PROFILE_FIELDS:
        value: Any = data.get(name)
        if value in (None, ""):
            continue
        if name == "attributes":
            value = {**lead.attributes, **dict(value)}
        if getattr(lead, name) != value:
            setattr(lead, name, value)
            changed = True
    for name in ("source_channel", "campaign"):
        if data.get(name) is not None and getattr(lead, f"{name}_id") is None:
            setattr(lead, name, data[name])
            changed = True
    points = _apply_bant(lead, data.get("bant"))
    if points:
        batch.event(lead, LeadEventKind.BANT_CHANGED, {"changed": points, "bant": lead.bant})
        changed = True
    consent = data.get("consent_email")
    if consent is not None and bool(consent) != lead.consent_email:
        lead.consent_email, lead.consent_changed_at, changed = bool(consent), batch.now, True
        batch.event(lead, LeadEventKind.CONSENT_CHANGED, {"consent_email": bool(consent)})
    return changed
