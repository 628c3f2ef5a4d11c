"""Mounted at /api/v1/analytics/ by leadflow/urls.py."""

from django.urls import path

from analytics.api import views

urlpatterns = [
    path("funnel/", views.FunnelView.as_view(), name="api-analytics-funnel"),
    path("velocity/", views.VelocityView.as_view(), name="api-analytics-velocity"),
    path("sla/", views.SlaView.as_view(), name="api-analytics-sla"),
    path("attribution/", views.AttributionView.as_view(), name="api-analytics-attribution"),
    path("attribution/compare/", views.AttributionCompareView.as_view(), name="api-analytics-attribution-compare"),
    path("unit-economics/", views.UnitEconomicsView.as_view(), name="api-analytics-unit-economics"),
    path("unit-economics/calculate/", views.UnitEconomicsCalculateView.as_view(),
         name="api-analytics-unit-economics-calculate"),
    path("simulate/", views.SimulateView.as_view(), name="api-analytics-simulate"),
    path("leads-by-channel/", views.ChannelSeriesView.as_view(), name="api-analytics-leads-by-channel"),
    path("benchmarks/", views.BenchmarksView.as_view(), name="api-analytics-benchmarks"),
    path("benchmarks/<str:key>/", views.BenchmarkDetailView.as_view(), name="api-analytics-benchmark"),
    path("campaign-roi/", views.CampaignRoiView.as_view(), name="api-analytics-campaign-roi"),
]
