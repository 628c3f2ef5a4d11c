"""Nurturing API routes (mounted under /api/v1/). Shared: register your viewsets, one line each."""

from rest_framework.routers import SimpleRouter

from nurturing.api.tasks import TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
