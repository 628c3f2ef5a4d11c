"""Nurturing Celery tasks: thin, call a service with `now`.

Beat fires `nurture_tick_task` every minute (settings.CELERY_BEAT_SCHEDULE). Timers are rows scanned by the
tick, never long-countdown tasks.
"""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from nurturing.services.tick import nurture_tick


@shared_task(name="nurturing.tasks.nurture_tick_task", ignore_result=True, acks_late=True)
def nurture_tick_task() -> int:
    """Idempotent for a given `now` and safe on several workers at once (see nurture_tick)."""
    return nurture_tick(now=timezone.now()).processed
