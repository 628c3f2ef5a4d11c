"""Identity normalisation and resolution: a lead is found by any identity it carries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers
from django.db import connection
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.choices import IdentityKind
from leads.models import Identity, Lead

DEFAULT_PHONE_REGION = "CN"


def email_normalise(value: str) -> str:
    """Lower-cased and trimmed; plus-tags are kept (they can be different people's aliases)."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at or not local or "." not in domain or " " in value:
        raise ValidationFailed(_("Enter a valid email address."), errors={"email": [_("Enter a valid email address.")]})
    return value


def phone_normalise(value: str, *, region: str = DEFAULT_PHONE_REGION) -> str:
    """E.164. Chinese mobiles written without +86 (`138 0013 8000`, `0086-13800138000`) become +86..."""
    raw = (value or "").strip()
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        message = _("Enter a valid phone number.")
        raise ValidationFailed(message, errors={"phone": [message]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def external_identity_value(*, source_system: str, external_id: str) -> str:
    return f"{(source_system or 'default').strip().lower()}:{external_id.strip()}"


def identities_from_payload(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) pairs in resolution order: external id, then email, then phone, then the others."""
    pairs: list[tuple[str, str]] = []
    if data.get("external_id"):
        value = external_identity_value(source_system=data.get("source_system", ""), external_id=data["external_id"])
        pairs.append((IdentityKind.EXTERNAL_ID, value))
    if data.get("email"):
        pairs.append((IdentityKind.EMAIL, email_normalise(data["email"])))
    if data.get("phone"):
        pairs.append((IdentityKind.PHONE, phone_normalise(data["phone"])))
    for kind in (
        IdentityKind.WECHAT_OPENID,
        IdentityKind.WECHAT_UNIONID,
        IdentityKind.WECOM_EXTERNAL_ID,
        IdentityKind.ANONYMOUS_ID,
    ):
        if data.get(kind.value):
            pairs.append((kind, str(data[kind.value]).strip()))
    return pairs


def leads_resolve(*, identities: Iterable[tuple[str, str]]) -> list[Lead]:
    """Every distinct live lead the identities point at, in the order of the identities given.

    Identities of a merged lead were moved to its survivor, so a merged-away lead never resolves here;
    `lead_follow_merges` maps an old id to its survivor.
    """
    pairs = list(identities)
    if not pairs:
        return []
    rows: dict[tuple[str, str], int] = {}
    for kind, value, lead_id in Identity.objects.filter(
        kind__in={kind for kind, _v in pairs}, value__in={value for _k, value in pairs}
    ).values_list("kind", "value", "lead_id"):
        rows[(kind, value)] = lead_id
    ordered_ids: list[int] = []
    for pair in pairs:
        match = rows.get((str(pair[0]), pair[1]))
        if match is not None and match not in ordered_ids:
            ordered_ids.append(match)
    leads = Lead.objects.in_bulk(ordered_ids)
    return [lead_follow_merges(lead=leads[lead_id]) for lead_id in ordered_ids if lead_id in leads]


def lead_follow_merges(*, lead: Lead) -> Lead:
    """The survivor a lead was merged into (following chains), or the lead itself."""
    seen = {lead.pk}
    while lead.merged_into_id is not None:
        lead = Lead.objects.get(pk=lead.merged_into_id)
        if lead.pk in seen:
            break
        seen.add(lead.pk)
    return lead


def lead_identities_attach(*, lead: Lead, identities: Iterable[tuple[str, str]]) -> None:
    """Attach identities the lead does not have yet; identities of other leads are left alone."""
    pairs = list(identities)
    existing = set(
        Identity.objects.filter(kind__in={k for k, _v in pairs}, value__in={v for _k, v in pairs}).values_list(
            "kind", "value"
        )
    )
    Identity.objects.bulk_create(
        [Identity(lead=lead, kind=kind, value=value) for kind, value in pairs if (kind, value) not in existing],
        ignore_conflicts=True,
    )


IDENTITY_LOCK_SPACE = 0x1EAD  # first key of the two-key advisory locks taken by identity resolution
IDENTITY_LOCK_BUCKETS = 1024


def identities_lock(*, pairs: Iterable[tuple[str, str]]) -> None:
    """Serialise writers (bulk batches and single upserts) that may create the same identity: a transaction-level
    advisory lock per `hashtext(kind:value)` bucket, all taken in one statement in ascending order (so two writers
    never deadlock on each other), held until commit. A concurrent batch with a shared identity waits, then resolves the
    identity the other one committed. No-op outside PostgreSQL (SQLite serialises writers anyway).

    Buckets, not one lock per identity: PostgreSQL's lock table holds about 64 locks per connection, and a
    10,000-row batch would exhaust it; 1,024 buckets bound a batch's locks whatever its size.
    """
    values = sorted({f"{kind}:{value}" for kind, value in pairs})
    if not values or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, b) FROM (SELECT DISTINCT hashtext(v) & %s AS b "
            "FROM unnest(%s::text[]) AS v ORDER BY b) AS buckets",
            [IDENTITY_LOCK_SPACE, IDENTITY_LOCK_BUCKETS - 1, values],
        )
