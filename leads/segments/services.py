"""Writes of saved segments. The rule tree is checked (leads.segments.selectors) before it is stored, so a
saved segment always compiles; names are unique."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.segments.models import Segment
from leads.segments.selectors import segment_rule_checked

EDITABLE = ("name", "description", "rule")


def segment_create(*, name: str, rule: Any, owner: Any, description: str = "") -> Segment:
    """A new segment owned by `owner`; ValidationFailed naming the bad node of the rule, or a taken name."""
    segment_rule_checked(rule=rule)
    return _saved(Segment(name=name, description=description, rule=rule, owner=owner))


def segment_update(*, segment: Segment, data: dict[str, Any]) -> Segment:
    """Change the given fields (name, description, rule); the owner stays."""
    if "rule" in data:
        segment_rule_checked(rule=data["rule"])
    for key in EDITABLE:
        if key in data:
            setattr(segment, key, data[key])
    return _saved(segment)


def segment_delete(*, segment: Segment) -> None:
    segment.delete()


def _saved(segment: Segment) -> Segment:
    try:
        with transaction.atomic():
            segment.save()
    except IntegrityError as error:  # a concurrent save took the name between the check and the insert
        raise ValidationFailed(_("A segment with this name already exists."),
                               errors={"name": [_("A segment with this name already exists.")]}) from error
    return segment
