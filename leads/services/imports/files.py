"""Reading an uploaded spreadsheet into a header row and data rows of text cells.

CSV: UTF-8 (with or without a byte-order mark), UTF-16 with a BOM (Excel's "Unicode text"), and GB18030, a
superset of GBK, which is what Excel on a Chinese Windows writes for "CSV"; comma, semicolon or tab, whichever
splits the header into the most columns. XLSX: the first sheet, read-only, numbers turned into the text a person
typed (a phone stored as a number stays "13800138000", never "1.38e10").

Every refusal is a ValidationFailed naming the field "file".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.choices import ImportFileType

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_BLANK_RUN = 1_000  # a sheet formatted down to row 1,048,576 ends at the first long run of empty rows
DELIMITERS = (",", ";", "\t")
CSV_EXTENSIONS = (".csv", ".txt", ".tsv")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls), or an encrypted workbook
# Our own CSV exports quote cells that a spreadsheet would run as formulas; an import takes the quote off again.
FORMULA_STARTS = ("=", "+", "-", "@")

Row = tuple[int, list[str]]  # (row number as the spreadsheet shows it, header = 1; the cells)


@dataclass(frozen=True)
class ParsedFile:
    file_type: str
    encoding: str
    headers: list[str]
    rows: list[Row]


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, errors={"file": [message]})


def import_file_parse(*, name: str, content: bytes) -> ParsedFile:
    """The header and the non-blank data rows of a CSV or XLSX file, every cell as stripped text."""
    if not content:
        raise refuse(_("The file is empty."))
    if len(content) > MAX_FILE_BYTES:
        raise refuse(_("The file is larger than %(size)d MB; split it into smaller files.")
                     % {"size": MAX_FILE_BYTES // (1024 * 1024)})  # fmt: skip
    file_type = _file_type(name, content)
    if file_type == ImportFileType.XLSX:
        encoding, records = "", _xlsx_records(content)
    else:
        encoding, text = _decode(content)
        records = _csv_records(text)
    headers, rows = _table(records)
    return ParsedFile(file_type=file_type, encoding=encoding, headers=headers, rows=rows)


def _file_type(name: str, content: bytes) -> str:
    lower = name.lower()
    if content.startswith(OLE_MAGIC) or lower.endswith(".xls"):
        raise refuse(_("Old Excel files (.xls) and password-protected workbooks can't be read; "
                       "save it as .xlsx or CSV (UTF-8) and upload that."))  # fmt: skip
    if content.startswith(ZIP_MAGIC):
        if lower.endswith(CSV_EXTENSIONS):
            raise refuse(_("This file is a compressed archive, not a CSV file."))
        return ImportFileType.XLSX
    if lower.endswith(XLSX_EXTENSIONS):
        raise refuse(_("This file is not a valid Excel workbook."))
    if lower.endswith(CSV_EXTENSIONS) or "." not in lower.rsplit("/", 1)[-1]:
        return ImportFileType.CSV
    raise refuse(_("Unsupported file type; upload a CSV file (.csv) or an Excel workbook (.xlsx)."))


def _decode(content: bytes) -> tuple[str, str]:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return "utf-16", content.decode("utf-16")
        except UnicodeDecodeError:
            raise refuse(_("The file could not be read as text.")) from None
    if b"\x00" in content:
        raise refuse(_("The file could not be read as text; upload a CSV file (.csv) or an Excel workbook (.xlsx)."))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return ("utf-8" if encoding == "utf-8-sig" else encoding), content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse(_("The file's text encoding is not UTF-8 or GBK; save it as “CSV UTF-8” and upload it again."))


def _csv_records(text: str) -> Iterator[list[Any]]:
    first_line = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = max(DELIMITERS, key=lambda candidate: len(next(csv.reader([first_line], delimiter=candidate))))
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as error:
        raise refuse(_("The CSV file is malformed: %(error)s") % {"error": error}) from None


def _xlsx_records(content: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook  # only imports that read a workbook pay for it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        raise refuse(_("This file is not a valid Excel workbook.")) from None
    try:
        if not workbook.worksheets:
            raise refuse(_("The workbook has no sheet."))
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _table(records: Iterable[list[Any]]) -> tuple[list[str], list[Row]]:
    """First non-blank record = header; then every non-blank record, numbered as the spreadsheet shows it."""
    headers: list[str] | None = None
    rows: list[Row] = []
    blank_run = 0
    for number, record in enumerate(records, start=1):
        cells = [cell_text(value) for value in record]
        if not any(cells):
            blank_run += 1
            if blank_run > MAX_BLANK_RUN and headers is not None:
                break
            continue
        blank_run = 0
        if headers is None:
            headers = _headers(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise refuse(_("The file has more than %(limit)d rows; split it into smaller files.") % {"limit": MAX_ROWS})
        rows.append((number, (cells + [""] * len(headers))[: len(headers)]))
    if headers is None:
        raise refuse(_("The file has no header row: the first row must name the columns."))
    if not rows:
        raise refuse(_("The file has a header row but no data rows."))
    return headers, rows


def _headers(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise refuse(_("The file has more than %(limit)d columns.") % {"limit": MAX_COLUMNS})
    return [cell or _("Column %(letter)s") % {"letter": column_letter(index)} for index, cell in enumerate(cells)]


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as a spreadsheet labels it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def cell_text(value: Any) -> str:
    """A cell as the text a person typed into it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def _number_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")
