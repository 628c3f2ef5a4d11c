from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from leadflow import health

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="leads:list", permanent=False), name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("leads/", include("leads.urls")),
    path("queue/", include("leads.queue.urls")),
    path("rules/", include("leads.qualification.urls")),
    path("segments/", include("leads.segments.urls")),
    path("routing/", include("leads.routing.urls")),
    path("notifications/", include("leads.routing.notification_urls")),
    path("marketing/", include("leads.marketing.urls")),
    path("analytics/", include("analytics.urls")),
    path("nurturing/", include("nurturing.urls")),
    path("admin/", admin.site.urls),
    path("healthz/", health.healthz, name="healthz"),
    path("api/v1/", include("leads.api.urls")),
    path("api/v1/analytics/", include("analytics.api.urls")),
    path("api/v1/", include("nurturing.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

# Under /api/ unknown URLs and server errors answer application/problem+json, elsewhere Django's pages.
handler404 = "leadflow.errors.handler404"
handler500 = "leadflow.errors.handler500"
