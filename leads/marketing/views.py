"""Campaign pages: the list with budget against spend, and the editor. Thin: the selector reads, the
campaign services check and write. Marketers and admins edit; managers may look."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.errors import ValidationFailed
from leadflow.roles import Action, user_can
from leads.marketing.forms import CampaignFilterForm, CampaignForm
from leads.marketing.selectors import campaigns_with_spend
from leads.models import Campaign
from leads.services.campaigns import campaign_create, campaign_update
from leads.views.leads import _is_fragment, _render

PAGE_SIZE = 50


def require_marketing_view(request: HttpRequest) -> None:
    if not (user_can(request.user, Action.MANAGE_MARKETING) or user_can(request.user, Action.VIEW_ANALYTICS)):
        raise PermissionDenied(_("Your role may not see campaigns and costs."))


def require_marketing_edit(request: HttpRequest) -> None:
    if not user_can(request.user, Action.MANAGE_MARKETING):
        raise PermissionDenied(_("Only marketers and administrators may change campaigns and costs."))


@login_required
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    """Campaigns, newest first, filtered by channel, status and text; the table swaps in place (htmx)."""
    require_marketing_view(request)
    form = CampaignFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    campaigns = campaigns_with_spend(
        today=timezone.localdate(), channel=filters.get("channel"), q=filters.get("q") or "",
        status=filters.get("status") or "", needs_review=bool(filters.get("needs_review")),
    )  # fmt: skip
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(),
               "can_edit": user_can(request.user, Action.MANAGE_MARKETING)}  # fmt: skip
    template = "leads/marketing/_campaign_rows.html" if _is_fragment(request) else "leads/marketing/campaigns.html"
    return _render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """New campaign (no pk) or edit one; errors from the service stand next to their fields."""
    require_marketing_view(request)
    campaign = get_object_or_404(Campaign.objects.select_related("channel"), pk=pk) if pk is not None else None
    can_edit = user_can(request.user, Action.MANAGE_MARKETING)
    if campaign is None:
        require_marketing_edit(request)
    form = CampaignForm(request.POST) if request.method == "POST" else (
        CampaignForm.for_campaign(campaign) if campaign else CampaignForm()
    )  # fmt: skip
    if request.method == "POST":
        require_marketing_edit(request)
        if form.is_valid():
            try:
                saved = _save(campaign, form.cleaned_data)
            except ValidationFailed as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Campaign “%(name)s” saved.") % {"name": saved.name})
                return redirect("marketing:campaigns")
    context = {"form": form, "campaign": campaign, "can_edit": can_edit}
    return _render(request, "leads/marketing/campaign_form.html", context, status=422 if form.errors else 200)


def _save(campaign: Campaign | None, data: dict[str, object]) -> Campaign:
    fields = {name: data.get(name) for name in ("name", "slug", "channel", "starts_on", "ends_on", "budget")}
    fields["currency"] = data.get("currency") or ""
    if campaign is None:
        return campaign_create(**fields)  # type: ignore[arg-type]
    return campaign_update(campaign=campaign, needs_review=bool(data.get("needs_review")), **fields)  # type: ignore[arg-type]
