"""Marketing objects of REST API v1: channels, campaigns, costs and revenue events.

Any role reads. Channels, campaigns and costs are written by marketers and admins (Action.MANAGE_MARKETING);
revenue events by sales managers and admins (Action.MANAGE_ROUTING: they own the deal desk). Channels and
campaigns are catalog rows edited as they are; costs go through `cost_upsert`, revenue events through
`revenue_event_create`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from leadflow.permissions import IsAuthenticatedWithRole
from leadflow.roles import Action, user_can
from leads.api.marketing_serializers import (
    CampaignSerializer,
    ChannelSerializer,
    CostPatchSerializer,
    CostSerializer,
    CostWriteSerializer,
    RevenueEventSerializer,
)
from leads.choices import ChannelCategory, CostCategory
from leads.models import Campaign, Channel, Cost, RevenueEvent, RevenueKind
from leads.services.costs import cost_update, cost_upsert, month_start
from leads.services.revenue import revenue_event_create

PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457)")
_WRITE_METHODS = ["get", "post", "patch", "head", "options"]


class IntegerIdMixin:
    """Ids are integers: any other path value is a 404 problem (not a 500, nor the router's HTML 404)."""

    lookup_value_regex = "[^/]+"

    def get_object(self) -> Any:
        if not str(self.kwargs["pk"]).isdigit():  # type: ignore[attr-defined]
            raise Http404
        return super().get_object()  # type: ignore[misc]


class ReadAnyWriteAction(IsAuthenticatedWithRole):
    """Every role reads; writing needs the view's `write_action`."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or user_can(request.user, view.write_action)


def _crud_schema(serializer: Any) -> Any:
    return extend_schema_view(
        list=extend_schema(responses={200: serializer(many=True), 400: PROBLEM, 404: PROBLEM}),
        retrieve=extend_schema(responses={200: serializer, 404: PROBLEM}),
        create=extend_schema(responses={201: serializer, 400: PROBLEM}),
        partial_update=extend_schema(responses={200: serializer, 400: PROBLEM, 404: PROBLEM}),
    )


class _CatalogViewSet(
    IntegerIdMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    permission_classes = [ReadAnyWriteAction]
    write_action = Action.MANAGE_MARKETING
    http_method_names = _WRITE_METHODS


class ChannelFilterSet(django_filters.FilterSet):
    category = django_filters.MultipleChoiceFilter(choices=ChannelCategory.choices)
    needs_review = django_filters.BooleanFilter()

    class Meta:
        model = Channel
        fields = ("category", "needs_review", "is_active")


@_crud_schema(ChannelSerializer)
class ChannelViewSet(_CatalogViewSet):
    """Channels (slug, name, category, route, prior score). Clear `needs_review` once a channel created on
    first use by a sync has been checked."""

    serializer_class = ChannelSerializer
    queryset = Channel.objects.all()
    filterset_class = ChannelFilterSet


class CampaignFilterSet(django_filters.FilterSet):
    channel = django_filters.CharFilter(field_name="channel__slug")
    needs_review = django_filters.BooleanFilter()

    class Meta:
        model = Campaign
        fields = ("channel", "needs_review")


@_crud_schema(CampaignSerializer)
class CampaignViewSet(_CatalogViewSet):
    """Campaigns (slug, name, channel slug, start, end, budget)."""

    serializer_class = CampaignSerializer
    queryset = Campaign.objects.select_related("channel")
    filterset_class = CampaignFilterSet


class CostFilterSet(django_filters.FilterSet):
    channel = django_filters.CharFilter(field_name="channel__slug")
    campaign = django_filters.CharFilter(field_name="campaign__slug")
    category = django_filters.MultipleChoiceFilter(choices=CostCategory.choices)
    month_from = django_filters.DateFilter(method="filter_month_from")
    month_to = django_filters.DateFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = Cost
        fields = ("channel", "campaign", "category", "month_from", "month_to")

    def filter_month_from(self, queryset: QuerySet[Cost], name: str, value: Any) -> QuerySet[Cost]:
        return queryset.filter(month__gte=month_start(value))


@extend_schema_view(
    list=extend_schema(responses={200: CostSerializer(many=True), 400: PROBLEM, 404: PROBLEM}),
    retrieve=extend_schema(responses={200: CostSerializer, 404: PROBLEM}),
)
class CostViewSet(IntegerIdMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monthly spend per channel or campaign and category. POST is an upsert on (channel|campaign, month,
    category): 201 when new, 200 when it replaced the stored amount."""

    serializer_class = CostSerializer
    queryset = Cost.objects.select_related("channel", "campaign")
    filterset_class = CostFilterSet
    permission_classes = [ReadAnyWriteAction]
    write_action = Action.MANAGE_MARKETING
    http_method_names = _WRITE_METHODS

    @extend_schema(request=CostWriteSerializer, responses={201: CostSerializer, 200: CostSerializer, 400: PROBLEM})
    def create(self, request: Request) -> Response:
        body = CostWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = cost_upsert(**body.validated_data)
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(CostSerializer(result.cost).data, status=code)

    @extend_schema(request=CostPatchSerializer, responses={200: CostSerializer, 400: PROBLEM, 404: PROBLEM})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        body = CostPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cost = cost_update(cost=self.get_object(), **body.validated_data)
        return Response(CostSerializer(cost).data)


class RevenueEventFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=RevenueKind.choices)
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = RevenueEvent
        fields = ("account", "kind", "date_from", "date_to")


@extend_schema_view(
    list=extend_schema(responses={200: RevenueEventSerializer(many=True), 400: PROBLEM, 404: PROBLEM}),
    retrieve=extend_schema(responses={200: RevenueEventSerializer, 404: PROBLEM}),
    create=extend_schema(responses={201: RevenueEventSerializer, 400: PROBLEM}),
)
class RevenueEventViewSet(
    IntegerIdMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The revenue ledger per account: new, renewal, expansion, contraction, churn. A won opportunity adds
    its `new` event by itself; the others are booked here by sales managers and admins."""

    serializer_class = RevenueEventSerializer
    queryset = RevenueEvent.objects.all()
    filterset_class = RevenueEventFilterSet
    permission_classes = [ReadAnyWriteAction]
    write_action = Action.MANAGE_ROUTING

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = revenue_event_create(actor=self.request.user, **serializer.validated_data)
