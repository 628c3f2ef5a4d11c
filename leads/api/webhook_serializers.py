"""Serializers of the change feed and the webhook subscriptions. Shape only: services decide the rest."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from leads.models import ChangeKind, WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription
from leads.services.webhooks import webhook_url_problem


class ChangesQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.IntegerField(source="position", help_text=_("Feed position: increases in commit order."))
    lead = serializers.IntegerField(source="lead_id")
    kind = serializers.ChoiceField(choices=ChangeKind.choices)
    changes = serializers.DictField(source="data")
    at = serializers.DateTimeField()


class ChangePageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.IntegerField(help_text=_("Pass as `since` to get what follows; unchanged when empty."))


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False)
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, min_length=16, max_length=200,
        help_text=_("HMAC key of the signatures. Generated when absent and returned once, in the create response."),
    )  # fmt: skip

    class Meta:
        model = WebhookSubscription
        fields = ("id", "url", "events", "secret", "active", "description", "failure_count", "paused_at",
                  "created_at", "updated_at")  # fmt: skip
        read_only_fields = ("id", "failure_count", "paused_at", "created_at", "updated_at")

    def validate_url(self, value: str) -> str:
        problem = webhook_url_problem(value)
        if problem is not None:
            raise serializers.ValidationError(problem)
        return value


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The create response: the only time the secret is shown."""

    secret = serializers.CharField(read_only=True)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ("attempted_at", "status_code", "error", "duration_ms", "succeeded")
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ("id", "delivery_id", "event", "payload", "status", "attempts", "next_attempt_at",
                  "last_status_code", "last_error", "created_at", "delivered_at", "attempt_log")  # fmt: skip
        read_only_fields = fields
