from django.urls import path
from rest_framework.routers import SimpleRouter

from leads.api.views import LeadViewSet, MeView

router = SimpleRouter()
router.register("leads", LeadViewSet, basename="lead")

urlpatterns = [path("me/", MeView.as_view(), name="api-me"), *router.urls]
