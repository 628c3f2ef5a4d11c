"""The public one-click unsubscribe page behind every marketing email's signed link.

GET shows a confirmation (link scanners and previews must not unsubscribe anyone); POST unsubscribes, both
from the page's button and from a mail client's RFC 8058 one-click request (`List-Unsubscribe=One-Click`),
which carries no CSRF token, hence csrf_exempt: the signed token is the credential.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from leads.models import Lead
from nurturing.services.messages import unsubscribe_read
from nurturing.services.suppression import lead_unsubscribe


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    data = unsubscribe_read(token)
    lead = Lead.objects.filter(pk=data["lead_id"]).first() if data else None
    if data is None or lead is None:
        return render(request, "nurturing/unsubscribe.html", {"state": "invalid"}, status=404)
    if request.method == "POST":
        lead_unsubscribe(lead=lead, email=data["email"], now=timezone.now(),
                         source="one-click" if "List-Unsubscribe" in request.POST else "link")  # fmt: skip
        return render(request, "nurturing/unsubscribe.html", {"state": "done", "email": data["email"]})
    return render(request, "nurturing/unsubscribe.html", {"state": "confirm", "email": data["email"]})
