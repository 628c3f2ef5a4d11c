"""The change feed and webhook subscriptions of REST API v1. Thin: services write, `changes_since` reads."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leadflow.roles import Action
from leads.api.webhook_serializers import (
    ChangePageSerializer,
    ChangeSerializer,
    ChangesQuerySerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from leads.models import WebhookDelivery, WebhookSubscription
from leads.services.changes import changes_positions_assign, changes_since
from leads.services.webhooks import webhook_subscription_create, webhook_subscription_update

PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457)")


class ChangeFeedView(APIView):
    required_action = Action.VIEW_LEADS

    @extend_schema(
        parameters=[ChangesQuerySerializer],
        responses={200: ChangePageSerializer, 400: PROBLEM, 401: PROBLEM, 403: PROBLEM},
    )
    def get(self, request: Request) -> Response:
        """Lead changes after cursor `since`, oldest first, for incremental sync: store `next_cursor` and
        pass it back as `since`. Changes of leads the caller may not see are left out."""
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, limit = query.validated_data["since"], query.validated_data["limit"]
        changes_positions_assign()
        rows = changes_since(user=request.user, since=since, limit=limit)
        return Response(
            {"results": ChangeSerializer(rows, many=True).data, "next_cursor": rows[-1].position if rows else since}
        )


@extend_schema_view(
    list=extend_schema(responses={200: WebhookSubscriptionSerializer(many=True), 401: PROBLEM, 403: PROBLEM}),
    retrieve=extend_schema(responses={200: WebhookSubscriptionSerializer, 404: PROBLEM}),
    create=extend_schema(responses={201: WebhookSubscriptionCreatedSerializer, 400: PROBLEM, 403: PROBLEM}),
    update=extend_schema(responses={200: WebhookSubscriptionSerializer, 400: PROBLEM, 404: PROBLEM}),
    partial_update=extend_schema(responses={200: WebhookSubscriptionSerializer, 400: PROBLEM, 404: PROBLEM}),
    destroy=extend_schema(responses={204: None, 404: PROBLEM}),
)
class WebhookSubscriptionViewSet(viewsets.ModelViewSet):
    """Outbound webhook subscriptions, managed by marketers and admins (Action.MANAGE_MARKETING): they own
    the integrations that feed the CRM. `active=true` resumes a subscription paused after failures."""

    serializer_class = WebhookSubscriptionSerializer
    required_action = Action.MANAGE_MARKETING
    queryset = WebhookSubscription.objects.all()
    pagination_class = None

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = webhook_subscription_create(actor=self.request.user, **serializer.validated_data)

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(WebhookSubscriptionCreatedSerializer(serializer.instance).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        assert isinstance(serializer.instance, WebhookSubscription)
        webhook_subscription_update(subscription=serializer.instance, data=serializer.validated_data)

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["pending", "delivered", "failed"], required=False)],
        responses={200: WebhookDeliverySerializer(many=True), 404: PROBLEM},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The latest 100 deliveries of this subscription with every attempt, newest first."""
        deliveries: QuerySet[WebhookDelivery] = self.get_object().deliveries.prefetch_related("attempt_log")
        if request.query_params.get("status"):
            deliveries = deliveries.filter(status=request.query_params["status"])
        return Response(WebhookDeliverySerializer(deliveries.order_by("-id")[:100], many=True).data)
