"""Running an import: queued on commit, claimed by one worker, written in chunks through `leads_bulk_upsert`.

Each chunk commits on its own: its leads, one LeadImportRow per row (the lead, or the errors) and the import's
counters, in one transaction, so the progress page (another connection) sees exactly what is saved, and a run
that stops keeps every chunk before it. The counter update is a compare-and-set on `processed_rows`: a second
runner of the same import (a redelivered task) loses the race, rolls its chunk back and stops.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leadflow.errors import ApplicationError, Conflict, ValidationFailed
from leads.choices import ImportRowStatus, ImportStatus
from leads.models import LeadImport, LeadImportRow
from leads.services.bulk import leads_bulk_upsert
from leads.services.bulk.results import CREATED, FAILED, UPDATED
from leads.services.imports.mapping import mapping_errors
from leads.services.imports.preview import import_builder

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1_000
STALL_AFTER = dt.timedelta(minutes=10)  # a running import whose counters stood still this long lost its worker
ACTIVE = (ImportStatus.QUEUED, ImportStatus.RUNNING)


class RunTakenOver(Exception):
    """Another runner committed this chunk first, or the import was cancelled: stop without writing."""


def _stalled() -> Q:
    """Progress timestamps are wall-clock time (not the run's `now`), and so is this check."""
    return Q(status=ImportStatus.RUNNING, updated_at__lt=timezone.now() - STALL_AFTER)


def lead_import_is_stalled(lead_import: LeadImport, *, now: dt.datetime) -> bool:
    return lead_import.status == ImportStatus.RUNNING and lead_import.updated_at < now - STALL_AFTER


def lead_import_start(*, lead_import: LeadImport) -> LeadImport:
    """Queue a mapped import; the task is sent when this transaction commits. Rows that fail are skipped and
    reported, so an import with bad rows may start."""
    errors = mapping_errors(lead_import.headers, lead_import.mapping)
    if errors:
        raise ValidationFailed(_("Check the column mapping."), errors=errors)
    _queue(lead_import, Q(status=ImportStatus.MAPPED), refused=_("This import has already been started."))
    return lead_import


def lead_import_resume(*, lead_import: LeadImport) -> LeadImport:
    """Queue a stopped import again (failed, cancelled, or running with a lost worker); the run goes on after
    the last chunk it committed."""
    _queue(lead_import, Q(status=ImportStatus.FAILED) | _stalled(), refused=_("Only a stopped import can be resumed."))
    return lead_import


def lead_import_cancel(*, lead_import: LeadImport, actor: Any, now: dt.datetime) -> LeadImport:
    """Stop a queued or running import after the chunk in progress; what was committed stays. Resumable."""
    message = _("Cancelled by %(user)s.") % {"user": actor.get_full_name() or actor.get_username()}
    cancelled = LeadImport.objects.filter(pk=lead_import.pk, status__in=ACTIVE).update(
        status=ImportStatus.FAILED, error=message, finished_at=now, updated_at=timezone.now()
    )
    if not cancelled:
        raise Conflict(_("This import is not running."))
    lead_import.refresh_from_db()
    return lead_import


def _queue(lead_import: LeadImport, allowed: Q, *, refused: str) -> None:
    with transaction.atomic():
        queued = LeadImport.objects.filter(allowed, pk=lead_import.pk).update(
            status=ImportStatus.QUEUED, error="", finished_at=None, updated_at=timezone.now()
        )
        if not queued:
            raise Conflict(refused)
        import_id = lead_import.pk
        transaction.on_commit(lambda: _send_run_task(import_id))
    lead_import.refresh_from_db()


def _send_run_task(import_id: int) -> None:
    from leads.tasks import lead_import_run_task  # tasks import the services

    try:
        lead_import_run_task.delay(import_id)
    except Exception:  # a broker outage must not fail the request that already committed; the user can resume
        logger.exception("imports: could not queue import %s", import_id)
        LeadImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).update(
            status=ImportStatus.FAILED, error=_("The import could not be queued; resume it in a moment."),
            updated_at=timezone.now(),
        )  # fmt: skip


def lead_import_run(*, import_id: int, now: dt.datetime, chunk_size: int = CHUNK_SIZE) -> bool:
    """Run a queued import to the end; True if this call ran it.

    Idempotent: the import is claimed with a compare-and-set (queued, or running with a lost worker), so a second
    delivery of the task finds it claimed and does nothing. Any error stops the import with a reason shown to the
    user (status failed, resumable) instead of leaving it running. History is written at `now`.
    """
    claimed = LeadImport.objects.filter(Q(status=ImportStatus.QUEUED) | _stalled(), pk=import_id).update(
        status=ImportStatus.RUNNING, started_at=Coalesce(F("started_at"), now), error="", updated_at=timezone.now()
    )
    if not claimed:
        return False
    lead_import = LeadImport.objects.select_related("uploaded_by").get(pk=import_id)
    with translation.override(lead_import.language or None):
        try:
            _run_chunks(lead_import, now=now, chunk_size=chunk_size)
        except RunTakenOver:
            return True
        except Exception as error:  # whatever stopped it, the import must not stay "running" forever
            logger.exception("imports: import %s stopped", import_id)
            _stop(lead_import, error)
            return True
        _finish(lead_import)
    return True


def _run_chunks(lead_import: LeadImport, *, now: dt.datetime, chunk_size: int) -> None:
    builder = import_builder(lead_import)
    keys = builder.attribute_keys
    rows = lead_import.rows
    for start in range(lead_import.processed_rows, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        records = [builder.build(cells, keys) for _number, cells in chunk]
        with transaction.atomic():
            result = leads_bulk_upsert(records=records, atomic=False, actor=lead_import.uploaded_by,
                                       actor_label=f"import:{lead_import.pk}", now=now)  # fmt: skip
            outcomes = [
                LeadImportRow(lead_import_id=lead_import.pk, row_number=number, status=ImportRowStatus(row.status),
                              lead_id=row.id, errors=row.errors)
                for (number, _cells), row in zip(chunk, result.rows, strict=True)
            ]  # fmt: skip
            LeadImportRow.objects.bulk_create(outcomes)
            counts = Counter(row.status for row in result.rows)
            advanced = LeadImport.objects.filter(
                pk=lead_import.pk, status=ImportStatus.RUNNING, processed_rows=start
            ).update(
                processed_rows=start + len(chunk), created_count=F("created_count") + counts[CREATED],
                updated_count=F("updated_count") + counts[UPDATED], failed_count=F("failed_count") + counts[FAILED],
                updated_at=timezone.now(),
            )  # fmt: skip
            if not advanced:
                raise RunTakenOver


def _finish(lead_import: LeadImport) -> None:
    """Done: only the failed rows' cells are kept, for the error report."""
    failed = set(
        LeadImportRow.objects.filter(lead_import=lead_import, status=ImportRowStatus.FAILED).values_list(
            "row_number", flat=True
        )
    )
    kept = [row for row in lead_import.rows if row[0] in failed]
    LeadImport.objects.filter(pk=lead_import.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE, rows=kept, finished_at=timezone.now(), updated_at=timezone.now()
    )


def _stop(lead_import: LeadImport, error: Exception) -> None:
    processed = LeadImport.objects.values_list("processed_rows", flat=True).get(pk=lead_import.pk)
    reason = error.message if isinstance(error, ApplicationError) else _("An unexpected error stopped the import.")
    message = _("%(reason)s %(done)d of %(total)d rows were processed and are saved; resume to continue.") % {
        "reason": reason, "done": processed, "total": lead_import.total_rows,
    }  # fmt: skip
    LeadImport.objects.filter(pk=lead_import.pk, status=ImportStatus.RUNNING).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now(), updated_at=timezone.now()
    )
