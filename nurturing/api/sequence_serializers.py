"""Serializers of `/api/v1/sequences/` and `/api/v1/enrollments/`. Settings are checked by the services, which
name the bad field (`config.days`, `trigger_config.to`); these only shape JSON."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import Lead
from leads.segments.models import Segment
from nurturing.models.sequences import Enrollment, Handoff, Sequence, Step, StepKind, Track, TriggerKind


class StepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Step
        fields = ("id", "key", "position", "kind", "name", "config", "winner", "winner_chosen_at", "winner_stats")
        read_only_fields = ("id", "position", "winner", "winner_chosen_at", "winner_stats")


class StepWriteSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=40, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=StepKind.choices)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    config = serializers.JSONField(default=dict)
    position = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class SequenceSerializer(serializers.ModelSerializer):
    steps = StepSerializer(many=True, read_only=True)
    active_enrollments = serializers.SerializerMethodField(help_text=_("Leads in the sequence now."))

    class Meta:
        model = Sequence
        fields = (
            "id", "slug", "name", "description", "track", "priority", "status", "trigger_kind", "trigger_config",
            "target_stage", "exit_on_reply", "exit_on_engagement", "engagement_handoff", "is_marketing",
            "is_builtin", "activated_at", "created_at", "updated_at", "active_enrollments", "steps",
        )  # fmt: skip
        read_only_fields = fields

    def get_active_enrollments(self, sequence: Sequence) -> int:
        return sequence.enrollments.filter(status="active").count()


class SequenceWriteSerializer(serializers.Serializer):
    slug = serializers.SlugField(max_length=80, required=False)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    track = serializers.ChoiceField(choices=Track.choices, required=False)
    priority = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    trigger_kind = serializers.ChoiceField(choices=TriggerKind.choices, required=False)
    trigger_config = serializers.JSONField(required=False)
    target_stage = serializers.CharField(required=False, allow_blank=True)
    exit_on_reply = serializers.BooleanField(required=False)
    exit_on_engagement = serializers.BooleanField(required=False)
    engagement_handoff = serializers.ChoiceField(choices=Handoff.choices, required=False, allow_blank=True)
    is_marketing = serializers.BooleanField(required=False)
    steps = StepWriteSerializer(many=True, required=False, help_text=_("Steps in order (create only)."))

    def validate_slug(self, value: str) -> str:
        if Sequence.objects.filter(slug=value).exists():
            raise serializers.ValidationError(_("Another sequence has this slug."))
        return value


class SequenceEnrollSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.filter(merged_into__isnull=True), required=False)
    segment = serializers.PrimaryKeyRelatedField(queryset=Segment.objects.all(), required=False)
    rule = serializers.JSONField(required=False, help_text=_("A segment rule tree (spec/scoring.md)."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if sum(1 for key in ("lead", "segment", "rule") if attrs.get(key) is not None) != 1:
            raise serializers.ValidationError({"lead": [_("Give exactly one of lead, segment or rule.")]})
        return attrs


class DryRunRequestSerializer(serializers.Serializer):
    rule = serializers.JSONField(required=False, allow_null=True, default=None)
    segment = serializers.PrimaryKeyRelatedField(queryset=Segment.objects.all(), required=False, allow_null=True)
    sample = serializers.IntegerField(min_value=1, max_value=100, default=25)


class EnrollmentSerializer(serializers.ModelSerializer):
    sequence = serializers.SlugRelatedField(slug_field="slug", read_only=True)  # type: ignore[var-annotated]
    current_step = serializers.SlugRelatedField(slug_field="key", read_only=True)  # type: ignore[var-annotated]

    class Meta:
        model = Enrollment
        fields = ("id", "lead", "sequence", "track", "status", "current_step", "next_run_at", "visits",
                  "started_at", "ended_at", "exit_reason", "trigger", "enrolled_by", "last_error")  # fmt: skip
        read_only_fields = fields


class EnrollmentCreateSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.filter(merged_into__isnull=True))
    sequence = serializers.CharField(help_text=_("The sequence's slug or id."))

    def validate_sequence(self, value: str) -> Sequence:
        query = Sequence.objects.filter(pk=int(value)) if value.isdigit() else Sequence.objects.filter(slug=value)
        sequence = query.first()
        if sequence is None:
            raise serializers.ValidationError(_("Unknown sequence."))
        return sequence
