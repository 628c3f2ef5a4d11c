"""Shapes of the segments API: saved segments, and a preview's request and answer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from leads.models import Lead
from leads.segments.models import Segment
from leads.segments.selectors import DEFAULT_SAMPLE, MAX_SAMPLE

RULE_HELP = _("A rule tree as in spec/scoring.md: {\"all\": [...]}, {\"any\": [...]}, {\"not\": {...}}, "
              "{\"field\", \"op\", \"value\"}, {\"tag\"}, {\"stage\"}, {\"event\": {...}}. An invalid tree is a "
              "400 whose errors are keyed by the path of the bad node, e.g. rule.all[1].op.")  # fmt: skip


@extend_schema_field(OpenApiTypes.OBJECT)
class RuleField(serializers.JSONField):
    """Any JSON object here; its grammar is checked by leads.segments, which names the bad node."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Expected a rule tree (a JSON object)."))
        return super().to_internal_value(data)


class SegmentSerializer(serializers.ModelSerializer):
    rule = RuleField(help_text=RULE_HELP)

    class Meta:
        model = Segment
        fields = ("id", "name", "description", "rule", "owner", "created_at", "updated_at")
        read_only_fields = ("id", "owner", "created_at", "updated_at")


class PreviewRequestSerializer(serializers.Serializer):
    rule = RuleField(help_text=RULE_HELP)
    sample_size = serializers.IntegerField(
        min_value=0, max_value=MAX_SAMPLE, default=DEFAULT_SAMPLE,
        help_text=_("How many leads to return as a sample (newest first)."),
    )  # fmt: skip


class SampleLeadSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = Lead
        fields = ("id", "name", "email", "company", "stage", "temperature", "grade", "fit_score",
                  "engagement_score", "source_score")  # fmt: skip
        read_only_fields = fields


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("Leads in the segment that the caller may see."))
    sample = SampleLeadSerializer(many=True)
