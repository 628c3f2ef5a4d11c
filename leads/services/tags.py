"""Tags: categories, manual tags, and rule tags kept in step with their segment (`tags_rules_sync`).

A rule tag's membership is exactly its segment's live leads: the sync adds the tag where it is missing and
removes it where the lead left the segment, two set-based statements per tag (never a per-lead loop). People
cannot add or remove a rule tag by hand; they change its segment instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.models import Lead, Segment, Tag
from leads.segments.compiler import segment_q
from leads.segments.selectors import segment_rule_errors

logger = logging.getLogger(__name__)
Through = Lead.tags.through


@dataclass(frozen=True)
class TagSync:
    tag_id: int
    added: int
    removed: int


def tags_rules_sync(*, now: dt.datetime, lead_ids: Iterable[int] | None = None) -> list[TagSync]:
    """Bring every rule tag in step with its segment as of `now`, for all leads or only `lead_ids`.
    Idempotent: a second run adds and removes nothing."""
    ids = None if lead_ids is None else sorted({int(i) for i in lead_ids})
    results = []
    for tag in Tag.objects.filter(segment__isnull=False).select_related("segment"):
        result = _sync(tag, now=now, ids=ids)
        if result is not None:
            results.append(result)
    return results


@transaction.atomic
def _sync(tag: Tag, *, now: dt.datetime, ids: list[int] | None) -> TagSync | None:
    node, errors = segment_rule_errors(rule=tag.segment.rule if tag.segment else None)
    if node is None:
        logger.warning("rule tag %s: segment %s is invalid: %s", tag.pk, tag.segment_id, errors)
        return None
    live = Lead.objects.filter(merged_into__isnull=True, erased_at__isnull=True)
    if ids is not None:
        live = live.filter(pk__in=ids)
    members = live.filter(segment_q(node, now=now))
    missing = members.exclude(tags=tag).values_list("pk", flat=True)
    added = len(Through.objects.bulk_create([Through(lead_id=pk, tag_id=tag.pk) for pk in missing],
                                            ignore_conflicts=True, batch_size=5000))  # fmt: skip
    stale = Through.objects.filter(tag=tag).exclude(lead_id__in=members.values("pk"))
    if ids is not None:
        stale = stale.filter(lead_id__in=ids)
    removed, _detail = stale.delete()
    if ids is None:
        Tag.objects.filter(pk=tag.pk).update(synced_at=now)
    return TagSync(tag.pk, added, removed)


def tags_refuse_rule_tags(names: Iterable[str]) -> None:
    """A manual change may not name a rule tag: ValidationFailed on `tags` naming them."""
    wanted = [name.strip() for name in names if name and name.strip()]
    ruled = sorted(Tag.objects.filter(name__in=wanted, segment__isnull=False).values_list("name", flat=True))
    if ruled:
        message = _("LeadFlow adds and removes rule tags itself: %(names)s.") % {"names": ", ".join(ruled)}
        raise ValidationFailed(message, errors={"tags": [message]})


def tags_with_counts() -> Any:
    """Every tag with its number of live leads, by category then name."""
    live = Q(leads__merged_into__isnull=True, leads__erased_at__isnull=True)
    return Tag.objects.select_related("segment").annotate(lead_count=Count("leads", filter=live)) \
        .order_by("category", "name")


@transaction.atomic
def tag_save(*, tag: Tag | None, data: dict[str, Any]) -> Tag:
    """Create or change a tag (name, category, optional rule segment). The name is unique; a rule segment must
    compile. Turning a manual tag into a rule tag hands its membership to the rule at the next sync."""
    name = str(data.get("name") or "").strip()[:100]
    if not name:
        raise ValidationFailed(_("Give the tag a name."), errors={"name": [_("This field is required.")]})
    if Tag.objects.filter(name=name).exclude(pk=tag.pk if tag else 0).exists():
        message = _("Another tag already has this name.")
        raise ValidationFailed(message, errors={"name": [message]})
    segment: Segment | None = data.get("segment")
    if segment is not None and segment_rule_errors(rule=segment.rule)[0] is None:
        message = _("This segment's rule is not valid; fix it in the segment builder first.")
        raise ValidationFailed(message, errors={"segment": [message]})
    tag = tag or Tag()
    tag.name, tag.category, tag.segment = name, str(data.get("category") or "").strip()[:50], segment
    tag.save()
    return tag


def tag_delete(*, tag: Tag) -> None:
    """Delete a tag and take it off every lead."""
    tag.delete()
