"""What the segment builder script needs to draw its rows: fields by group with their operators and
choices, tags, channels, campaigns and touchpoint kinds, and its translated words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from leads.choices import CallOutcome, TouchpointKind
from leads.models import Campaign, Channel, Tag
from leads.segments.fields import FIELDS, OPERATOR_LABELS, OPERATORS, FieldSpec, FieldType
from leads.segments.rules import MAX_DEPTH

MAX_OPTIONS = 500  # a longer list is typed, not picked
LIFECYCLE = ("stage", "temperature", "grade", "fit_score", "engagement_score", "source_score", "customer_check")


def _group(spec: FieldSpec) -> str:
    if spec.name.startswith("account."):
        return str(_("Account"))
    if spec.name in LIFECYCLE:
        return str(_("Lifecycle and scores"))
    return str(_("Lead"))


def builder_config() -> dict[str, Any]:
    channels = [list(row) for row in Channel.objects.order_by("name").values_list("slug", "name")[:MAX_OPTIONS]]
    campaigns = [list(row) for row in Campaign.objects.order_by("name").values_list("slug", "name")[:MAX_OPTIONS]]
    refs = {"source_channel": channels, "campaign": campaigns}
    fields = [
        {"name": spec.name, "label": str(spec.label), "type": spec.type.value, "group": _group(spec),
         "choices": refs[spec.name] if spec.type == FieldType.REF else [[v, str(label)] for v, label in spec.choices]}
        for spec in FIELDS.values()
    ]  # fmt: skip
    operators = {kind.value: [[op.value, str(OPERATOR_LABELS[op])] for op in ops] for kind, ops in OPERATORS.items()}
    return {
        "fields": fields,
        "operators": operators,
        "tags": list(Tag.objects.order_by("category", "name").values_list("name", flat=True)[:MAX_OPTIONS]),
        "channels": channels,
        "campaigns": campaigns,
        "kinds": [[value, str(label)] for value, label in TouchpointKind.choices],
        "outcomes": [[value, str(label)] for value, label in CallOutcome.choices],
        "max_depth": MAX_DEPTH,
        "text": _words(),
    }


def _words() -> dict[str, str]:
    return {key: str(value) for key, value in {
        "all": _("All of (AND)"), "any": _("Any of (OR)"), "not": _("Not"),
        "add_condition": _("Add condition"), "add_group": _("Add group"), "remove": _("Remove"),
        "remove_group": _("Remove group"), "field": _("Field"), "operator": _("Operator"), "value": _("Value"),
        "special": _("Tags, activity and custom attributes"), "tag": _("Tag"), "has_tag": _("has the tag"),
        "lacks_tag": _("does not have the tag"), "activity": _("Activity (touchpoints)"),
        "attribute": _("Custom attribute"), "attribute_key": _("Attribute key"), "any_kind": _("Any activity"),
        "any_channel": _("Any channel"), "any_campaign": _("Any campaign"), "any_outcome": _("Any outcome"),
        "in_last": _("in the last"),
        "days": _("days"), "at_least": _("at least"), "at_most": _("at most"), "times": _("times"),
        "yes": _("Yes"), "no": _("No"), "is_not_empty": _("is not empty"), "and": _("and"),
        "list_hint": _("Separate values with commas"), "negated": _("None of these may match"),
    }.items()}  # fmt: skip
