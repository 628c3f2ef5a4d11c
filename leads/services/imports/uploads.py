"""An import's first two steps: the uploaded file becomes a LeadImport with a suggested mapping, then the
user's mapping and defaults are checked and saved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from leadflow.errors import Conflict, ValidationFailed
from leads.choices import ImportStatus
from leads.models import Campaign, Channel, LeadImport
from leads.services.imports.files import import_file_parse
from leads.services.imports.mapping import DEFAULT_FIELDS, mapping_errors, mapping_suggest

EDITABLE = (ImportStatus.UPLOADED, ImportStatus.MAPPED)


def lead_import_create(
    *, actor: Any, filename: str, content: bytes, language: str, defaults: Mapping[str, Any] | None = None,
    now: dt.datetime,
) -> LeadImport:  # fmt: skip
    """Parse the file (refusals name the field "file") and keep its cells with a mapping suggested from the
    headers. Nothing is written to leads yet."""
    cleaned_defaults, errors = import_defaults_clean(defaults or {})
    if errors:
        raise ValidationFailed(_("Check the values applied to every row."), errors=errors)
    parsed = import_file_parse(name=filename, content=content)
    return LeadImport.objects.create(
        uploaded_by=actor, filename=filename[-255:], file_type=parsed.file_type, encoding=parsed.encoding,
        language=language[:10], headers=parsed.headers, rows=[[number, cells] for number, cells in parsed.rows],
        mapping=mapping_suggest(parsed.headers), defaults=cleaned_defaults, total_rows=len(parsed.rows),
        created_at=now,
    )  # fmt: skip


def lead_import_map(
    *, lead_import: LeadImport, mapping: Sequence[str], defaults: Mapping[str, Any] | None = None
) -> LeadImport:
    """Save the column mapping and the defaults; only before the import starts. Errors name the column
    (`column_<index>`), the default's field, or `mapping` for the whole."""
    if lead_import.status not in EDITABLE:
        raise Conflict(_("This import has already started; its columns can no longer change."))
    cleaned_defaults, errors = import_defaults_clean(defaults or {})
    errors.update(mapping_errors(lead_import.headers, mapping))
    if errors:
        raise ValidationFailed(_("Check the column mapping."), errors=errors)
    saved = LeadImport.objects.filter(pk=lead_import.pk, status__in=EDITABLE).update(
        mapping=list(mapping), defaults=cleaned_defaults, status=ImportStatus.MAPPED
    )
    if not saved:
        raise Conflict(_("This import has already started; its columns can no longer change."))
    lead_import.mapping, lead_import.defaults, lead_import.status = list(mapping), cleaned_defaults, ImportStatus.MAPPED
    return lead_import


def import_defaults_clean(defaults: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Values every row gets where its own cell is empty: an existing channel and campaign, by slug."""
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, value in defaults.items():
        if name not in DEFAULT_FIELDS:
            errors[name] = [_("This field can't have a default.")]
        elif value:
            model = Channel if name == "source_channel" else Campaign
            if not model._default_manager.filter(slug=str(value)).exists():
                errors[name] = [_("No such %(what)s: “%(slug)s”.") % {"what": model._meta.verbose_name, "slug": value}]
            else:
                cleaned[name] = str(value)
    return cleaned, errors
