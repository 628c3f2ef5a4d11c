"""Segments of REST API v1: `/api/v1/segments/` (saved rule trees) and `POST /api/v1/segments/preview/`.

Every role reads saved segments and previews a tree (sequences and lists use them); the count and the sample
are limited to the leads the caller may see (leads.selectors.leads_visible_to), so an SDR's preview counts
only an SDR's leads. Creating, changing and deleting segments is for marketers and admins
(Action.MANAGE_MARKETING): segments are marketing's, any marketer may edit one.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from leadflow.permissions import IsAuthenticatedWithRole
from leadflow.roles import Action, user_can
from leads.api.marketing import PROBLEM, IntegerIdMixin
from leads.api.segment_serializers import PreviewRequestSerializer, PreviewSerializer, SegmentSerializer
from leads.segments.models import Segment
from leads.segments.selectors import segment_preview
from leads.segments.services import segment_create, segment_delete, segment_update


class SegmentPermission(IsAuthenticatedWithRole):
    """Every role reads and previews; writing needs Action.MANAGE_MARKETING."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS or getattr(view, "action", None) == "preview":
            return True
        return user_can(request.user, Action.MANAGE_MARKETING)


@extend_schema_view(
    list=extend_schema(responses={200: SegmentSerializer(many=True), 400: PROBLEM, 404: PROBLEM}),
    retrieve=extend_schema(responses={200: SegmentSerializer, 404: PROBLEM}),
    create=extend_schema(responses={201: SegmentSerializer, 400: PROBLEM, 403: PROBLEM}),
    partial_update=extend_schema(responses={200: SegmentSerializer, 400: PROBLEM, 403: PROBLEM, 404: PROBLEM}),
    destroy=extend_schema(responses={204: None, 403: PROBLEM, 404: PROBLEM}),
)
class SegmentViewSet(
    IntegerIdMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
    mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet,
):  # fmt: skip
    """Saved segments: a name, a description and a rule tree (spec/scoring.md). A rule that does not
    compile is a 400 naming the bad node (`rule.all[1].op`)."""

    serializer_class = SegmentSerializer
    permission_classes = [SegmentPermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Segment]:
        return Segment.objects.all()

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = segment_create(name=data["name"], description=data.get("description", ""),
                                             rule=data["rule"], owner=self.request.user)  # fmt: skip

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = segment_update(segment=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance: Segment) -> None:
        segment_delete(segment=instance)

    @extend_schema(request=PreviewRequestSerializer, responses={200: PreviewSerializer, 400: PROBLEM})
    @action(detail=False, methods=["post"])
    def preview(self, request: Request) -> Response:
        """Count and a sample (newest first) of the leads a rule tree matches, among those the caller may
        see. Nothing is saved."""
        body = PreviewRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = segment_preview(user=request.user, rule=body.validated_data["rule"], now=timezone.now(),
                                 sample_size=body.validated_data["sample_size"])  # fmt: skip
        return Response(PreviewSerializer(result).data, status=status.HTTP_200_OK)
