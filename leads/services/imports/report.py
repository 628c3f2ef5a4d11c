"""The error report of an import: the rows that failed, as they were in the file, with why.

CSV with a UTF-8 byte-order mark (without it Excel reads Chinese as the local code page): a "Row" column first,
the file's own columns, then "Errors". Fix the cells, delete the two extra columns or leave them unmapped, and
upload the file again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from django.utils.translation import pgettext

from leads.choices import ImportRowStatus
from leads.exports import BOM, CHUNK_SIZE, spreadsheet_safe
from leads.models import LeadImport, LeadImportRow
from leads.services.imports.preview import import_builder, problems_describe


class _Echo:
    def write(self, value: str) -> str:
        return value


def lead_import_error_report_filename(lead_import: LeadImport) -> str:
    return f"{PurePath(lead_import.filename).stem or 'import'}-errors.csv"


def lead_import_error_report(*, lead_import: LeadImport) -> Iterator[str]:
    """The report's lines; the header is translated now, in the caller's language."""
    writer = csv.writer(_Echo())
    header = [pgettext("csv column", "Row"), *lead_import.headers, pgettext("csv column", "Errors")]
    failed = (
        LeadImportRow.objects.filter(lead_import=lead_import, status=ImportRowStatus.FAILED)
        .order_by("row_number")
        .values_list("row_number", "errors")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return _lines(writer, BOM + writer.writerow(header), lead_import, failed)


def _lines(writer: Any, first: str, lead_import: LeadImport, failed: Iterator[Any]) -> Iterator[str]:
    yield first
    builder = import_builder(lead_import)
    cells_of = {number: cells for number, cells in lead_import.rows}
    blank = [""] * len(lead_import.headers)
    for number, errors in failed:
        problems = "; ".join(str(problem) for problem in problems_describe(errors, builder))
        cells = [spreadsheet_safe(cell) for cell in cells_of.get(number, blank)]
        yield writer.writerow([number, *cells, spreadsheet_safe(problems)])
