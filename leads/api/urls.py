from django.urls import path
from rest_framework.routers import SimpleRouter

from leads.api.views import LeadViewSet, MeView

router = SimpleRouter()
router.register("leads", LeadViewSet, basename="lead")

urlpatterns = [path("me/", MeView.as_view(), name="api-me"), *router.urls]

from leads.api.bulk import IdentifyView, LeadBulkView, TouchpointBulkView, TouchpointView  # noqa: E402
from leads.api.scoring import LeadScoreView  # noqa: E402

# Ahead of the router: "leads/bulk/" would otherwise be taken for the detail route of a lead called "bulk".
urlpatterns = [
    path("leads/bulk/", LeadBulkView.as_view(), name="api-leads-bulk"),
    path("touchpoints/", TouchpointView.as_view(), name="api-touchpoints"),
    path("touchpoints/bulk/", TouchpointBulkView.as_view(), name="api-touchpoints-bulk"),
    path("identify/", IdentifyView.as_view(), name="api-identify"),
    path("leads/<str:pk>/score/", LeadScoreView.as_view(), name="api-lead-score"),
    *urlpatterns,
]

# Change feed and webhooks (leads/api/feed.py).
from leads.api.feed import ChangeFeedView, WebhookSubscriptionViewSet  # noqa: E402

feed_router = SimpleRouter()
feed_router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
urlpatterns += [path("changes/", ChangeFeedView.as_view(), name="api-changes"), *feed_router.urls]

# Marketing objects (leads/api/marketing.py) and accounts (accounts/api/views.py).
from accounts.api.views import AccountViewSet  # noqa: E402
from leads.api.marketing import CampaignViewSet, ChannelViewSet, CostViewSet, RevenueEventViewSet  # noqa: E402

marketing_router = SimpleRouter()
marketing_router.register("accounts", AccountViewSet, basename="account")
marketing_router.register("channels", ChannelViewSet, basename="channel")
marketing_router.register("campaigns", CampaignViewSet, basename="campaign")
marketing_router.register("costs", CostViewSet, basename="cost")
marketing_router.register("revenue-events", RevenueEventViewSet, basename="revenue-event")
urlpatterns += marketing_router.urls

# Public collect endpoint for web forms and trackers (leads/api/collect.py), authenticated by a site key.
from leads.api.collect import CollectView  # noqa: E402

urlpatterns += [path("collect/", CollectView.as_view(), name="api-collect")]

# Segments (leads/api/segments.py): saved rule trees and POST segments/preview/.
from leads.api.segments import SegmentViewSet  # noqa: E402

segment_router = SimpleRouter()
segment_router.register("segments", SegmentViewSet, basename="segment")
urlpatterns += segment_router.urls
