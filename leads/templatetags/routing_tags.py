"""Display helpers of the routing pages: a rule's conditions in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from leads.routing.editing import rule_conditions_parse

register = template.Library()


@register.filter
def conditions_summary(tree: Any) -> str:
    """`{"all": [industry in [...], account.tier in [S, A], ...]}` -> "Industry: a, b · Tier: S, A · ..."."""
    parsed = rule_conditions_parse(tree)
    parts = [label % {"values": ", ".join(str(v) for v in values)} for label, values in (
        (_("Industry: %(values)s"), parsed.industries), (_("Region: %(values)s"), parsed.regions),
        (_("Tier: %(values)s"), parsed.tiers)) if values]  # fmt: skip
    low, high = parsed.employees_min, parsed.employees_max
    if low is not None and high is not None:
        parts.append(_("Employees %(low)s–%(high)s") % {"low": low, "high": high})
    elif low is not None:
        parts.append(_("Employees ≥ %(low)s") % {"low": low})
    elif high is not None:
        parts.append(_("Employees ≤ %(high)s") % {"high": high})
    if parsed.extra:
        count = len(parsed.extra)
        parts.append(ngettext("%(count)s more condition", "%(count)s more conditions", count) % {"count": count})
    return " · ".join(parts)
