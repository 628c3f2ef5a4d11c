"""Cards nurturing adds to the lead page through `leads.hooks.lead_panel_register` (read-only)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from leads.models import Lead
from nurturing.models import SlaClock

CLOCKS_SHOWN = 10


def lead_sla_panel(*, request: HttpRequest, lead: Lead) -> str:
    """The lead's SLA clocks, newest first: running ones with a live countdown, closed ones with how they
    ended (met, late, returned, breached). Nothing when the lead never had a clock."""
    clocks = list(SlaClock.objects.filter(lead_id=lead.pk).select_related("policy", "owner")
                  .order_by("-started_at", "-id")[:CLOCKS_SHOWN])  # fmt: skip
    if not clocks:
        return ""
    return render_to_string("nurturing/_lead_sla_panel.html", {"clocks": clocks, "now": timezone.now()},
                            request=request)  # fmt: skip
