"""What nurturing does when `leads` says something happened (signals sent on commit, with ids).

Connected in `NurturingConfig.ready()`. Each receiver calls one service. They run after the lead's
transaction committed: a failure is logged, never raised into the request that already succeeded (the
SLA clocks of that lead can be rebuilt with `sla_clocks_sync`). The sequences half connects its own
receivers in its own module (`nurturing/receivers_sequences.py` or similar), registered the same way.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone

from leads import signals
from nurturing.services import sla

logger = logging.getLogger(__name__)


def _at(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else timezone.now()


def on_leads_created(sender: Any, *, lead_ids: list[int], at: Any = None, **kwargs: Any) -> None:
    try:
        sla.sla_clocks_sync(lead_ids=lead_ids, at=_at(at))
    except Exception:
        logger.exception("sla: could not start clocks for new leads %s", lead_ids[:20])


def on_lead_stage_changed(sender: Any, *, lead_id: int, from_stage: str, to_stage: str, at: Any = None,
                          **kwargs: Any) -> None:  # fmt: skip
    try:
        sla.sla_on_stage_changed(lead_id=lead_id, from_stage=from_stage, to_stage=to_stage, at=_at(at))
    except Exception:
        logger.exception("sla: could not follow the stage change of lead %s", lead_id)


def on_lead_owner_changed(sender: Any, *, lead_id: int, side: str, to_id: int | None, at: Any = None,
                          **kwargs: Any) -> None:  # fmt: skip
    try:
        sla.sla_on_owner_changed(lead_id=lead_id, side=side, to_id=to_id, at=_at(at))
    except Exception:
        logger.exception("sla: could not follow the owner change of lead %s", lead_id)


def on_lead_temperature_changed(sender: Any, *, lead_id: int, to_temperature: str, at: Any = None,
                                **kwargs: Any) -> None:  # fmt: skip
    try:
        sla.sla_on_temperature_changed(lead_id=lead_id, to_temperature=to_temperature, at=_at(at))
    except Exception:
        logger.exception("sla: could not follow the temperature change of lead %s", lead_id)


def on_lead_activity_logged(sender: Any, *, lead_id: int, kind: str, at: Any = None, **kwargs: Any) -> None:
    try:
        sla.sla_on_activity_logged(lead_id=lead_id, kind=kind, at=_at(at))
    except Exception:
        logger.exception("sla: could not record activity on lead %s", lead_id)


def connect() -> None:
    """Idempotent (dispatch_uid): safe if ready() runs twice."""
    signals.leads_created.connect(on_leads_created, dispatch_uid="nurturing.sla.leads_created")
    signals.lead_stage_changed.connect(on_lead_stage_changed, dispatch_uid="nurturing.sla.stage_changed")
    signals.lead_owner_changed.connect(on_lead_owner_changed, dispatch_uid="nurturing.sla.owner_changed")
    signals.lead_temperature_changed.connect(on_lead_temperature_changed,
                                             dispatch_uid="nurturing.sla.temperature_changed")  # fmt: skip
    signals.lead_activity_logged.connect(on_lead_activity_logged, dispatch_uid="nurturing.sla.activity_logged")
