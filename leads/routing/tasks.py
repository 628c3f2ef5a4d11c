"""Routing tasks: thin, take lead ids, call the service with `now`."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from leads.routing.services import leads_route_new, leads_route_unrouted


@shared_task(name="leads.routing.tasks.leads_route_task", ignore_result=True, acks_late=True)
def leads_route_task(lead_ids: list[int], side: str | None = None) -> None:
    """Idempotent: an owned lead is left alone, so a redelivered task assigns nobody twice."""
    leads_route_new(lead_ids=lead_ids, now=timezone.now(), side=side)


@shared_task(name="leads.routing.tasks.leads_route_unrouted_task", ignore_result=True)
def leads_route_unrouted_task() -> None:
    """The catch-up for leads whose routing task was never queued (broker outage)."""
    leads_route_unrouted(now=timezone.now())
