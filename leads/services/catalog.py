"""Channels and campaigns named by slug in incoming data."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from leads.choices import ChannelCategory
from leads.models import Campaign, Channel


def channel_for_slug(*, slug: str) -> Channel:
    """The channel with this slug; an unknown slug creates one (category other) flagged for review,
    so a sync never fails on a new source. Safe under concurrency."""
    slug = slugify(slug)[:80]
    channel = Channel.objects.filter(slug=slug).first()
    if channel is not None:
        return channel
    try:
        with transaction.atomic():
            return Channel.objects.create(slug=slug, name=slug, category=ChannelCategory.OTHER, needs_review=True)
    except IntegrityError:
        return Channel.objects.get(slug=slug)


def campaign_for_slug(*, slug: str) -> Campaign:
    """The campaign with this slug, created on first use and flagged for review."""
    slug = slugify(slug)[:80]
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is not None:
        return campaign
    try:
        with transaction.atomic():
            return Campaign.objects.create(slug=slug, name=slug, needs_review=True)
    except IntegrityError:
        return Campaign.objects.get(slug=slug)
