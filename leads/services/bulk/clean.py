"""Lean per-row validation for bulk bodies: the rules of the single-create serializers, without DRF's
per-field object overhead (a serializer per row costs more than the database writes of the whole batch).

Each cleaner takes one raw JSON value and returns `(data, errors)`; `errors` maps a field to messages
worded like DRF's, so a bulk row and a single create name the same problem the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadflow.errors import ValidationFailed
from leads.choices import BANT_POINTS, IdentityKind
from leads.services.identity import email_normalise, external_identity_value, phone_normalise

Errors = dict[str, list[str]]
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+\Z")
_TRUE = {True, "true", "True", "TRUE", "1", "yes", "on", "y", "t"}
_FALSE = {False, "false", "False", "FALSE", "0", "no", "off", "n", "f"}


class FieldError(Exception):
    """One field's value is wrong; the message is shown to the caller."""


NUL_MESSAGE = gettext_lazy("Null characters are not allowed.")


def contains_nul(value: Any) -> bool:
    """A NUL character anywhere in a JSON value (keys included): PostgreSQL stores none, in text or jsonb."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key or (not isinstance(item, int | float | None) and contains_nul(item)):
                return True
    elif isinstance(value, list):
        for item in value:
            if contains_nul(item):
                return True
    return False


def clean_text(value: Any, max_length: int) -> str:
    if value is None:
        raise FieldError(_("This field may not be null."))
    if type(value) is str:  # the common case first: one type check
        text = value.strip()
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FieldError(_("Not a valid string."))
    else:
        text = str(value).strip()
    if "\x00" in text:
        raise FieldError(NUL_MESSAGE)
    if len(text) > max_length:
        raise FieldError(_("Ensure this field has no more than %(max)d characters.") % {"max": max_length})
    return text


def clean_slug(value: Any, max_length: int = 80) -> str:
    text = clean_text(value, max_length)
    if text and not SLUG_RE.match(text):
        raise FieldError(_("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."))
    return text


def clean_int(value: Any, min_value: int = 0) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise FieldError(_("A valid integer is required."))
    try:
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
    except (TypeError, ValueError):
        number = None
    if number is None:
        raise FieldError(_("A valid integer is required."))
    if number < min_value:
        raise FieldError(_("Ensure this value is greater than or equal to %(min)d.") % {"min": min_value})
    return number


def clean_bool(value: Any, *, allow_null: bool = True) -> bool | None:
    if value is None and allow_null:
        return None
    try:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    except TypeError:  # unhashable (a list or an object)
        pass
    raise FieldError(_("Must be a valid boolean."))


def clean_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):
        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is not None:
            return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    raise FieldError(_("Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."))  # noqa: E501


def clean_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError(_("Expected a dictionary of items but got type “%(type)s”.") % {"type": type(value).__name__})
    if contains_nul(value):
        raise FieldError(NUL_MESSAGE)
    return value


def clean_bant(value: Any) -> dict[str, Any]:
    bant = clean_object(value)
    cleaned: dict[str, Any] = {}
    for point in BANT_POINTS:
        if point in bant:
            cleaned[point] = clean_bool(bant[point], allow_null=False)
    if "notes" in bant:
        cleaned["notes"] = clean_text(bant["notes"], 5000)
    return cleaned


@lru_cache(maxsize=65536)
def _phone(value: str) -> str:
    return phone_normalise(value)


@lru_cache(maxsize=65536)
def _email(value: str) -> str:
    return email_normalise(value)


def normalise_contact(data: dict[str, Any], errors: Errors) -> None:
    """Email and phone as leads.services.identity normalises them (its messages become field errors)."""
    for field, normalise in (("email", _email), ("phone", _phone)):
        if data.get(field):
            try:
                data[field] = normalise(data[field])
            except ValidationFailed as failed:
                errors.update(failed.errors or {field: [failed.message]})


def _text(max_length: int) -> Callable[[Any], Any]:
    return lambda value: clean_text(value, max_length)


LEAD_FIELDS: dict[str, Callable[[Any], Any]] = {
    "email": _text(254), "phone": _text(32), "first_name": _text(100), "last_name": _text(100),
    "title": _text(150), "company": _text(200), "company_domain": _text(253), "industry": _text(100),
    "employee_count": clean_int, "region": _text(100), "source_channel": clean_slug, "campaign": clean_slug,
    "external_id": _text(200), "source_system": _text(50), "consent_email": clean_bool, "bant": clean_bant,
    "attributes": clean_object, "created_at": clean_datetime,
}  # fmt: skip


def clean_fields(raw: Mapping[str, Any], fields: Mapping[str, Callable[[Any], Any]]) -> tuple[dict[str, Any], Errors]:
    data: dict[str, Any] = {}
    errors: Errors = {}
    for name, value in raw.items():
        cleaner = fields.get(name)
        if cleaner is None:
            continue  # unknown keys are ignored, as by the serializers
        try:
            data[name] = cleaner(value)
        except FieldError as error:
            errors[name] = [str(error)]
    return data, errors


def lead_row_clean(raw: Any) -> tuple[dict[str, Any], Errors]:
    """One bulk lead row by the rules of LeadWriteSerializer, with email and phone normalised and the
    row's identities (`_identities`, in resolution order) computed once."""
    if not isinstance(raw, dict):
        return {}, {"non_field_errors": [_("Invalid data. Expected a dictionary, but got %(type)s.")
                                         % {"type": type(raw).__name__}]}  # fmt: skip
    data, errors = clean_fields(raw, LEAD_FIELDS)
    if not errors and not any(data.get(key) for key in ("email", "phone", "external_id")):
        message = _("At least one of email, phone or external_id is required.")
        return data, {key: [message] for key in ("email", "phone", "external_id")}
    normalise_contact(data, errors)
    if not errors:
        data["_identities"] = lead_row_identities(data)
    return data, errors


def lead_row_identities(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """identities_from_payload for an already normalised row (phone parsing is the costly part)."""
    pairs: list[tuple[str, str]] = []
    if data.get("external_id"):
        value = external_identity_value(source_system=data.get("source_system", ""), external_id=data["external_id"])
        pairs.append((IdentityKind.EXTERNAL_ID.value, value))
    if data.get("email"):
        pairs.append((IdentityKind.EMAIL.value, data["email"]))
    if data.get("phone"):
        pairs.append((IdentityKind.PHONE.value, data["phone"]))
    return pairs
