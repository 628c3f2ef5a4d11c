"""Batch forms of the one-at-a-time look-ups: channels and campaigns by slug, merged ids (accounts by domain:
accounts.services.accounts_for_domains).

Each takes every key of a batch and answers in a fixed number of queries, whatever the batch size.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.utils.text import slugify

from leads.choices import ChannelCategory
from leads.models import Campaign, Channel, Lead

M = TypeVar("M", bound=models.Model)


def slug_key(slug: str) -> str:
    """The slug as leads.services.catalog stores it."""
    return slugify(slug)[:80]


def channels_for_slugs(slugs: Iterable[str]) -> dict[str, Channel]:
    """Channel per given slug; unknown slugs are created once (category other) and flagged for review."""
    return _for_slugs(Channel, slugs, category=ChannelCategory.OTHER)


def campaigns_for_slugs(slugs: Iterable[str]) -> dict[str, Campaign]:
    return _for_slugs(Campaign, slugs)


def _for_slugs(model: type[M], slugs: Iterable[str], **defaults: Any) -> dict[str, M]:
    """Get-or-create by slug in three queries; a concurrent creator wins quietly (unique slug)."""
    wanted = {raw: slug_key(raw) for raw in set(slugs) if raw}
    if not wanted:
        return {}
    manager = model._default_manager
    found = {obj.slug: obj for obj in manager.filter(slug__in=set(wanted.values()))}  # type: ignore[attr-defined]
    missing = set(wanted.values()) - found.keys()
    if missing:
        manager.bulk_create(
            [model(slug=slug, name=slug, needs_review=True, **defaults) for slug in sorted(missing)],
            ignore_conflicts=True,
        )
        found.update({obj.slug: obj for obj in manager.filter(slug__in=missing)})  # type: ignore[attr-defined]
    return {raw: found[slug] for raw, slug in wanted.items() if slug in found}


def survivors_of(lead_ids: Iterable[int]) -> dict[int, int]:
    """Each existing lead id -> the live lead it resolves to (following merge chains); unknown ids left out."""
    result: dict[int, int] = {}
    pending = {lead_id: lead_id for lead_id in set(lead_ids)}  # asked id -> id to look up next
    for _hop in range(20):  # merge chains are flattened by lead_merge; the bound guards against a cycle
        if not pending:
            break
        rows = dict(Lead.objects.filter(pk__in=set(pending.values())).values_list("pk", "merged_into_id"))
        following: dict[int, int] = {}
        for asked, current in pending.items():
            if current not in rows:
                continue
            target = rows[current]
            if target is None:
                result[asked] = current
            else:
                following[asked] = target
        pending = following
    return result
