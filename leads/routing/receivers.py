"""Routing follows the lifecycle: a new lead is routed (SDR, pre-nurture pool, self-sourced rep or account
owner), and a lead that becomes an MQL without a sales owner is given one by the sales rules.

Both signals are sent on commit; the task is queued (or, without a broker, runs at once) and is idempotent.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.dispatch import receiver

from leads.choices import OwnerSide, Stage
from leads.signals import lead_stage_changed, leads_created

logger = logging.getLogger(__name__)


@receiver(leads_created, dispatch_uid="routing:leads_created")
def route_created(*, lead_ids: list[int], at: dt.datetime, **_: Any) -> None:
    _send(lead_ids, side=None)


@receiver(lead_stage_changed, dispatch_uid="routing:lead_stage_changed")
def route_new_mql(*, lead_id: int, to_stage: str, **_: Any) -> None:
    if to_stage == Stage.MQL:
        _send([lead_id], side=OwnerSide.SALES)


def _send(lead_ids: list[int], *, side: str | None) -> None:
    from leads.routing.tasks import leads_route_task

    try:
        leads_route_task.delay(lead_ids, side)
    except Exception:  # a broker outage must not fail the write that already committed; the pool view shows them
        logger.exception("routing: could not queue %s leads", len(lead_ids))
