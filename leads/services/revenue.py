"""Revenue events: the ledger of new, renewal, expansion, contraction and churn revenue per account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Account
from leadflow.errors import ValidationFailed
from leads.models import Opportunity, RevenueEvent, RevenueKind


def revenue_event_create(
    *, account: Account, kind: str, date: dt.date, amount: Decimal, currency: str = "", note: str = "",
    actor: Any = None,
) -> RevenueEvent:  # fmt: skip
    """Record one revenue event. Not idempotent (two renewals on one day are two rows); a won opportunity's
    `new` event is written by `revenue_event_for_win`, once."""
    if amount < 0:
        message = _("Amount cannot be negative; the kind says whether revenue goes up or down.")
        raise ValidationFailed(message, errors={"amount": [message]})
    return RevenueEvent.objects.create(
        account=account, kind=RevenueKind(kind), date=date, amount=amount,
        currency=currency or settings.LEADFLOW["DEFAULT_CURRENCY"], note=note,
        created_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip


def revenue_event_for_win(*, opportunity: Opportunity, account: Account, at: dt.datetime) -> RevenueEvent:
    """The `new` revenue event of a won opportunity (its first-year value, on the won date).

    Idempotent: a second call for the same opportunity finds the first row.
    """
    assert opportunity.won_amount is not None
    existing = RevenueEvent.objects.filter(opportunity=opportunity, kind=RevenueKind.NEW).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return RevenueEvent.objects.create(
                account=account, kind=RevenueKind.NEW, date=timezone.localdate(at),
                amount=opportunity.won_amount, currency=opportunity.currency, opportunity=opportunity,
                lead_id=opportunity.lead_id,
            )  # fmt: skip
    except IntegrityError:
        return RevenueEvent.objects.get(opportunity=opportunity, kind=RevenueKind.NEW)
