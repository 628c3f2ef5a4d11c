"""Serializers of `/api/v1/tasks/`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import Lead
from nurturing.models import SdrTask, TaskKind, TaskOutcome


class TaskSerializer(serializers.ModelSerializer):
    lead_name = serializers.CharField(source="lead.display_name", read_only=True)
    overdue = serializers.SerializerMethodField(help_text=_("Open and past its due time."))

    class Meta:
        model = SdrTask
        fields = (
            "id", "lead", "lead_name", "assignee", "kind", "title", "due_at", "done_at", "outcome", "note",
            "source", "source_ref", "created_by", "completed_by", "created_at", "overdue",
        )  # fmt: skip
        read_only_fields = fields

    def get_overdue(self, task: SdrTask) -> bool:
        return task.done_at is None and task.due_at <= timezone.now()


class TaskCreateSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Lead.objects.filter(merged_into__isnull=True))
    kind = serializers.ChoiceField(choices=TaskKind.choices, default=TaskKind.CALL)
    due_at = serializers.DateTimeField()
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), required=False, allow_null=True, default=None,
        help_text=_("User id; default: the lead's SDR owner, else its sales owner."),
    )  # fmt: skip
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TaskCompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=TaskOutcome.choices)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return attrs
