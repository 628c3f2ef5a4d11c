"""`/api/v1/sequences/` and `/api/v1/enrollments/`: nurture sequences, their steps, dry runs and figures,
and the enrollments of leads. Writes go through `nurturing.services`; every error names its field.

Permissions: anyone with a role reads sequences; marketers and admins (MANAGE_MARKETING) build them, switch
them on and off and enrol segments. Anyone who may edit a lead they can see may enrol that one lead or stop
its enrollment.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from leadflow.errors import Conflict, NotPermitted
from leadflow.roles import Action, user_can
from leads.selectors import leads_visible_to
from nurturing.api.sequence_serializers import (
    DryRunRequestSerializer,
    EnrollmentCreateSerializer,
    EnrollmentSerializer,
    SequenceEnrollSerializer,
    SequenceSerializer,
    SequenceWriteSerializer,
    StepSerializer,
    StepWriteSerializer,
)
from nurturing.models.sequences import Enrollment, EnrollmentStatus, Sequence, SequenceStatus, Track
from nurturing.selectors.dry_run import sequence_dry_run
from nurturing.selectors.sequences import enrollments_visible_to, sequence_step_figures
from nurturing.services.enrollments import enrollment_start_one, enrollment_stop
from nurturing.services.sequences import (
    sequence_create,
    sequence_enroll_segment,
    sequence_set_status,
    sequence_steps_create,
    sequence_update,
    step_add,
)

PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457)")
WRITE_ACTIONS = {"create", "partial_update", "add_step", "activate", "pause", "enroll"}


class IdCursorPagination(CursorPagination):
    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


def _digits(value: Any) -> None:
    if not str(value).isdigit():
        raise Http404


class SequenceFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SequenceStatus.choices)
    track = django_filters.ChoiceFilter(choices=Track.choices)

    class Meta:
        model = Sequence
        fields = ("status", "track", "trigger_kind")


@extend_schema_view(
    list=extend_schema(responses={200: SequenceSerializer(many=True)}),
    retrieve=extend_schema(responses={200: SequenceSerializer, 404: PROBLEM}),
)
class SequenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Nurture sequences (SOPs): steps, triggers and exits. Built-in SOPs are ordinary, editable rows."""

    serializer_class = SequenceSerializer
    filterset_class = SequenceFilterSet
    pagination_class = IdCursorPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def required_action(self) -> Action | None:
        return Action.MANAGE_MARKETING if self.action in WRITE_ACTIONS else None

    def get_queryset(self) -> QuerySet[Sequence]:
        return Sequence.objects.prefetch_related("steps")

    def get_object(self) -> Any:
        _digits(self.kwargs["pk"])
        return super().get_object()

    @extend_schema(request=SequenceWriteSerializer, responses={201: SequenceSerializer, 400: PROBLEM, 403: PROBLEM})
    def create(self, request: Request) -> Response:
        """Create a sequence (a draft unless switched on later), optionally with all its steps."""
        body = SequenceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        steps = data.pop("steps", None)
        with transaction.atomic():
            sequence = sequence_create(data=data, actor=request.user)
            if steps:
                sequence_steps_create(sequence=sequence, steps=steps)
        return Response(SequenceSerializer(sequence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SequenceWriteSerializer, responses={200: SequenceSerializer, 400: PROBLEM})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        sequence = self.get_object()
        body = SequenceWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        data = {key: value for key, value in body.validated_data.items() if key not in ("steps", "slug")}
        return Response(SequenceSerializer(sequence_update(sequence=sequence, data=data)).data)

    @extend_schema(request=StepWriteSerializer, responses={201: StepSerializer, 400: PROBLEM})
    @action(detail=True, methods=["post"], url_path="steps")
    def add_step(self, request: Request, pk: str | None = None) -> Response:
        """Append a step (or insert it at `position`)."""
        sequence = self.get_object()
        body = StepWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        step = step_add(sequence=sequence, **body.validated_data)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SequenceSerializer, 400: PROBLEM})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        """Switch on (or resume): every step is checked first; 400 lists each bad step setting."""
        sequence = sequence_set_status(sequence=self.get_object(), status=SequenceStatus.ACTIVE, now=timezone.now())
        return Response(SequenceSerializer(sequence).data)

    @extend_schema(request=None, responses={200: SequenceSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        """Pause: enrolled leads stay, their steps wait until the sequence is resumed."""
        sequence = sequence_set_status(sequence=self.get_object(), status=SequenceStatus.PAUSED, now=timezone.now())
        return Response(SequenceSerializer(sequence).data)

    @extend_schema(request=SequenceEnrollSerializer, responses={
        200: inline_serializer("EnrollResult", {"enrolled": serializers.IntegerField()}), 400: PROBLEM, 409: PROBLEM})
    @action(detail=True, methods=["post"])
    def enroll(self, request: Request, pk: str | None = None) -> Response:
        """Enrol one lead, a saved segment, or the leads of a rule tree (those you may see). Leads already in
        this or a higher-priority sequence of the track, or past its target stage, are left out."""
        sequence = self.get_object()
        body = SequenceEnrollSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data, now = body.validated_data, timezone.now()
        if data.get("lead") is not None:
            _check_lead_visible(request, data["lead"])
            enrollment_start_one(sequence=sequence, lead=data["lead"], now=now, actor=request.user)
            return Response({"enrolled": 1})
        count = sequence_enroll_segment(sequence=sequence, user=request.user, now=now, segment=data.get("segment"),
                                        rule=data.get("rule"))  # fmt: skip
        return Response({"enrolled": count})

    @extend_schema(request=DryRunRequestSerializer, responses={200: inline_serializer("DryRun", {
        "count": serializers.IntegerField(), "note": serializers.CharField(),
        "leads": serializers.ListField(child=serializers.DictField())}), 400: PROBLEM})
    @action(detail=True, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request, pk: str | None = None) -> Response:
        """Who would enter now (the trigger's leads, or a segment / rule) and what each would receive over the
        next 30 days. Changes nothing."""
        sequence = self.get_object()
        body = DryRunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        segment = body.validated_data.get("segment")
        rule = segment.rule if segment is not None else body.validated_data["rule"]
        result = sequence_dry_run(sequence=sequence, user=request.user, now=timezone.now(), rule=rule,
                                  sample=body.validated_data["sample"])  # fmt: skip
        return Response({"count": result.count, "note": result.note, "leads": [
            {"id": plan.lead.pk, "name": plan.lead.display_name, "email": plan.lead.email, "items": [
                {"at": item.at, "kind": item.kind, "summary": item.summary, "step": item.step}
                for item in plan.items]}
            for plan in result.plans]})  # fmt: skip

    @extend_schema(responses={200: inline_serializer("StepFigures", {
        "step": serializers.CharField(), "kind": serializers.CharField(), "entered": serializers.IntegerField(),
        "sent": serializers.IntegerField(), "opened": serializers.IntegerField(),
        "clicked": serializers.IntegerField(), "replied": serializers.IntegerField(),
        "converted": serializers.IntegerField()}, many=True)})  # fmt: skip
    @action(detail=True, methods=["get"])
    def figures(self, request: Request, pk: str | None = None) -> Response:
        """Per step: leads entered, messages sent, opened / clicked / replied within 7 days, converted."""
        return Response([
            {"step": row.step.key, "kind": row.step.kind, "entered": row.entered, "sent": row.sent,
             "opened": row.opened, "clicked": row.clicked, "replied": row.replied, "converted": row.converted}
            for row in sequence_step_figures(sequence=self.get_object())])  # fmt: skip


def _check_lead_visible(request: Request, lead: Any) -> None:
    if not user_can(request.user, Action.EDIT_LEADS) or not leads_visible_to(user=request.user).filter(
            pk=lead.pk).exists():
        raise NotPermitted(_("You may not enrol this lead."))


class EnrollmentFilterSet(django_filters.FilterSet):
    sequence = django_filters.CharFilter(field_name="sequence__slug", help_text="The sequence's slug.")
    status = django_filters.ChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = ("lead", "sequence", "status", "track")


@extend_schema_view(
    list=extend_schema(responses={200: EnrollmentSerializer(many=True)}),
    retrieve=extend_schema(responses={200: EnrollmentSerializer, 404: PROBLEM}),
)
class EnrollmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Leads in sequences: where each is (current step, next run) and how it ended."""

    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilterSet
    pagination_class = IdCursorPagination
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Enrollment]:
        return enrollments_visible_to(user=self.request.user)

    def get_object(self) -> Any:
        _digits(self.kwargs["pk"])
        return super().get_object()

    @extend_schema(request=EnrollmentCreateSerializer, responses={201: EnrollmentSerializer, 400: PROBLEM,
                                                                  403: PROBLEM, 409: PROBLEM})  # fmt: skip
    def create(self, request: Request) -> Response:
        """Enrol one lead in a sequence by hand (409 says why it may not enter)."""
        body = EnrollmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _check_lead_visible(request, body.validated_data["lead"])
        enrollment = enrollment_start_one(sequence=body.validated_data["sequence"], lead=body.validated_data["lead"],
                                          now=timezone.now(), actor=request.user)  # fmt: skip
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EnrollmentSerializer, 404: PROBLEM, 409: PROBLEM})
    @action(detail=True, methods=["post"])
    def stop(self, request: Request, pk: str | None = None) -> Response:
        """Stop the enrollment (exit reason `manual_stop`); 409 when it has already ended."""
        enrollment = self.get_object()
        if not user_can(request.user, Action.EDIT_LEADS):
            raise NotPermitted(_("You may not stop enrollments."))
        if not enrollment_stop(enrollment=enrollment, now=timezone.now()):
            raise Conflict(_("This enrollment has already ended."))
        enrollment.refresh_from_db()
        return Response(EnrollmentSerializer(enrollment).data)
