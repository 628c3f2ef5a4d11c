"""/api/v1/accounts/: list, retrieve, create, patch. Any role reads; marketers, sales managers and admins
write (marketing builds ABM lists and tiers, sales managers own accounts and their owners)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

from accounts.api.serializers import AccountSerializer
from accounts.choices import CustomerStatus, Tier
from accounts.models import Account
from accounts.services import domain_normalise
from leadflow.permissions import IsAuthenticatedWithRole
from leadflow.roles import Role, user_roles

PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457)")
ACCOUNT_EDITORS = frozenset({Role.MARKETER, Role.SALES_MANAGER, Role.ADMIN})


class CanEditAccounts(IsAuthenticatedWithRole):
    def has_permission(self, request: Request, view: Any) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in SAFE_METHODS or bool(user_roles(request.user) & ACCOUNT_EDITORS)


class AccountFilterSet(django_filters.FilterSet):
    domain = django_filters.CharFilter(method="filter_domain", label="Domain (normalised, exact)")
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices)
    customer_status = django_filters.MultipleChoiceFilter(choices=CustomerStatus.choices)
    is_target = django_filters.BooleanFilter()

    class Meta:
        model = Account
        fields = ("domain", "tier", "customer_status", "is_target")

    def filter_domain(self, queryset: QuerySet[Account], name: str, value: str) -> QuerySet[Account]:
        return queryset.filter(domain=domain_normalise(value))


@extend_schema_view(
    list=extend_schema(responses={200: AccountSerializer(many=True), 400: PROBLEM, 404: PROBLEM}),
    retrieve=extend_schema(responses={200: AccountSerializer, 404: PROBLEM}),
    create=extend_schema(responses={201: AccountSerializer, 400: PROBLEM}),
    partial_update=extend_schema(responses={200: AccountSerializer, 400: PROBLEM, 404: PROBLEM}),
)
class AccountViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    serializer_class = AccountSerializer
    permission_classes = [CanEditAccounts]
    filterset_class = AccountFilterSet
    queryset = Account.objects.select_related("owner_sales")
    lookup_value_regex = "[^/]+"

    def get_object(self) -> Account:
        """Ids are integers: any other path value is a 404 problem, not a 500."""
        if not str(self.kwargs["pk"]).isdigit():
            raise Http404
        return super().get_object()
    http_method_names = ["get", "post", "patch", "head", "options"]
