"""What a bulk write leaves behind besides the leads, collected as plain rows and written set-based at the end:
identities, LeadEvents, creation StageChanges, and the change feed with its webhook outbox.

Rows are tuples, not model instances: building 5,000 instances of each costs more than writing them.
The feed and the outbox are written in the caller's transaction, like `lead_change_record` does for one lead,
so a bulk change, its feed rows and its webhook events commit or roll back together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from leads.choices import Stage
from leads.models import ChangeKind, ChangeLog, LeadEvent, StageChange
from leads.services.bulk.sql import identities_insert, ids_reserve, rows_insert
from leads.services.webhooks import EVENT_FOR_CHANGE, webhook_events_enqueue

EVENT_FIELDS = ("lead_id", "kind", "data", "actor_id", "actor_label", "at")
STAGE_FIELDS = ("lead_id", "from_stage", "to_stage", "at", "actor_id", "actor_label", "reason", "note", "implied",
                "gates_bypassed", "recorded_at")  # fmt: skip
CHANGE_FIELDS = ("id", "lead_id", "kind", "data", "at", "recorded_at")


@dataclass
class History:
    actor_id: int | None
    actor_label: str
    now: dt.datetime
    identities: list[tuple[int, str, str]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    stage_changes: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[int, str, dict[str, Any], dt.datetime]] = field(default_factory=list)

    def event(self, lead_id: int, kind: str, data: dict[str, Any], *, label: str = "", at: Any = None) -> None:
        self.events.append((lead_id, str(kind), data, self.actor_id, label or self.actor_label, at or self.now))

    def change(self, lead_id: int, kind: ChangeKind, data: dict[str, Any], *, at: dt.datetime | None = None) -> None:
        """One feed entry, with the data `lead_change_record` gives the same change of one lead."""
        self.changes.append((lead_id, str(kind), data, at or self.now))

    def created(self, lead_id: int, *, at: dt.datetime, owner_sdr: int | None, owner_sales: int | None) -> None:
        """What lead_create records for a new lead: the first StageChange (its creation record) and the
        `created` feed change."""
        self.stage_changes.append((lead_id, "", str(Stage.LEAD), at, self.actor_id, self.actor_label, "", "", False,
                                   False, self.now))  # fmt: skip
        self.change(lead_id, ChangeKind.CREATED, {"stage": str(Stage.LEAD), "owner_sdr": owner_sdr,
                                                  "owner_sales": owner_sales}, at=at)  # fmt: skip

    def write(self) -> None:
        """Everything collected, a statement or two per table; the feed in the order the changes were made."""
        identities_insert(rows=self.identities, now=self.now)
        rows_insert(model=LeadEvent, fields=EVENT_FIELDS, rows=self.events)
        rows_insert(model=StageChange, fields=STAGE_FIELDS, rows=self.stage_changes)
        self._write_changes()

    def _write_changes(self) -> None:
        if not self.changes:
            return
        if connection.vendor == "postgresql":  # ids first, so COPY can write the rows and the outbox name them
            ids = ids_reserve(model=ChangeLog, count=len(self.changes))
            rows_insert(model=ChangeLog, fields=CHANGE_FIELDS,
                        rows=[(i, *change, self.now) for i, change in zip(ids, self.changes, strict=True)])  # fmt: skip
        else:
            saved = ChangeLog.objects.bulk_create(
                [ChangeLog(lead_id=lead_id, kind=kind, data=data, at=at, recorded_at=self.now)
                 for lead_id, kind, data, at in self.changes], batch_size=500,
            )  # fmt: skip
            ids = [row.pk for row in saved]
        events = []
        for change_id, (lead_id, kind, data, at) in zip(ids, self.changes, strict=True):
            event = EVENT_FOR_CHANGE.get(ChangeKind(kind))
            if event is not None:  # payload as leads.services.webhooks.webhook_events_for_changes builds it
                events.append((event, {"lead_id": lead_id, "change_id": change_id, "kind": kind, "changes": data,
                                       "at": at}))  # fmt: skip
        webhook_events_enqueue(events=events, now=self.now)

