"""Marketing spend: one row per (channel or campaign, month, category), written by upsert."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.models import Campaign, Channel, Cost


@dataclass(frozen=True)
class CostResult:
    cost: Cost
    created: bool


def month_start(day: dt.date) -> dt.date:
    """Any day of a month -> the first day of that month (costs are monthly)."""
    return day.replace(day=1)


def cost_upsert(
    *, channel: Channel | None = None, campaign: Campaign | None = None, month: dt.date, category: str,
    amount: Decimal, currency: str = "",
) -> CostResult:  # fmt: skip
    """Set the spend of one month on a channel or a campaign (exactly one) in one category.

    Idempotent: the same call twice leaves one row with that amount. Safe under concurrency (the unique
    constraints decide, the loser of a race updates the winner's row).
    """
    if (channel is None) == (campaign is None):
        message = _("Give exactly one of channel or campaign.")
        raise ValidationFailed(message, errors={"channel": [message], "campaign": [message]})
    if amount < 0:
        raise ValidationFailed(_("Amount cannot be negative."), errors={"amount": [_("Amount cannot be negative.")]})
    key: dict[str, Any] = {"channel": channel, "campaign": campaign, "month": month_start(month), "category": category}
    values = {"amount": amount, "currency": currency or settings.LEADFLOW["DEFAULT_CURRENCY"]}
    for _attempt in range(2):
        try:
            with transaction.atomic():
                cost, created = Cost.objects.select_for_update().update_or_create(**key, defaults=values)
            return CostResult(cost=cost, created=created)
        except IntegrityError:
            continue  # a concurrent insert won: the second round updates its row
    raise ValidationFailed(_("This cost could not be saved; try again."))


@transaction.atomic
def cost_update(*, cost: Cost, amount: Decimal | None = None, currency: str = "") -> Cost:
    """Change the amount or currency of a stored cost (its key, channel/campaign+month+category, is fixed)."""
    if amount is not None:
        if amount < 0:
            message = _("Amount cannot be negative.")
            raise ValidationFailed(message, errors={"amount": [message]})
        cost.amount = amount
    if currency:
        cost.currency = currency
    cost.save(update_fields=["amount", "currency", "updated_at"])
    return cost
