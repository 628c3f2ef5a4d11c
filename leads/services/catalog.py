"""Channels and campaigns named by slug in incoming data."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from leads.choices import ChannelCategory
from leads.models import Campaign, Channel

M = TypeVar("M", bound=models.Model)


def channel_for_slug(*, slug: str) -> Channel:
    """The channel with this slug; an unknown slug creates one (category other) flagged for review,
    so a sync never fails on a new source."""
    return _for_slug(Channel, slug, category=ChannelCategory.OTHER)


def campaign_for_slug(*, slug: str) -> Campaign:
    """The campaign with this slug, created on first use and flagged for review."""
    return _for_slug(Campaign, slug)


def _for_slug(model: type[M], slug: str, **defaults: Any) -> M:
    """Get or create by slug, safe under concurrency (unique slug, re-read after a lost race)."""
    slug = slugify(slug)[:80]
    found = model._default_manager.filter(slug=slug).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return model._default_manager.create(slug=slug, name=slug, needs_review=True, **defaults)
    except IntegrityError:
        return model._default_manager.get(slug=slug)
