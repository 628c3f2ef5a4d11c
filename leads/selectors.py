"""Reads of leads. Visibility by role lives here, so the HTML pages and the API agree."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from leadflow.roles import Action, Role, user_can, user_roles
from leads.choices import Stage
from leads.models import Lead

PRE_MQL = (Stage.LEAD, Stage.DISQUALIFIED)


def leads_visible_to(*, user: Any) -> QuerySet[Lead]:
    """Live leads (not merged away) this user may see.

    Marketers, sales managers and admins see all; SDRs see pre-MQL leads and their own; sales reps see
    the leads they own (either side). A user with several roles sees the union.
    """
    live = Lead.objects.filter(merged_into__isnull=True)
    if user_can(user, Action.VIEW_ALL_LEADS):
        return live
    roles = user_roles(user)
    condition = Q(pk__in=[])
    if Role.SDR in roles:
        condition |= Q(stage__in=PRE_MQL) | Q(owner_sdr=user)
    if Role.SALES in roles:
        condition |= Q(owner_sales=user) | Q(owner_sdr=user)
    return live.filter(condition)


def lead_detail_queryset(*, user: Any) -> QuerySet[Lead]:
    return leads_visible_to(user=user).select_related(
        "account", "owner_sdr", "owner_sales", "source_channel", "campaign"
    ).prefetch_related("tags")
