"""Editing one cell of the monthly cost grid: a (channel or campaign, category, month) amount typed by a person.

The grid and the CSV import read amounts the same way (`cost_amount_parse`), so "12,000", "¥12000" and
"12000.00" mean the same thing everywhere.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.choices import CostCategory
from leads.models import Campaign, Channel, Cost
from leads.services.costs import cost_upsert, month_start

MAX_AMOUNT = Decimal("99999999999999.99")  # Cost.amount: 16 digits, 2 after the point
# Thousands separators and currency signs people type or paste from a spreadsheet.
AMOUNT_NOISE = re.compile(r"[\s,，_¥￥$€£]|^(?:CNY|RMB|USD|EUR)|(?:CNY|RMB|USD|EUR|元)$", re.IGNORECASE)


@dataclass(frozen=True)
class CostTarget:
    """What a cost is booked on: exactly one of a channel or a campaign."""

    channel: Channel | None = None
    campaign: Campaign | None = None

    @property
    def key(self) -> str:
        return f"campaign-{self.campaign.pk}" if self.campaign else f"channel-{self.channel.pk if self.channel else 0}"


def cost_amount_parse(text: str, *, field: str = "amount") -> Decimal:
    """A typed amount -> Decimal with at most 2 decimals, not negative; ValidationFailed names `field`."""
    cleaned = AMOUNT_NOISE.sub("", text.strip())
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        amount = Decimal("NaN")
    if not cleaned or not amount.is_finite():
        message = _("“%(value)s” is not an amount; type a number such as 12000 or 12,000.50.") % {"value": text}
        raise ValidationFailed(message, errors={field: [message]})
    if amount < 0:
        message = _("Amount cannot be negative.")
        raise ValidationFailed(message, errors={field: [message]})
    if amount != amount.quantize(Decimal("0.01")):
        message = _("Use at most two decimal places.")
        raise ValidationFailed(message, errors={field: [message]})
    if amount > MAX_AMOUNT:
        message = _("The amount is too large.")
        raise ValidationFailed(message, errors={field: [message]})
    return amount.quantize(Decimal("0.01"))


def cost_target_parse(key: str) -> CostTarget:
    """ "channel-3" / "campaign-5" (the grid's row keys) -> the target; an unknown one names the field "target"."""
    kind, _sep, pk = key.partition("-")
    found: Channel | Campaign | None = None
    if pk.isdigit() and kind == "channel":
        found = Channel.objects.filter(pk=int(pk)).first()
    elif pk.isdigit() and kind == "campaign":
        found = Campaign.objects.select_related("channel").filter(pk=int(pk)).first()
    if found is None:
        message = _("No such channel or campaign.")
        raise ValidationFailed(message, errors={"target": [message]})
    return CostTarget(campaign=found) if isinstance(found, Campaign) else CostTarget(channel=found)


def cost_cell_save(
    *, target: CostTarget, category: str, month: dt.date, amount_text: str, currency: str
) -> Cost | None:
    """Set one grid cell. An empty cell removes the month's cost; anything else is parsed and upserted.

    Idempotent: saving the same text twice leaves the same single row (or none). Returns the row, or None
    when the cell is now empty.
    """
    if category not in CostCategory.values:
        message = _("Unknown cost category.")
        raise ValidationFailed(message, errors={"category": [message]})
    stored = Cost.objects.filter(
        channel=None if target.campaign else target.channel, campaign=target.campaign, month=month_start(month),
        category=category,
    )  # fmt: skip
    other = stored.exclude(currency=currency).values_list("currency", flat=True).first()
    if other:
        # One row per month and category: typing CNY over a USD amount would silently convert nothing.
        message = _("This month's cost is recorded in %(currency)s; show the grid in %(currency)s to edit it.") % {
            "currency": other
        }
        raise ValidationFailed(message, errors={"amount": [message]})
    if not amount_text.strip():
        with transaction.atomic():
            stored.delete()
        return None
    amount = cost_amount_parse(amount_text)
    return cost_upsert(
        channel=None if target.campaign else target.channel, campaign=target.campaign, month=month, category=category,
        amount=amount, currency=currency,
    ).cost  # fmt: skip
