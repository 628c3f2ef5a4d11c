"""CSV export of a lead list: every row the filtered list holds (all pages), streamed.

One query however many rows: related names are joined into a `values_list` read with `.iterator()`, so memory
stays flat and no row costs a query of its own. The file starts with a UTF-8 byte-order mark, without which
Excel reads it as the local code page and garbles Chinese.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from leads.choices import Stage, Temperature
from leads.models import Lead

BOM = "\ufeff"
CHUNK_SIZE = 2000
# A cell starting with one of these is a formula to a spreadsheet; a quote makes it text (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADERS = (
    pgettext_lazy("csv column", "ID"),
    pgettext_lazy("csv column", "Created"),
    pgettext_lazy("csv column", "Updated"),
    pgettext_lazy("csv column", "Stage"),
    pgettext_lazy("csv column", "Stage changed"),
    pgettext_lazy("csv column", "Temperature"),
    pgettext_lazy("csv column", "Grade"),
    pgettext_lazy("csv column", "Fit score"),
    pgettext_lazy("csv column", "Engagement score"),
    pgettext_lazy("csv column", "Last name"),
    pgettext_lazy("csv column", "First name"),
    pgettext_lazy("csv column", "Email"),
    pgettext_lazy("csv column", "Phone"),
    pgettext_lazy("csv column", "Company"),
    pgettext_lazy("csv column", "Job title"),
    pgettext_lazy("csv column", "Industry"),
    pgettext_lazy("csv column", "Region"),
    pgettext_lazy("csv column", "Channel"),
    pgettext_lazy("csv column", "Campaign"),
    pgettext_lazy("csv column", "Account"),
    pgettext_lazy("csv column", "SDR owner"),
    pgettext_lazy("csv column", "Sales owner"),
)
FIELDS = (
    "id", "created_at", "updated_at", "stage", "stage_changed_at", "temperature", "grade", "fit_score",
    "engagement_score", "last_name", "first_name", "email", "phone", "company", "title", "industry", "region",
    "source_channel__name", "campaign__name", "account__name",
    "owner_sdr__first_name", "owner_sdr__last_name", "owner_sdr__username",
    "owner_sales__first_name", "owner_sales__last_name", "owner_sales__username",
)  # fmt: skip


class _Echo:
    """csv.writer writes into a file; this one hands each line back so it can be streamed."""

    def write(self, value: str) -> str:
        return value


def lead_export_filename(*, now: datetime | None = None) -> str:
    return f"leads-{timezone.localdate(now):%Y-%m-%d}.csv"


def lead_export_csv(*, leads: QuerySet[Lead], tz: tzinfo) -> Iterator[str]:
    """The CSV lines (BOM and translated header first) for `leads`, already filtered and ordered.

    Headers and labels are translated now, in the request's language; the rows are read lazily while the
    response streams.
    """
    writer = csv.writer(_Echo())
    header = writer.writerow([str(title) for title in HEADERS])
    labels = {value: str(label) for value, label in [*Stage.choices, *Temperature.choices]}
    rows = leads.values_list(*FIELDS, named=True).iterator(chunk_size=CHUNK_SIZE)
    return _lines(writer, BOM + header, rows, labels, tz)


def _lines(writer: Any, first: str, rows: Iterator[Any], labels: dict[str, str], tz: tzinfo) -> Iterator[str]:
    yield first
    for row in rows:
        yield writer.writerow(_cells(row, labels, tz))


def _cells(row: Any, labels: dict[str, str], tz: tzinfo) -> list[Any]:
    return [
        row.id, _when(row.created_at, tz), _when(row.updated_at, tz), labels.get(row.stage, row.stage),
        _when(row.stage_changed_at, tz), labels.get(row.temperature, row.temperature), row.grade, row.fit_score,
        row.engagement_score, *(spreadsheet_safe(value) for value in (
            row.last_name, row.first_name, row.email, row.phone, row.company, row.title, row.industry, row.region,
            row.source_channel__name, row.campaign__name, row.account__name,
        )),
        spreadsheet_safe(_person(row.owner_sdr__first_name, row.owner_sdr__last_name, row.owner_sdr__username)),
        spreadsheet_safe(_person(row.owner_sales__first_name, row.owner_sales__last_name, row.owner_sales__username)),
    ]  # fmt: skip


def _when(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _person(first: str | None, last: str | None, username: str | None) -> str:
    """As `leadflow_tags.person`, from joined columns: Chinese names family name first, else the username."""
    first, last = (first or "").strip(), (last or "").strip()
    if any("\u4e00" <= char <= "\u9fff" for char in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip() or (username or "")


def spreadsheet_safe(value: str | None) -> str:
    """The text of a cell, quoted where a spreadsheet would run it as a formula (a phone number is left alone)."""
    if not value:
        return ""
    is_number = value[0] in "+-" and value[1:].replace(" ", "").isdigit()  # "+8613900001111" stays a phone
    return f"'{value}" if value.startswith(FORMULA_STARTS) and not is_number else value
