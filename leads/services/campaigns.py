"""Campaigns edited by marketers: one service checks every field and writes the row."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.models import Campaign, Channel

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def _campaign_errors(
    *, slug: str, name: str, starts_on: dt.date | None, ends_on: dt.date | None, budget: Decimal, currency: str,
    exclude_pk: int | None,
) -> dict[str, list[str]]:  # fmt: skip
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the campaign a name.")]
    if not slug:
        errors["slug"] = [_("Give a slug: lowercase letters, digits and hyphens, used by imports and the API.")]
    elif Campaign.objects.filter(slug=slug).exclude(pk=exclude_pk or 0).exists():
        errors["slug"] = [_("Another campaign already uses the slug “%(slug)s”.") % {"slug": slug}]
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The campaign cannot end before it starts.")]
    if budget < 0:
        errors["budget"] = [_("The budget cannot be negative.")]
    if not CURRENCY_CODE.match(currency):
        errors["currency"] = [_("Use a three-letter currency code such as CNY or USD.")]
    return errors


def _clean(values: dict[str, Any], *, exclude_pk: int | None) -> dict[str, Any]:
    values = dict(values)
    values["name"] = str(values.get("name") or "").strip()
    values["slug"] = slugify(str(values.get("slug") or "") or values["name"])[:80]
    values["currency"] = str(values.get("currency") or settings.LEADFLOW["DEFAULT_CURRENCY"]).strip().upper()
    values["budget"] = values.get("budget") if values.get("budget") is not None else Decimal("0")
    errors = _campaign_errors(
        slug=values["slug"], name=values["name"], starts_on=values.get("starts_on"), ends_on=values.get("ends_on"),
        budget=values["budget"], currency=values["currency"], exclude_pk=exclude_pk,
    )  # fmt: skip
    if errors:
        raise ValidationFailed(_("Check the campaign's fields."), errors=errors)
    return values


def campaign_create(
    *, name: str, slug: str = "", channel: Channel | None = None, starts_on: dt.date | None = None,
    ends_on: dt.date | None = None, budget: Decimal | None = None, currency: str = "",
) -> Campaign:  # fmt: skip
    """A new campaign. The slug defaults to the slugified name; a name that has no latin letters (a Chinese
    name) needs an explicit slug. Errors name the field."""
    values = _clean(
        {"name": name, "slug": slug, "channel": channel, "starts_on": starts_on, "ends_on": ends_on,
         "budget": budget, "currency": currency}, exclude_pk=None,
    )  # fmt: skip
    try:
        with transaction.atomic():
            return Campaign.objects.create(**values)
    except IntegrityError:  # a concurrent create took the slug between the check and the insert
        message = _("Another campaign already uses the slug “%(slug)s”.") % {"slug": values["slug"]}
        raise ValidationFailed(message, errors={"slug": [message]}) from None


def campaign_update(
    *, campaign: Campaign, name: str, slug: str, channel: Channel | None, starts_on: dt.date | None,
    ends_on: dt.date | None, budget: Decimal, currency: str, needs_review: bool,
) -> Campaign:  # fmt: skip
    """Replace a campaign's editable fields (a full edit form). Its costs keep pointing at it."""
    values = _clean(
        {"name": name, "slug": slug, "channel": channel, "starts_on": starts_on, "ends_on": ends_on,
         "budget": budget, "currency": currency}, exclude_pk=campaign.pk,
    )  # fmt: skip
    for field, value in values.items():
        setattr(campaign, field, value)
    campaign.needs_review = needs_review
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        message = _("Another campaign already uses the slug “%(slug)s”.") % {"slug": values["slug"]}
        raise ValidationFailed(message, errors={"slug": [message]}) from None
    return campaign
