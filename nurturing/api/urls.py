"""Nurturing API routes (mounted under /api/v1/). Shared: register your viewsets, one line each."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter()

urlpatterns = router.urls
