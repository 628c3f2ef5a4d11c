"""Shapes of the marketing objects of REST API v1: channels, campaigns, costs and revenue events."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Account
from leads.choices import CostCategory
from leads.models import Campaign, Channel, Cost, RevenueEvent
from leads.services.costs import month_start


class ChannelSerializer(serializers.ModelSerializer):
    prior_score = serializers.IntegerField(min_value=0, max_value=100, required=False,
                                           help_text=_("Source score of a lead from this channel, 0–100."))  # fmt: skip

    class Meta:
        model = Channel
        fields = ("id", "slug", "name", "category", "route", "prior_score", "needs_review", "is_active",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = ("id", "created_at", "updated_at")


class CampaignSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", queryset=Channel.objects.all(), required=False, allow_null=True
    )
    start = serializers.DateField(source="starts_on", required=False, allow_null=True)
    end = serializers.DateField(source="ends_on", required=False, allow_null=True)
    budget = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)  # type: ignore[arg-type]

    class Meta:
        model = Campaign
        fields = ("id", "slug", "name", "channel", "start", "end", "budget", "currency", "needs_review",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = ("id", "created_at", "updated_at")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start = attrs.get("starts_on", getattr(self.instance, "starts_on", None))
        end = attrs.get("ends_on", getattr(self.instance, "ends_on", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end": [_("The end is before the start.")]})
        return attrs


class CostSerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", read_only=True, allow_null=True
    )
    campaign = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", read_only=True, allow_null=True
    )

    class Meta:
        model = Cost
        fields = ("id", "channel", "campaign", "month", "category", "amount", "currency", "created_at",
                  "updated_at")  # fmt: skip
        read_only_fields = fields


class CostWriteSerializer(serializers.Serializer):
    """Upsert body: the cost of (channel or campaign, month, category) is set to `amount`."""

    channel = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", queryset=Channel.objects.all(), required=False, allow_null=True
    )
    campaign = serializers.SlugRelatedField(  # type: ignore[var-annotated]
        slug_field="slug", queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    month = serializers.DateField(help_text=_("Any day of the month; stored as the first day."))
    category = serializers.ChoiceField(choices=CostCategory.choices)
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)  # type: ignore[arg-type]
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")

    def validate_month(self, value: Any) -> Any:
        return month_start(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("channel")) == bool(attrs.get("campaign")):
            message = _("Give exactly one of channel or campaign.")
            raise serializers.ValidationError({"channel": [message], "campaign": [message]})
        return attrs


class CostPatchSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0, required=False)  # type: ignore[arg-type]
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")


class RevenueEventSerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all())  # type: ignore[var-annotated]
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0,  # type: ignore[arg-type]
                                      help_text=_("Never negative: contraction and churn reduce revenue by it."))
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True, default="")

    class Meta:
        model = RevenueEvent
        fields = ("id", "account", "kind", "date", "amount", "currency", "note", "opportunity", "lead",
                  "created_at")  # fmt: skip
        read_only_fields = ("id", "opportunity", "lead", "created_at")
