"""Touchpoints: ingest one or many (idempotent by event_id), and stitch an anonymous visitor to a lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.choices import IdentityKind, TouchpointKind
from leads.models import Lead, Touchpoint
from leads.scoring.services import leads_scores_refresh, leads_scores_refresh_later
from leads.services.bulk.clean import (
    Errors,
    FieldError,
    clean_datetime,
    clean_fields,
    clean_int,
    clean_object,
    clean_slug,
    clean_text,
    normalise_contact,
)
from leads.services.bulk.lookup import campaigns_for_slugs, channels_for_slugs, survivors_of
from leads.services.bulk.results import CREATED, DUPLICATE, FAILED, BulkResult, RowResult
from leads.services.bulk.sql import csv_value, identities_find, rows_copy
from leads.services.catalog import channel_for_slug
from leads.services.identity import lead_identities_attach
from leads.services.upsert import lead_upsert

MAX_TOUCHPOINT_RECORDS = 50_000
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
_KINDS = frozenset(TouchpointKind.values)
_WHO = ("lead", "email", "phone", "anonymous_id")
# Resolution order of a touchpoint's person: the lead id, then email, phone, the visitor's cookie id.
_IDENTITY_FIELDS = (("email", IdentityKind.EMAIL.value), ("phone", IdentityKind.PHONE.value),
                    ("anonymous_id", IdentityKind.ANONYMOUS_ID.value))  # fmt: skip
COLUMNS = ("lead_id", "anonymous_id", "kind", "channel_id", "campaign_id", "occurred_at", "properties", "event_id",
           *UTM_KEYS, "created_at")  # fmt: skip


def _kind(value: Any) -> str:
    if value not in _KINDS:
        raise FieldError(_("“%(value)s” is not a valid choice.") % {"value": value})
    return str(value)


def _lead_id(value: Any) -> int | None:
    return clean_int(value, min_value=1)


TOUCHPOINT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "lead": _lead_id, "email": lambda v: clean_text(v, 254), "phone": lambda v: clean_text(v, 32),
    "anonymous_id": lambda v: clean_text(v, 200), "kind": _kind, "channel": clean_slug, "campaign": clean_slug,
    "occurred_at": clean_datetime, "properties": clean_object, "event_id": lambda v: clean_text(v, 200) or None,
}  # fmt: skip


def touchpoint_row_clean(raw: Any) -> tuple[dict[str, Any], Errors]:
    """One touchpoint by the rules of TouchpointSerializer: a kind, and someone it happened to."""
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": [_("Invalid data. Expected a dictionary, but got %(type)s.")
                                         % {"type": type(raw).__name__}]}  # fmt: skip
    data, errors = clean_fields(raw, TOUCHPOINT_FIELDS)
    if "kind" not in raw:
        errors["kind"] = [_("This field is required.")]
    if not errors and not any(data.get(key) for key in _WHO):
        message = _("One of lead, email, phone or anonymous_id is required.")
        errors.update({key: [message] for key in _WHO})
    normalise_contact(data, errors)
    return data, errors


@dataclass
class _Row:
    index: int
    data: dict[str, Any]
    lead_id: int | None = None


def touchpoints_ingest(*, records: Sequence[Any], now: dt.datetime | None = None) -> BulkResult:
    """Record every valid touchpoint; a repeated event_id (in the batch, an earlier batch or a concurrent
    request) is reported `duplicate` and written once. Rows that name a person LeadFlow does not know are
    refused unless they carry an anonymous_id. Idempotent for rows with an event_id.

    Query count is fixed per batch: identity and lead look-ups, catalog, one insert, one last_touch update.
    """
    now = now or timezone.now()
    results: dict[int, RowResult] = {}
    rows: list[_Row] = []
    for index, raw in enumerate(records):
        data, errors = touchpoint_row_clean(raw)
        if errors:
            results[index] = RowResult(index=index, status=FAILED, errors=errors)
        else:
            rows.append(_Row(index=index, data=data))
    with transaction.atomic():
        rows = _resolve(rows, results)
        rows = _dedup_in_batch(rows, results)
        channels = channels_for_slugs(row.data["channel"] for row in rows if row.data.get("channel"))
        campaigns = campaigns_for_slugs(row.data["campaign"] for row in rows if row.data.get("campaign"))
        values = [_values(row, channels, campaigns, now) for row in rows]
        inserted = _insert(values)
        latest: dict[int, dt.datetime] = {}
        for row, row_values, new_id in zip(rows, values, inserted, strict=True):
            if new_id is None:
                results[row.index] = RowResult(index=row.index, status=DUPLICATE)
                continue
            results[row.index] = RowResult(index=row.index, status=CREATED, id=new_id)
            if row.lead_id is not None and (row.lead_id not in latest or latest[row.lead_id] < row_values[5]):
                latest[row.lead_id] = row_values[5]
        leads_touch(latest)
        leads_scores_refresh_later(lead_ids=latest.keys())  # engagement follows the new touchpoints
    return BulkResult(rows=[results[index] for index in range(len(records))])


def _resolve(rows: list[_Row], results: dict[int, RowResult]) -> list[_Row]:
    """Each row's live lead: by id (a merged id follows to its survivor), else by identity."""
    survivors = survivors_of(row.data["lead"] for row in rows if row.data.get("lead"))
    pairs = {(kind, row.data[name]) for row in rows for name, kind in _IDENTITY_FIELDS if row.data.get(name)}
    found: dict[tuple[str, str], int] = {}
    if pairs:
        found = identities_find(pairs)
        found_survivors = survivors_of(found.values())
        found = {pair: found_survivors[lead_id] for pair, lead_id in found.items() if lead_id in found_survivors}
    kept = []
    for row in rows:
        errors = _resolve_row(row, survivors, found)
        if errors:
            results[row.index] = RowResult(index=row.index, status=FAILED, errors=errors)
        else:
            kept.append(row)
    return kept


def _resolve_row(row: _Row, survivors: dict[int, int], found: dict[tuple[str, str], int]) -> Errors:
    data = row.data
    if data.get("lead"):
        row.lead_id = survivors.get(data["lead"])
        return {} if row.lead_id is not None else {"lead": [_("No lead with this id.")]}
    for name, kind in _IDENTITY_FIELDS:
        if data.get(name) and (kind, data[name]) in found:
            row.lead_id = found[(kind, data[name])]
            return {}
    if data.get("anonymous_id"):
        return {}  # an anonymous visitor: attached when it identifies
    name = "email" if data.get("email") else "phone"
    return {name: [_("No lead has this %(field)s; send an anonymous_id too, or create the lead first.")
                   % {"field": name}]}  # fmt: skip


def _dedup_in_batch(rows: list[_Row], results: dict[int, RowResult]) -> list[_Row]:
    seen: set[str] = set()
    kept = []
    for row in rows:
        event_id = row.data.get("event_id")
        if event_id and event_id in seen:
            results[row.index] = RowResult(index=row.index, status=DUPLICATE)
            continue
        if event_id:
            seen.add(event_id)
        kept.append(row)
    return kept


def _values(row: _Row, channels: dict[str, Any], campaigns: dict[str, Any], now: dt.datetime) -> tuple[Any, ...]:
    data = row.data
    properties = data.get("properties") or {}
    utm = [str(properties.get(key) or "")[:200] for key in UTM_KEYS]
    channel = channels.get(data.get("channel") or "")
    campaign = campaigns.get(data.get("campaign") or "")
    return (row.lead_id, data.get("anonymous_id") or "", data["kind"], channel.pk if channel else None,
            campaign.pk if campaign else None, data.get("occurred_at") or now, properties, data.get("event_id"),
            *utm, now)  # fmt: skip


def _insert(values: list[tuple[Any, ...]]) -> list[int | None]:
    """Insert in order; returns each row's new id, or None where its event_id was already stored."""
    if not values:
        return []
    returned = _insert_postgresql(values) if connection.vendor == "postgresql" else _insert_portable(values)
    by_event = {event_id: new_id for new_id, event_id in returned if event_id is not None}
    plain = iter(new_id for new_id, event_id in returned if event_id is None)
    return [by_event.get(row[7]) if row[7] is not None else next(plain) for row in values]


_STAGE = "leadflow_touchpoint_stage"
# Column types of leads_touchpoint without its constraints and defaults (no sequence values are spent).
_STAGE_COLUMNS = (
    "n integer, lead_id bigint, anonymous_id text, kind text, channel_id bigint, campaign_id bigint, "
    "occurred_at timestamptz, properties jsonb, event_id text, utm_source text, utm_medium text, "
    "utm_campaign text, utm_term text, utm_content text, created_at timestamptz"
)


def _insert_postgresql(values: list[tuple[Any, ...]]) -> list[tuple[int, str | None]]:
    """COPY into a per-connection staging table, then one INSERT ... ON CONFLICT (event_id) DO NOTHING."""
    names = ", ".join(f'"{column}"' for column in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ({_STAGE_COLUMNS})")
        rows_copy(cursor=cursor, table=_STAGE, columns=("n", *COLUMNS),
                  rows=([n, *map(csv_value, row)] for n, row in enumerate(values)))  # fmt: skip
        cursor.execute(
            f"INSERT INTO leads_touchpoint ({names}) SELECT {names} FROM {_STAGE} ORDER BY n "
            "ON CONFLICT (event_id) DO NOTHING RETURNING id, event_id"
        )
        returned = cursor.fetchall()
        cursor.execute(f"TRUNCATE {_STAGE}")
    return returned


def _insert_portable(values: list[tuple[Any, ...]]) -> list[tuple[int, str | None]]:
    """SQLite (the embedded default): the same INSERT ... ON CONFLICT DO NOTHING RETURNING, in chunks."""
    by_column = {field.column: field for field in Touchpoint._meta.concrete_fields}
    fields = [by_column[column] for column in COLUMNS]
    returned: list[tuple[int, str | None]] = []
    names = ", ".join(f'"{column}"' for column in COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(values), 500):
            chunk = values[start : start + 500]
            params = [field.get_db_prep_save(value, connection) for row in chunk
                      for field, value in zip(fields, row, strict=True)]  # fmt: skip
            cursor.execute(
                f"INSERT INTO leads_touchpoint ({names}) VALUES {', '.join([placeholder] * len(chunk))} "
                "ON CONFLICT (event_id) DO NOTHING RETURNING id, event_id",
                params,
            )
            returned.extend(cursor.fetchall())
    return returned


def leads_touch(latest: dict[int, dt.datetime]) -> None:
    """Move each lead's last_touch_at forward to the given time (never back): one UPDATE per 5,000 leads."""
    field = Lead._meta.get_field("last_touch_at")
    items = sorted(latest.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), 5000):
            chunk = items[start : start + 5000]
            params: list[Any] = []
            for lead_id, at in chunk:
                params += [lead_id, field.get_db_prep_save(at, connection)]
            rows = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"WITH v(lead_id, touched) AS (VALUES {rows}) UPDATE leads_lead SET last_touch_at = v.touched "
                "FROM v WHERE leads_lead.id = v.lead_id "
                "AND (leads_lead.last_touch_at IS NULL OR leads_lead.last_touch_at < v.touched)",
                params,
            )


@dataclass(frozen=True)
class IdentifyResult:
    lead: Lead
    created: bool
    attached: int


@transaction.atomic
def visitor_identify(*, anonymous_id: str, data: dict[str, Any], actor: Any = None) -> IdentifyResult:
    """Link an anonymous visitor to the lead its details resolve to (created if none).

    The visitor's cookie id becomes an identity of the lead (unless another lead holds it), its earlier
    unattached touchpoints move to the lead in one UPDATE, and a lead without a source channel takes the
    one of the visitor's first touchpoint (its channel, or the channel named by its utm_source).
    Idempotent: identifying twice attaches nothing more and changes nothing.
    """
    result = lead_upsert(data=data, actor=actor, actor_label="identify")
    lead = result.lead
    lead_identities_attach(lead=lead, identities=[(IdentityKind.ANONYMOUS_ID, anonymous_id)])
    attached = Touchpoint.objects.filter(anonymous_id=anonymous_id, lead__isnull=True).update(lead=lead)
    visits = Touchpoint.objects.filter(anonymous_id=anonymous_id, lead=lead).order_by("occurred_at", "id")
    if attached:
        last = visits.reverse().values_list("occurred_at", flat=True).first()
        if last is not None:
            leads_touch({lead.pk: last})
    sourced = 0
    if lead.source_channel_id is None:
        first = visits.first()
        channel = None
        if first is not None:
            channel = first.channel or (channel_for_slug(slug=first.utm_source) if first.utm_source else None)
        if channel is not None:
            sourced = Lead.objects.filter(pk=lead.pk, source_channel__isnull=True).update(
                source_channel=channel, updated_at=timezone.now()
            )
    if attached or sourced:  # lead_upsert scored the lead before its visits and source were its own
        leads_scores_refresh(lead_ids=[lead.pk], now=timezone.now())
    lead.refresh_from_db()
    return IdentifyResult(lead=lead, created=result.created, attached=attached)
