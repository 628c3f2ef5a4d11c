"""Public open pixel and click redirect of nurture emails (signed tokens; see nurturing.services.tracking)."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from nurturing.services.tracking import message_engagement_record

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@never_cache
@require_GET
def track_open(request: HttpRequest, token: str) -> HttpResponse:
    """Always the pixel (a bad token is simply not recorded: mail clients must not show a broken image)."""
    message_engagement_record(token=token, now=timezone.now())
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def track_click(request: HttpRequest, token: str) -> HttpResponse:
    target = message_engagement_record(token=token, now=timezone.now())
    if not target:
        raise Http404
    return HttpResponseRedirect(target)
