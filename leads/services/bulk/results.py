"""Per-row outcome of a bulk request, and the errors that reject a whole batch."""

from __future__ import annotations

from collections.abc import Sized
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import status

from leadflow.errors import ApplicationError, ValidationFailed

CREATED, UPDATED, FAILED, DUPLICATE = "created", "updated", "failed", "duplicate"


@dataclass
class RowResult:
    index: int
    status: str
    id: int | None = None
    errors: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "status": self.status, "errors": self.errors}


@dataclass
class BulkResult:
    rows: list[RowResult]

    def count(self, status_name: str) -> int:
        return sum(1 for row in self.rows if row.status == status_name)

    def as_dict(self, statuses: tuple[str, ...]) -> dict[str, Any]:
        counts: dict[str, Any] = {name: self.count(name) for name in statuses}
        return {**counts, "results": [row.as_dict() for row in self.rows]}


class BatchTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    title = gettext_lazy("Batch too large")
    type_slug = "batch-too-large"


class BatchRejected(ValidationFailed):
    """An atomic batch with at least one bad row: nothing was saved; `errors` maps row index to field errors."""

    def __init__(self, failures: list[RowResult]) -> None:
        message = _("%(count)d record(s) are invalid; nothing was saved.") % {"count": len(failures)}
        super().__init__(message, errors={"records": {str(row.index): row.errors for row in failures}})  # type: ignore[dict-item]
        self.failures = failures


def batch_check(records: Any, *, limit: int) -> list[Any]:
    """The `records` list of a bulk body: a list, at most `limit` long (413 naming the limit otherwise)."""
    if not isinstance(records, list):
        message = _("Expected a list of records.")
        raise ValidationFailed(message, errors={"records": [message]})
    if isinstance(records, Sized) and len(records) > limit:
        raise BatchTooLarge(
            _("A batch holds at most %(limit)d records; this one has %(count)d. Split it into smaller batches.")
            % {"limit": limit, "count": len(records)},
            errors={"records": [_("At most %(limit)d records per request.") % {"limit": limit}]},
        )
    return records
