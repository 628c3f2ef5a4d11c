"""What an import will do, before it runs: every row built and checked by `lead_row_clean`, the check the bulk
upsert itself makes, so the rows the preview calls bad are exactly the rows the run will refuse.

Also counted: rows that match a lead already in LeadFlow (they update it) and rows that share an email, phone or
external ID with an earlier row of the file (the upsert merges them into one lead).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from leads.models import Identity, Lead, LeadImport
from leads.services.bulk.clean import lead_row_clean
from leads.services.imports.mapping import TARGET_LABELS, RecordBuilder

PREVIEW_FAILURES = 100
PREVIEW_SAMPLES = 5
PREVIEW_DUPLICATES = 10
Pair = tuple[str, str]


@dataclass(frozen=True)
class RowProblem:
    """One message of a row, with the fields (and the columns they came from) it is about."""

    fields: str
    message: str

    def __str__(self) -> str:
        return f"{self.fields}: {self.message}"


@dataclass(frozen=True)
class RowFailure:
    row: int
    cells: list[str]
    problems: list[RowProblem]


@dataclass(frozen=True)
class RowDuplicate:
    row: int
    first_row: int
    value: str


@dataclass
class ImportPreview:
    total: int = 0
    valid: int = 0
    invalid: int = 0
    new: int = 0
    existing: int = 0
    duplicates: int = 0
    failures: list[RowFailure] = field(default_factory=list)
    duplicate_examples: list[RowDuplicate] = field(default_factory=list)
    samples: list[list[tuple[str, str]]] = field(default_factory=list)


def import_builder(lead_import: LeadImport) -> RecordBuilder:
    return RecordBuilder(headers=lead_import.headers, mapping=lead_import.mapping, defaults=lead_import.defaults)


def lead_import_preview(*, lead_import: LeadImport, limit: int = PREVIEW_FAILURES) -> ImportPreview:
    """Counts for every row of the file; the first `limit` bad rows with their problems. Reads only."""
    builder = import_builder(lead_import)
    keys = builder.attribute_keys
    preview = ImportPreview(total=len(lead_import.rows))
    first_row: dict[Pair, int] = {}
    groups: list[list[Pair]] = []
    for number, cells in lead_import.rows:
        record = builder.build(cells, keys)
        data, errors = lead_row_clean(record)
        if errors:
            preview.invalid += 1
            if len(preview.failures) < limit:
                problems = problems_describe(errors, builder)
                preview.failures.append(RowFailure(row=number, cells=cells, problems=problems))
            continue
        preview.valid += 1
        if len(preview.samples) < PREVIEW_SAMPLES:
            preview.samples.append(_sample(data))
        pairs: list[Pair] = data["_identities"]
        earlier = next((pair for pair in pairs if pair in first_row), None)
        if earlier is not None:
            preview.duplicates += 1
            if len(preview.duplicate_examples) < PREVIEW_DUPLICATES:
                preview.duplicate_examples.append(RowDuplicate(row=number, first_row=first_row[earlier],
                                                               value=earlier[1]))  # fmt: skip
        else:
            groups.append(pairs)
        for pair in pairs:
            first_row.setdefault(pair, number)
    known = identities_known(first_row)
    preview.existing = sum(1 for pairs in groups if any(pair in known for pair in pairs))
    preview.new = len(groups) - preview.existing
    return preview


def identities_known(pairs: Iterable[Pair]) -> set[Pair]:
    """The pairs that some lead already carries, in chunks that stay under SQLite's parameter limit."""
    wanted = set(pairs)
    values = sorted({value for _kind, value in wanted})
    kinds = {kind for kind, _value in wanted}
    chunk = 20_000 if connection.vendor == "postgresql" else 900
    known: set[Pair] = set()
    for start in range(0, len(values), chunk):
        found = Identity.objects.filter(kind__in=kinds, value__in=values[start : start + chunk])
        known.update(pair for pair in found.values_list("kind", "value") if pair in wanted)
    return known


def _sample(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A clean row as label/value pairs (the lead's own field names), in the order of the mapping choices."""
    shown = []
    for target in TARGET_LABELS:
        value = data.get(target)
        if value not in (None, "", {}):
            shown.append((capfirst(str(getattr(Lead._meta.get_field(target), "verbose_name", target))), str(value)))
    for key, value in (data.get("attributes") or {}).items():
        shown.append((str(key), str(value)))
    return shown


def problems_describe(errors: Mapping[str, Any], builder: RecordBuilder) -> list[RowProblem]:
    """Field errors as the user reads them: the column (and the field it fills) in front of each message;
    fields with the same message ("at least one of email, phone or external ID") share one line."""
    by_message: dict[str, list[str]] = {}
    for name, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            labels = by_message.setdefault(str(message), [])
            label = _field_label(name, builder)
            if label not in labels:
                labels.append(label)
    return [RowProblem(fields=", ".join(labels), message=message) for message, labels in by_message.items()]


def _field_label(name: str, builder: RecordBuilder) -> str:
    label = str(TARGET_LABELS.get(name, _("Row") if name == "non_field_errors" else name))
    column = builder.column_of(name)
    if column is not None:
        return f"{column} ({label})" if column != label else column
    if builder.defaults.get(name):
        return _("%(field)s (default)") % {"field": label}
    return label


@dataclass(frozen=True)
class ColumnSummary:
    index: int
    header: str
    samples: list[str]
    filled: int  # rows with a value in this column


def import_columns(*, lead_import: LeadImport, samples: int = 3) -> list[ColumnSummary]:
    """Each column of the file with its first distinct values and how many rows fill it, for the mapping page."""
    values: list[list[str]] = [[] for _header in lead_import.headers]
    filled = [0] * len(lead_import.headers)
    for _number, cells in lead_import.rows:
        for index, value in enumerate(cells):
            if value:
                filled[index] += 1
                if len(values[index]) < samples and value not in values[index]:
                    values[index].append(value)
    return [ColumnSummary(index=index, header=header, samples=values[index], filled=filled[index])
            for index, header in enumerate(lead_import.headers)]  # fmt: skip
