"""Bulk ingest at COPY speed: set-based lead upsert, lean row validation, batch look-ups and raw SQL helpers."""

from leads.services.bulk.leads import MAX_LEAD_RECORDS, leads_bulk_upsert
from leads.services.bulk.results import BatchRejected, BatchTooLarge, BulkResult, RowResult, batch_check

__all__ = [
    "MAX_LEAD_RECORDS",
    "BatchRejected",
    "BatchTooLarge",
    "BulkResult",
    "RowResult",
    "batch_check",
    "leads_bulk_upsert",
]
