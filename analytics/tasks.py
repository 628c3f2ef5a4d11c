"""Celery tasks of analytics: thin, call a service with `today`."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from analytics.refresh import analytics_panels_refresh


@shared_task(name="analytics.tasks.analytics_panels_refresh_task", ignore_result=True)
def analytics_panels_refresh_task() -> None:
    """Recompute the dashboard's common panels when the data changed since the last run (beat, every few
    minutes); a no-op probe otherwise. Not retried: the next beat tick runs it again."""
    analytics_panels_refresh(today=timezone.localdate())
