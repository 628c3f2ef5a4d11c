"""Builders for attribution cases: a conversion with its touchpoints at explicit times."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from leads.choices import Stage, TouchpointKind
from leads.models import Channel, Lead, StageChange
from leads.services.stages import lead_transition
from tests.factories import ChannelFactory, LeadFactory, TouchpointFactory


def channel(slug: str) -> Channel:
    return ChannelFactory(slug=slug, name=slug.upper())


def lead_with_touches(
    touches: Sequence[tuple[str, dt.datetime]], *, created_at: dt.datetime,
    kind: str = TouchpointKind.PAGE_VIEW, **lead_kwargs: Any,
) -> Lead:  # fmt: skip
    lead = LeadFactory(created_at=created_at, stage_changed_at=created_at, **lead_kwargs)
    StageChange.objects.create(lead=lead, from_stage="", to_stage=Stage.LEAD, at=created_at)
    for slug, at in touches:
        TouchpointFactory(lead=lead, channel=channel(slug), kind=kind, occurred_at=at)
    return lead


def convert(
    touches: Sequence[tuple[str, dt.datetime]], *, amount: str, converted_at: dt.datetime,
    created_at: dt.datetime | None = None, opportunity_at: dt.datetime | None = None, **lead_kwargs: Any,
) -> Lead:  # fmt: skip
    """A lead created at `created_at` (default: its first touch) that skips to customer at `converted_at`
    winning `amount`; with `opportunity_at` it opens the opportunity then and wins it later."""
    created = created_at or min(at for _slug, at in touches)
    lead = lead_with_touches(touches, created_at=created, **lead_kwargs)
    money = Decimal(amount)
    if opportunity_at is not None:
        lead = lead_transition(lead=lead, to=Stage.OPPORTUNITY, skip=True, amount=money,
                               expected_close=converted_at.date(), at=opportunity_at, now=opportunity_at)
    return lead_transition(lead=lead, to=Stage.CUSTOMER, skip=True, amount=money, at=converted_at,
                           now=converted_at)  # fmt: skip
