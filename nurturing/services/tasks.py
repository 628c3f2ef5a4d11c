"""SDR tasks: create (by a person, a sequence step or a rule), complete, and remind once when overdue.

`task_create` is the stable entry point the sequences engine's `create_task` step calls; pass `key` (e.g.
``f"step:{execution.pk}"``) and a repeated call returns the first task instead of creating another.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from leadflow.errors import Conflict, ValidationFailed
from leads.models import Lead
from leads.routing.models import Notification
from leads.routing.selectors import user_language
from leads.signals import lead_activity_logged
from nurturing.models import SdrTask, TaskKind, TaskOutcome, TaskSource
from nurturing.services.claims import compiled_rows

NOTIFICATION_KIND = "task_overdue"
# What completing a task tells the SLA clocks (lead_activity_logged `kind`): a call was made, an email sent...
ACTIVITY_KIND = {TaskKind.CALL: "call", TaskKind.FOLLOW_UP: "call", TaskKind.EMAIL: "email",
                 TaskKind.MEETING: "meeting", TaskKind.WECHAT: "wecom_message", TaskKind.OTHER: "note"}  # fmt: skip
NOT_WORK = frozenset({TaskOutcome.CANCELLED})


def task_create(
    *, lead: Lead, kind: str = TaskKind.CALL, due_at: dt.datetime, assignee: Any = None, title: str = "",
    note: str = "", source: str = TaskSource.USER, source_ref: str = "", created_by: Any = None,
    key: str | None = None,
) -> SdrTask:  # fmt: skip
    """Create a task on `lead` (assignee: given, else the lead's SDR owner, else its sales owner).

    Idempotent with `key`: the task created first under that key is returned unchanged.
    """
    errors: dict[str, list[str]] = {}
    if kind not in TaskKind.values:
        errors["kind"] = [gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(TaskKind.values)}]
    if source not in TaskSource.values:
        errors["source"] = [gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(TaskSource.values)}]
    if errors:
        raise ValidationFailed(gettext("The task is not valid."), errors=errors)
    if key:
        existing = SdrTask.objects.filter(key=key).first()
        if existing is not None:
            return existing
    assignee_id = assignee.pk if assignee is not None else (lead.owner_sdr_id or lead.owner_sales_id)
    try:
        with transaction.atomic():
            return SdrTask.objects.create(
                lead=lead, kind=kind, due_at=due_at, assignee_id=assignee_id, title=title[:200], note=note,
                source=source, source_ref=source_ref[:120], created_by=created_by, key=key or None,
            )  # fmt: skip
    except IntegrityError:
        if key:  # a concurrent call with the same key won
            return SdrTask.objects.get(key=key)
        raise


def task_complete(*, task: SdrTask, outcome: str, note: str = "", actor: Any = None,
                  at: dt.datetime | None = None) -> SdrTask:  # fmt: skip
    """Mark the task done with an outcome. Compare-and-set: completing a done task is a Conflict (409).

    A completed call, email or meeting is logged work on the lead: `lead_activity_logged` is sent on commit,
    which meets the lead's first-touch and follow-up clocks. A cancelled task is not work.
    """
    at = at or timezone.now()
    if outcome not in TaskOutcome.values:
        message = gettext("Choose one of: %(choices)s.") % {"choices": ", ".join(TaskOutcome.values)}
        raise ValidationFailed(message, errors={"outcome": [message]})
    with transaction.atomic():
        fields: dict[str, Any] = {"done_at": at, "outcome": outcome, "completed_by": actor}
        if note.strip():
            fields["note"] = f"{task.note}\n{note}".strip() if task.note else note
        if not SdrTask.objects.filter(pk=task.pk, done_at__isnull=True).update(**fields):
            raise Conflict(gettext("This task was already completed."))
        task.refresh_from_db()
        if outcome not in NOT_WORK:
            lead_id, actor_id, kind = task.lead_id, getattr(actor, "pk", None), ACTIVITY_KIND[TaskKind(task.kind)]
            transaction.on_commit(lambda: lead_activity_logged.send(
                sender=SdrTask, lead_id=lead_id, actor_id=actor_id, kind=kind, outcome=outcome, at=at))
    return task


def tasks_overdue_claim(*, now: dt.datetime, limit: int) -> list[int]:
    """Ids of open, unreminded tasks due at `now`, locked with SKIP LOCKED (partial index
    `sdrtask_due_unreminded`); the rows are loaded afterwards, as the work. SQL compiled once."""
    return compiled_rows(("tasks_overdue", limit), lambda now: _overdue_query(now=now, limit=limit), now=now)


def _overdue_query(*, now: dt.datetime, limit: int) -> QuerySet[SdrTask, int]:
    return SdrTask.objects.filter(done_at__isnull=True, overdue_notified_at__isnull=True, due_at__lte=now) \
        .order_by("due_at", "id").select_for_update(skip_locked=True, of=("self",)) \
        .values_list("pk", flat=True)[:limit]


def tasks_overdue_notify(*, now: dt.datetime, limit: int) -> int:
    """Tick sweep: one reminder per overdue open task (claimed with SKIP LOCKED, marked in the same
    transaction). Returns how many reminders it sent. A second run for the same `now` finds none."""
    with transaction.atomic():
        ids = tasks_overdue_claim(now=now, limit=limit)
        claimed = SdrTask.objects.filter(pk__in=ids).select_related("lead", "assignee").order_by("due_at", "id")
        sent = 0
        for task in claimed:
            if not SdrTask.objects.filter(pk=task.pk, overdue_notified_at__isnull=True).update(overdue_notified_at=now):
                continue
            sent += 1
            if task.assignee is not None:
                _remind(task, now=now)
    return sent


def _remind(task: SdrTask, *, now: dt.datetime) -> None:
    assert task.assignee is not None
    with translation.override(user_language(user=task.assignee)):
        message = gettext("Task overdue: %(kind)s on lead %(lead)s.") % {
            "kind": task.get_kind_display(), "lead": task.lead.display_name,
        }  # fmt: skip
    Notification.objects.create(user=task.assignee, lead=task.lead, kind=NOTIFICATION_KIND, message=message[:500],
                                created_at=now)  # fmt: skip
