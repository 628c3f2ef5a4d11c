"""Celery tasks of the leads app: thin, take ids or nothing, call a service with `now`."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from leadflow.idempotency import idempotency_records_purge
from leads.services.changes import changes_positions_assign
from leads.services.imports import lead_import_run
from leads.services.webhooks import webhook_deliveries_sweep, webhook_delivery_attempt


@shared_task(name="leads.tasks.webhook_deliver_task", ignore_result=True, acks_late=True)
def webhook_deliver_task(delivery_ids: list[int]) -> None:
    """First attempt of fresh outbox rows. Not retried by Celery: a failure schedules the next attempt in
    the row itself, and the sweep makes it."""
    for delivery_id in delivery_ids:
        webhook_delivery_attempt(delivery_id=delivery_id, now=timezone.now())


@shared_task(name="leads.tasks.webhook_deliveries_sweep_task", ignore_result=True)
def webhook_deliveries_sweep_task() -> None:
    webhook_deliveries_sweep(now=timezone.now())


@shared_task(name="leads.tasks.changes_positions_assign_task", ignore_result=True)
def changes_positions_assign_task() -> None:
    changes_positions_assign()


@shared_task(name="leads.tasks.idempotency_records_purge_task", ignore_result=True)
def idempotency_records_purge_task() -> None:
    idempotency_records_purge(now=timezone.now())


@shared_task(name="leads.tasks.lead_import_run_task", ignore_result=True, acks_late=True)
def lead_import_run_task(import_id: int) -> None:
    """Not retried by Celery: a run that stops records why, and the user resumes it from the last chunk."""
    lead_import_run(import_id=import_id, now=timezone.now())


@shared_task(name="leads.tasks.rescore_run_task", ignore_result=True, acks_late=True)
def rescore_run_task(run_id: int) -> None:
    """Not retried by Celery: a stopped run keeps its last chunk and is resumed from the rule-set page."""
    from leads.qualification.services import qualification_rules_apply_all
    from leads.scoring.models import RescoreStatus
    from leads.scoring.services import rescore_run_execute

    run = rescore_run_execute(run_id=run_id)
    if run.status == RescoreStatus.DONE:  # new scores may meet qualification rules anywhere in the pool
        qualification_rules_apply_all(now=timezone.now())


@shared_task(name="leads.tasks.leads_scores_refresh_task", ignore_result=True)
def leads_scores_refresh_task(lead_ids: list[int]) -> None:
    from leads.scoring.services import leads_scores_refresh

    leads_scores_refresh(lead_ids=lead_ids, now=timezone.now())


@shared_task(name="leads.tasks.leads_qualify_task", ignore_result=True)
def leads_qualify_task(lead_ids: list[int]) -> None:
    """Qualification rules and rule tags for leads something just happened to. Idempotent: a rule acts only on
    leads it has not moved yet and a tag sync only changes what is out of step, so a redelivery does nothing."""
    from leads.qualification.services import leads_qualify
    from leads.services.tags import tags_rules_sync

    now = timezone.now()
    leads_qualify(lead_ids=lead_ids, now=now)
    tags_rules_sync(lead_ids=lead_ids, now=now)


@shared_task(name="leads.tasks.tags_rules_sync_task", ignore_result=True)
def tags_rules_sync_task() -> None:
    """Every rule tag over the whole pool: event windows move with time even when nothing happens to a lead."""
    from leads.services.tags import tags_rules_sync

    tags_rules_sync(now=timezone.now())


@shared_task(name="leads.tasks.scores_nightly_task", ignore_result=True)
def scores_nightly_task() -> None:
    from leads.scoring.services import scores_nightly

    scores_nightly(now=timezone.now())
