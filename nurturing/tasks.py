"""Nurturing Celery tasks: thin, call a service with `now`.

Beat fires `nurture_tick_task` every minute (settings.CELERY_BEAT_SCHEDULE). Timers are rows scanned by the
tick, never long-countdown tasks.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from nurturing.services.tick import nurture_tick


@shared_task(name="nurturing.tasks.nurture_tick_task", ignore_result=True, acks_late=True)
def nurture_tick_task() -> int:
    """Idempotent for a given `now` and safe on several workers at once (see nurture_tick)."""
    return nurture_tick(now=timezone.now()).processed


@shared_task(name="nurturing.tasks.sequences_on_leads_created_task", ignore_result=True, acks_late=True)
def sequences_on_leads_created_task(lead_ids: list[int], at: str) -> None:
    """Lead-created enrolment of a big batch, off the request that wrote it. Idempotent: a lead is in at most
    one active sequence per track, so a redelivered task enrols nobody twice."""
    from nurturing.services.triggers import sequences_on_leads_created

    sequences_on_leads_created(lead_ids=lead_ids, at=dt.datetime.fromisoformat(at))
