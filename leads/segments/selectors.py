"""Reads for segments: check a rule tree against the database, and preview it within a user's visibility."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.models import Campaign, Channel, Lead, Tag
from leads.segments.compiler import segment_q
from leads.segments.rules import Node, rule_parse
from leads.selectors import leads_visible_to

DEFAULT_SAMPLE = 20
MAX_SAMPLE = 100
SAMPLE_FIELDS = ("id", "first_name", "last_name", "email", "phone", "company", "stage", "temperature", "grade",
                 "fit_score", "engagement_score", "source_score", "created_at")  # fmt: skip


def segment_rule_errors(*, rule: Any, root: str = "rule") -> tuple[Node | None, dict[str, list[str]]]:
    """The parsed tree, or every error of the tree keyed by node path (unknown tags, channels and campaigns
    included: one query each, only for the names the tree uses)."""
    parsed = rule_parse(rule, root=root)
    errors = dict(parsed.errors)
    checks = (
        (Tag, "name", parsed.tags, _("Unknown tag “%(name)s”.")),
        (Channel, "slug", parsed.channels, _("Unknown channel “%(name)s”.")),
        (Campaign, "slug", parsed.campaigns, _("Unknown campaign “%(name)s”.")),
    )
    for model, column, used, message in checks:
        for name, paths in _missing(model, column, used):
            for path in paths:
                errors.setdefault(path, []).append(message % {"name": name[:100]})
    return (parsed.node if not errors else None), errors


def _missing(model: Any, column: str, used: dict[str, list[str]]) -> Iterable[tuple[str, list[str]]]:
    if not used:
        return []
    known = set(model.objects.filter(**{f"{column}__in": list(used)}).values_list(column, flat=True))
    return [(name, paths) for name, paths in used.items() if name not in known]


def segment_rule_checked(*, rule: Any, root: str = "rule") -> Node:
    """The parsed tree; ValidationFailed naming every bad node otherwise."""
    node, errors = segment_rule_errors(rule=rule, root=root)
    if node is None:
        raise ValidationFailed(_("The segment rule is not valid."), errors=errors)
    return node


def segment_leads(*, user: Any, rule: Any, now: dt.datetime) -> QuerySet[Lead]:
    """The live, non-erased leads of the segment this user may see, as one query."""
    node = segment_rule_checked(rule=rule)
    visible = leads_visible_to(user=user).filter(erased_at__isnull=True)
    return visible.filter(segment_q(node, now=now))


@dataclass(frozen=True)
class SegmentPreview:
    count: int
    sample: list[Lead]


def segment_preview(*, user: Any, rule: Any, now: dt.datetime, sample_size: int = DEFAULT_SAMPLE) -> SegmentPreview:
    """How many leads the tree matches for this user, and the newest `sample_size` of them (two queries)."""
    leads = segment_leads(user=user, rule=rule, now=now)
    size = max(0, min(sample_size, MAX_SAMPLE))
    sample = list(leads.only(*SAMPLE_FIELDS).order_by("-id")[:size]) if size else []
    count = leads.count() if len(sample) == size else len(sample)
    return SegmentPreview(count=count, sample=sample)
