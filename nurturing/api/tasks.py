"""`/api/v1/tasks/`: SDR tasks. List (filters), create, retrieve, and `POST {id}/complete/`.

Visibility follows the leads: a user sees tasks on leads they may see and tasks assigned to them. Writes go
through `nurturing.services.tasks`.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from leadflow.errors import NotPermitted
from leads.selectors import leads_visible_to
from nurturing.api.task_serializers import TaskCompleteSerializer, TaskCreateSerializer, TaskSerializer
from nurturing.models import SdrTask, TaskKind, TaskSource
from nurturing.selectors.tasks import tasks_visible_to
from nurturing.services.tasks import task_complete, task_create

PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457)")


class DueCursorPagination(CursorPagination):
    ordering = ("due_at", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class TaskFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=(("open", "open"), ("done", "done"), ("overdue", "overdue")), method="filter_status",
        help_text="open: not done; done: completed; overdue: open and past due.",
    )  # fmt: skip
    assignee = django_filters.CharFilter(method="filter_assignee", help_text="A user id, or `me`.")
    kind = django_filters.MultipleChoiceFilter(choices=TaskKind.choices)
    source = django_filters.ChoiceFilter(choices=TaskSource.choices)
    due_before = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="lt")
    due_after = django_filters.IsoDateTimeFilter(field_name="due_at", lookup_expr="gte")

    class Meta:
        model = SdrTask
        fields = ("lead", "status", "assignee", "kind", "source", "due_before", "due_after")

    def filter_status(self, queryset: QuerySet[SdrTask], name: str, value: str) -> QuerySet[SdrTask]:
        if value == "done":
            return queryset.filter(done_at__isnull=False)
        queryset = queryset.filter(done_at__isnull=True)
        return queryset.filter(due_at__lte=timezone.now()) if value == "overdue" else queryset

    def filter_assignee(self, queryset: QuerySet[SdrTask], name: str, value: str) -> QuerySet[SdrTask]:
        if value == "me":
            return queryset.filter(assignee_id=self.request.user.pk)
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(Q(assignee_id=int(value)))


@extend_schema_view(
    list=extend_schema(responses={200: TaskSerializer(many=True), 400: PROBLEM}),
    retrieve=extend_schema(responses={200: TaskSerializer, 404: PROBLEM}),
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """SDR tasks (calls, follow-ups, emails, meetings) with due times and outcomes, created by people,
    sequence steps and rules. Completing a call, email or meeting counts as logged work on the lead (it meets
    the lead's first-touch and follow-up SLA clocks)."""

    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    pagination_class = DueCursorPagination
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[SdrTask]:
        return tasks_visible_to(user=self.request.user)

    def get_object(self) -> Any:
        if not str(self.kwargs["pk"]).isdigit():
            raise Http404
        return super().get_object()

    @extend_schema(request=TaskCreateSerializer, responses={201: TaskSerializer, 400: PROBLEM, 403: PROBLEM})
    def create(self, request: Request) -> Response:
        body = TaskCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if not leads_visible_to(user=request.user).filter(pk=data["lead"].pk).exists():
            raise NotPermitted("You may not add tasks to this lead.")
        task = task_create(lead=data["lead"], kind=data["kind"], due_at=data["due_at"], assignee=data["assignee"],
                           title=data["title"], note=data["note"], source=TaskSource.USER,
                           created_by=request.user)  # fmt: skip
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TaskCompleteSerializer, responses={200: TaskSerializer, 400: PROBLEM, 404: PROBLEM,
                                                              409: PROBLEM})  # fmt: skip
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the task done with an outcome (409 when it was already done)."""
        task = self.get_object()
        body = TaskCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = task_complete(task=task, outcome=body.validated_data["outcome"], note=body.validated_data["note"],
                             actor=request.user)  # fmt: skip
        return Response(TaskSerializer(task).data)
