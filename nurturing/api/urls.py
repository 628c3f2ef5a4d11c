"""Nurturing API routes (mounted under /api/v1/). Shared: register your viewsets, one line each."""

from rest_framework.routers import SimpleRouter

from nurturing.api.sequences import EnrollmentViewSet, SequenceViewSet
from nurturing.api.tasks import TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("sequences", SequenceViewSet, basename="sequence")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")

urlpatterns = router.urls
