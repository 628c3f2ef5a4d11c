"""Lead import from a spreadsheet in the browser: upload, map columns, preview, run through the bulk upsert,
report the rows that failed.

files: CSV / XLSX -> header and text rows; mapping: column -> lead field; uploads: create and map an import;
preview: what the run will do; run: queue, run in chunks, resume, cancel; report: the error CSV.
"""

from leads.services.imports.files import MAX_FILE_BYTES, MAX_ROWS, import_file_parse
from leads.services.imports.mapping import TARGET_LABELS, mapping_errors, mapping_suggest
from leads.services.imports.preview import ColumnSummary, ImportPreview, import_columns, lead_import_preview
from leads.services.imports.report import lead_import_error_report, lead_import_error_report_filename
from leads.services.imports.run import (
    lead_import_cancel,
    lead_import_is_stalled,
    lead_import_resume,
    lead_import_run,
    lead_import_start,
)
from leads.services.imports.uploads import lead_import_create, lead_import_map

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "TARGET_LABELS",
    "ColumnSummary",
    "ImportPreview",
    "import_columns",
    "import_file_parse",
    "lead_import_cancel",
    "lead_import_create",
    "lead_import_error_report",
    "lead_import_error_report_filename",
    "lead_import_is_stalled",
    "lead_import_map",
    "lead_import_preview",
    "lead_import_resume",
    "lead_import_run",
    "lead_import_start",
    "mapping_errors",
    "mapping_suggest",
]
