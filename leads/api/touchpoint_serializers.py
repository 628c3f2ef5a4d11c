"""Request and response shapes of the bulk, touchpoint and identify endpoints (also their OpenAPI schema).

The bulk endpoints validate rows with the lean cleaners of leads.services.bulk (same rules, no per-row
serializer); these serializers describe the shapes and validate the small single-object bodies.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.api.serializers import JSONObjectField, LeadSerializer, LeadWriteSerializer
from leads.choices import TouchpointKind
from leads.services.bulk import MAX_LEAD_RECORDS
from leads.services.touchpoints import MAX_TOUCHPOINT_RECORDS


class LeadBulkSerializer(serializers.Serializer):
    records = serializers.ListField(child=LeadWriteSerializer(), max_length=MAX_LEAD_RECORDS,
                                    help_text=_("Up to 10,000 lead bodies, as for POST /api/v1/leads/."))  # fmt: skip
    atomic = serializers.BooleanField(
        required=False, default=False, help_text=_("Reject the whole batch (400) when any record is invalid.")
    )


class BulkRowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "updated", "failed", "duplicate"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


class LeadBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkRowResultSerializer(many=True)


class TouchpointSerializer(serializers.Serializer):
    """One touchpoint. Exactly who it happened to comes from `lead`, `email`, `phone` or `anonymous_id`."""

    lead = serializers.IntegerField(
        required=False, min_value=1, help_text=_("A merged lead's id resolves to its survivor.")
    )
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    anonymous_id = serializers.CharField(required=False, allow_blank=True, max_length=200)
    kind = serializers.ChoiceField(choices=TouchpointKind.choices)
    channel = serializers.SlugField(required=False, allow_blank=True, max_length=80)
    campaign = serializers.SlugField(required=False, allow_blank=True, max_length=80)
    occurred_at = serializers.DateTimeField(required=False, help_text=_("Defaults to the time of receipt."))
    properties = JSONObjectField(required=False, help_text=_("utm_* keys are copied to the UTM columns."))
    event_id = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text=_("The source's unique id: a repeat is ignored, not duplicated."),
    )


class TouchpointResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=["created", "duplicate"])


class TouchpointBulkSerializer(serializers.Serializer):
    records = serializers.ListField(child=TouchpointSerializer(), max_length=MAX_TOUCHPOINT_RECORDS,
                                    help_text=_("Up to 50,000 touchpoints."))  # fmt: skip


class TouchpointBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = BulkRowResultSerializer(many=True)


class IdentifySerializer(LeadWriteSerializer):
    """A visitor's cookie id plus what identifies the person (email, phone or external_id, and any profile)."""

    anonymous_id = serializers.CharField(max_length=200)

    def to_service_data(self) -> dict[str, Any]:
        data = super().to_service_data()
        data.pop("anonymous_id", None)
        return data


class IdentifyResultSerializer(serializers.Serializer):
    lead = LeadSerializer()
    created = serializers.BooleanField()
    attached = serializers.IntegerField(help_text=_("Earlier touchpoints of the visitor now attached to the lead."))
