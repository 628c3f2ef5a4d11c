"""Analytics API v1 (`/api/v1/analytics/...`): thin views that parse parameters, run a query object and
answer its `data`. Every endpoint needs Action.VIEW_ANALYTICS; bad parameters are a 400 problem naming the
field (`from`, `to`, `model`, `rates`, ...)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api import serializers as s
from analytics.choices import BenchmarkKey
from analytics.queries.attribution import AttributionComparisonQuery, AttributionQuery
from analytics.queries.base import AnalyticsFilters, filters_from_params
from analytics.queries.campaigns import CampaignRoiQuery
from analytics.queries.funnel import FunnelQuery
from analytics.queries.series import ChannelSeriesQuery
from analytics.queries.simulate import SimulationQuery
from analytics.queries.sla import SlaQuery
from analytics.queries.unit_economics import UnitEconomicsCalculation, UnitEconomicsQuery
from analytics.queries.velocity import VelocityQuery
from analytics.selectors import benchmarks_current
from analytics.services import benchmark_reset, benchmark_set
from leadflow.errors import NotPermitted, ValidationFailed
from leadflow.roles import Action, user_can

PROBLEM = OpenApiResponse(description="application/problem+json (RFC 9457); `errors` names each bad parameter")
FILTER_PARAMETERS = [
    OpenApiParameter("from", str, description="First day (YYYY-MM-DD, business time zone); default: 12 months "
                     "back to the first of the month"),
    OpenApiParameter("to", str, description="Last day, inclusive (YYYY-MM-DD); default: today"),
    OpenApiParameter("channel", str, description="Source channel slug or id; repeat or comma-separate"),
    OpenApiParameter("campaign", str, description="Campaign slug or id; repeat or comma-separate"),
    OpenApiParameter("segment", int, description="Saved segment id"),
    OpenApiParameter("owner", int, description="User id of the SDR or sales owner"),
    OpenApiParameter("account_tier", str, enum=["S", "A", "B", "C"]),
]  # fmt: skip


def parse(request: Request, params_serializer: type[serializers.Serializer] | None = None,
          data: Any = None) -> tuple[AnalyticsFilters, dict[str, Any]]:  # fmt: skip
    """The filters (from the query string) and the endpoint's own parameters, with every error at once."""
    errors: dict[str, list[str]] = {}
    filters = None
    try:
        filters = filters_from_params(request.query_params, today=timezone.localdate())
    except ValidationFailed as exc:
        errors.update(exc.errors)
    params: dict[str, Any] = {}
    if params_serializer is not None:
        serializer = params_serializer(data=request.query_params if data is None else data)
        if serializer.is_valid():
            params = dict(serializer.validated_data)
        else:
            errors.update({key: [str(m) for m in value] if isinstance(value, list) else value
                           for key, value in serializer.errors.items()})  # fmt: skip
    if errors or filters is None:
        raise ValidationFailed(_("Some analytics parameters are not valid."), errors=errors)
    return filters, params


class AnalyticsView(APIView):
    required_action = Action.VIEW_ANALYTICS


class FunnelView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: s.FunnelResponseSerializer, 400: PROBLEM})
    def get(self, request: Request) -> Response:
        """Cohort funnel of the leads created in the period (implied stages count as reached), flow entries,
        top-of-funnel visits and the benchmarks beside each conversion."""
        filters, _params = parse(request)
        return Response(FunnelQuery(filters=filters).run().data)


class VelocityView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: s.VelocityResponseSerializer, 400: PROBLEM})
    def get(self, request: Request) -> Response:
        """Median and p75 days between consecutive stages, time in current stage, sales cycle."""
        filters, _params = parse(request)
        return Response(VelocityQuery(filters=filters).run().data)


class SlaView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: s.SlaResponseSerializer, 400: PROBLEM})
    def get(self, request: Request) -> Response:
        """SLA compliance per policy and per owner (met on time, met late, breached, open, stopped) for clocks
        started in the period, returned MQLs by reason, SAL/MQL and SDR performance with credited MQLs."""
        filters, _params = parse(request)
        return Response(SlaQuery(filters=filters).run().data)


class AttributionView(AnalyticsView):
    @extend_schema(parameters=[*FILTER_PARAMETERS, s.AttributionParamsSerializer],
                   responses={200: s.AttributionResponseSerializer, 400: PROBLEM})  # fmt: skip
    def get(self, request: Request) -> Response:
        """Revenue of the period's new customers credited to channels, campaigns or touchpoint kinds by one
        model; rows add up to `total_revenue` to the cent (largest-remainder rounding)."""
        filters, params = parse(request, s.AttributionParamsSerializer)
        return Response(AttributionQuery(filters=filters, **params).run().data)


class AttributionCompareView(AnalyticsView):
    @extend_schema(parameters=[*FILTER_PARAMETERS, s.CompareParamsSerializer],
                   responses={200: s.GenericResultSerializer, 400: PROBLEM})  # fmt: skip
    def get(self, request: Request) -> Response:
        """Every attribution model side by side for the same period and grouping."""
        filters, params = parse(request, s.CompareParamsSerializer)
        return Response(AttributionComparisonQuery(filters=filters, **params).run().data)


class UnitEconomicsView(AnalyticsView):
    @extend_schema(parameters=[*FILTER_PARAMETERS, s.UnitEconomicsParamsSerializer],
                   responses={200: s.UnitEconomicsResponseSerializer, 400: PROBLEM})  # fmt: skip
    def get(self, request: Request) -> Response:
        """Per channel: cost, leads, MQLs, new customers, CPL, cost per MQL, paid and fully loaded CAC, ARPU,
        churn, LTV, LTV/CAC with its band, payback months with its band, ROI and long-term ROI."""
        filters, params = parse(request, s.UnitEconomicsParamsSerializer)
        return Response(UnitEconomicsQuery(filters=filters, **params).run().data)


class UnitEconomicsCalculateView(AnalyticsView):
    @extend_schema(request=s.CalculateRequestSerializer,
                   responses={200: s.CalculateResponseSerializer, 400: PROBLEM})  # fmt: skip
    def post(self, request: Request) -> Response:
        """LTV, LTV/CAC, payback months, lifetime and bands for the given CAC, ARPU, margin and churn."""
        body = s.CalculateRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(UnitEconomicsCalculation(**body.validated_data).run().data)


class SimulateView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, request=s.SimulateRequestSerializer,
                   responses={200: s.SimulateResponseSerializer, 400: PROBLEM})  # fmt: skip
    def post(self, request: Request) -> Response:
        """Counts per stage and revenue for `top` and `rates` (counts are not rounded), beside the baseline of
        the period given in the query string."""
        filters, params = parse(request, s.SimulateRequestSerializer, data=request.data)
        rates = params.get("rates")
        query = SimulationQuery(
            filters=filters, stages=tuple(params["stages"]), rates=None if rates is None else tuple(rates),
            top=params.get("top"), average_deal=params.get("average_deal"),
        )  # fmt: skip
        return Response(query.run().data)


class ChannelSeriesView(AnalyticsView):
    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: s.GenericResultSerializer, 400: PROBLEM})
    def get(self, request: Request) -> Response:
        """Leads and MQLs per source channel and month."""
        filters, _params = parse(request)
        return Response(ChannelSeriesQuery(filters=filters).run().data)


class CampaignRoiView(AnalyticsView):
    @extend_schema(parameters=[*FILTER_PARAMETERS, s.CampaignRoiParamsSerializer],
                   responses={200: s.GenericResultSerializer, 400: PROBLEM})  # fmt: skip
    def get(self, request: Request) -> Response:
        """Per campaign: cost, leads, new customers, attributed revenue, ROI and long-term ROI."""
        filters, params = parse(request, s.CampaignRoiParamsSerializer)
        return Response(CampaignRoiQuery(filters=filters, **params).run().data)


def _benchmarks_json() -> list[dict[str, Any]]:
    return [{"key": key.value, "label": str(key.label), "low": float(low), "high": float(high)}
            for key in BenchmarkKey for low, high in [benchmarks_current()[key]]]  # fmt: skip


class BenchmarksView(AnalyticsView):
    @extend_schema(responses={200: s.BenchmarkRangeSerializer(many=True)})
    def get(self, request: Request) -> Response:
        """The benchmark ranges shown beside the funnel (rates 0-1): edited values, else the spec's."""
        return Response(_benchmarks_json())


class BenchmarkDetailView(AnalyticsView):
    @extend_schema(request=s.BenchmarkWriteSerializer,
                   responses={200: s.BenchmarkRangeSerializer(many=True), 400: PROBLEM, 403: PROBLEM})  # fmt: skip
    def put(self, request: Request, key: str) -> Response:
        """Set one range (marketers and admins: Action.MANAGE_MARKETING); answers every range."""
        _require_marketing(request)
        body = s.BenchmarkWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        benchmark_set(key=key, low=body.validated_data["low"], high=body.validated_data["high"], actor=request.user)
        return Response(_benchmarks_json())

    @extend_schema(responses={200: s.BenchmarkRangeSerializer(many=True), 403: PROBLEM})
    def delete(self, request: Request, key: str) -> Response:
        """Back to the spec's default range."""
        _require_marketing(request)
        benchmark_reset(key=key)
        return Response(_benchmarks_json())


def _require_marketing(request: Request) -> None:
    if not user_can(request.user, Action.MANAGE_MARKETING):
        raise NotPermitted(_("Only marketers and admins change benchmarks."))
