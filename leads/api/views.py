"""REST API v1 for leads. Thin: serializers check shape, services decide, selectors scope by role."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leadflow.roles import Action, user_can
from leads.api.serializers import (
    LeadPatchSerializer,
    LeadSerializer,
    LeadWriteSerializer,
    MergeSerializer,
    MeSerializer,
    TimelineQuerySerializer,
    TimelineSerializer,
    TransitionSerializer,
)
from leads.filters import LeadFilterSet
from leads.models import Lead
from leads.selectors import lead_detail_queryset, lead_timeline
from leads.services.edit import lead_patch
from leads.services.erase import lead_erase
from leads.services.identity import lead_follow_merges
from leads.services.merge import lead_merge
from leads.services.stages import lead_transition
from leads.services.upsert import lead_upsert

PROBLEM = OpenApiResponse(description="application/problem+json")


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet
    required_action = Action.VIEW_LEADS
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Lead]:
        """What the caller may see; an erased lead is gone from the API (its history stays for analytics)."""
        return lead_detail_queryset(user=self.request.user).filter(erased_at__isnull=True)

    def get_object(self) -> Lead:
        """A merged lead's id still resolves: it answers with its survivor."""
        if not str(self.kwargs["pk"]).isdigit():
            raise Http404
        lead = get_object_or_404(Lead.objects.only("id", "merged_into"), pk=self.kwargs["pk"])
        survivor = lead_follow_merges(lead=lead)
        obj = get_object_or_404(self.get_queryset(), pk=survivor.pk)
        self.check_object_permissions(self.request, obj)
        return obj

    @extend_schema(request=LeadWriteSerializer, responses={200: LeadSerializer, 201: LeadSerializer, 400: PROBLEM})
    def create(self, request: Request) -> Response:
        """Create a lead, or update the one its external id, email or phone resolves to."""
        self._require(Action.EDIT_LEADS)
        serializer = LeadWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = lead_upsert(data=serializer.to_service_data(), actor=request.user)
        lead = lead_detail_queryset(user=request.user).filter(pk=result.lead.pk).first() or result.lead
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(LeadSerializer(lead).data, status=code)

    @extend_schema(request=LeadPatchSerializer, responses={200: LeadSerializer, 400: PROBLEM, 404: PROBLEM,
                                                           409: PROBLEM})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Edit the fields given: profile, contact, `owner_sdr`/`owner_sales` (user ids, null unassigns),
        `temperature` and `tags` (names, replacing the lead's tags). 409 when an email, phone or external id
        belongs to another lead."""
        self._require(Action.EDIT_LEADS)
        lead = self.get_object()
        serializer = LeadPatchSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        lead = lead_patch(lead=lead, data=serializer.to_service_data(), actor=request.user)
        return Response(LeadSerializer(self.get_queryset().get(pk=lead.pk)).data)

    @extend_schema(responses={204: None, 403: PROBLEM, 404: PROBLEM, 409: PROBLEM})
    def destroy(self, request: Request, pk: str | None = None) -> Response:
        """Erase the person's personal data on request: identities and personal fields are wiped, history
        and aggregates stay, and the lead no longer resolves (a 404 afterwards). Marketers (who own the lead
        pool) and admins only."""
        self._require(Action.MANAGE_MARKETING)
        lead = self.get_object()
        lead_erase(lead=lead, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[TimelineQuerySerializer], responses={200: TimelineSerializer, 404: PROBLEM})
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: str | None = None) -> Response:
        """Stage changes, touchpoints and lead events (owners, temperature, BANT, consent, merges), newest
        first, at most `limit` (default 100, up to 500); pass `next_before` back as `before` for older ones."""
        lead = self.get_object()
        query = TimelineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        items = lead_timeline(lead=lead, limit=limit, before=query.validated_data.get("before"))
        next_before = items[-1].at if len(items) == limit else None
        body = {"results": [{"at": i.at, "type": i.type, "data": i.data} for i in items], "next_before": next_before}
        return Response(TimelineSerializer(body).data)

    @extend_schema(request=TransitionSerializer, responses={200: LeadSerializer, 400: PROBLEM, 409: PROBLEM})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        """Move the lead to another stage; 409 when the move is not allowed from its current stage."""
        self._require(Action.CHANGE_STAGE)
        lead = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(serializer.validated_data)
        lead = lead_transition(lead=lead, actor=request.user, **data)
        return Response(LeadSerializer(lead).data)

    @extend_schema(request=MergeSerializer, responses={200: LeadSerializer, 400: PROBLEM, 409: PROBLEM})
    @action(detail=False, methods=["post"])
    def merge(self, request: Request) -> Response:
        """Fold `other` into `survivor`; the other id keeps resolving to the survivor."""
        self._require(Action.MERGE_LEADS)
        serializer = MergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visible = self.get_queryset()
        survivor = get_object_or_404(visible, pk=serializer.validated_data["survivor"])
        other = get_object_or_404(visible, pk=serializer.validated_data["other"])
        lead = lead_merge(survivor=survivor, other=other, actor=request.user)
        return Response(LeadSerializer(visible.get(pk=lead.pk)).data)

    def _require(self, action_name: Action) -> None:
        if not user_can(self.request.user, action_name):
            self.permission_denied(self.request)
