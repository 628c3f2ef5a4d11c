"""What the sequences engine does when `leads` says something happened (signals sent on commit, with ids).

Connected in `NurturingConfig.ready()`. Each receiver calls one service; they run after the lead's
transaction committed, so a failure is logged, never raised into the request that already succeeded (the
tick's scans still enrol silent and segment leads; a missed created/stage trigger is not replayed).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from leads import signals
from nurturing.services import triggers

logger = logging.getLogger(__name__)


def _at(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else timezone.now()


INLINE_BATCH = 50  # a form or a small import enrols at once; a bulk batch is enrolled by a worker


def on_leads_created(sender: Any, *, lead_ids: list[int], at: Any = None, **kwargs: Any) -> None:
    when = _at(at)
    if len(lead_ids) > INLINE_BATCH:
        from nurturing.tasks import sequences_on_leads_created_task

        try:
            sequences_on_leads_created_task.delay(lead_ids, when.isoformat())
            return
        except Exception:  # the broker is down: enrol here rather than lose the trigger
            logger.exception("sequences: could not queue the enrolment of %s new leads", len(lead_ids))
    try:
        triggers.sequences_on_leads_created(lead_ids=lead_ids, at=when)
    except Exception:
        logger.exception("sequences: could not enrol new leads %s", lead_ids[:20])


def on_lead_stage_changed(sender: Any, *, lead_id: int, from_stage: str, to_stage: str, at: Any = None,
                          **kwargs: Any) -> None:  # fmt: skip
    try:
        triggers.sequences_on_stage_changed(lead_id=lead_id, from_stage=from_stage, to_stage=to_stage, at=_at(at))
    except Exception:
        logger.exception("sequences: could not follow the stage change of lead %s", lead_id)


def on_lead_temperature_changed(sender: Any, *, lead_id: int, to_temperature: str, at: Any = None,
                                **kwargs: Any) -> None:  # fmt: skip
    try:
        triggers.sequences_on_temperature_changed(lead_id=lead_id, to_temperature=to_temperature, at=_at(at))
    except Exception:
        logger.exception("sequences: could not follow the temperature change of lead %s", lead_id)


def connect() -> None:
    """Idempotent (dispatch_uid): safe if ready() runs twice."""
    signals.leads_created.connect(on_leads_created, dispatch_uid="nurturing.sequences.leads_created")
    signals.lead_stage_changed.connect(on_lead_stage_changed, dispatch_uid="nurturing.sequences.stage_changed")
    signals.lead_temperature_changed.connect(on_lead_temperature_changed,
                                             dispatch_uid="nurturing.sequences.temperature_changed")  # fmt: skip
