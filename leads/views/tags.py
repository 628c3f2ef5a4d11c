"""Manual tags on the lead page: one small htmx form. `lead_set_tags` decides (rule tags are kept and cannot
be added by hand)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from leadflow.errors import ApplicationError
from leadflow.roles import Action, user_can
from leads.models import Lead, Tag
from leads.selectors import lead_detail_queryset
from leads.services.edit import lead_set_tags


def _lead(request: HttpRequest, pk: int) -> Lead:
    if not user_can(request.user, Action.EDIT_LEADS):
        raise PermissionDenied(_("Your role may not edit leads."))
    lead = lead_detail_queryset(user=request.user).filter(pk=pk).first()
    if lead is None:
        raise Http404(_("No such lead, or you may not see it."))
    return lead


def _render(request: HttpRequest, lead: Lead, *, editing: bool, error: str = "", value: str = "",
            status: int = 200) -> HttpResponse:  # fmt: skip
    manual = [tag.name for tag in lead.tags.all() if not tag.is_rule]
    context = {"lead": lead, "editing": editing, "error": error, "value": value or ", ".join(manual),
               "known": Tag.objects.filter(segment__isnull=True).order_by("category", "name")[:200]}  # fmt: skip
    return render(request, "leads/_tags.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lead_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the tags (or, with ?edit, the form). POST: set the manual tags to the comma-separated names."""
    lead = _lead(request, pk)
    if request.method == "GET":
        return _render(request, lead, editing="edit" in request.GET)
    value = request.POST.get("tags", "")
    names = [name.strip() for name in value.replace("，", ",").split(",") if name.strip()]
    try:
        lead_set_tags(lead=lead, names=names)
    except ApplicationError as error:
        message = " ".join(error.errors.get("tags", [error.message]))
        return _render(request, lead, editing=True, error=message, value=value, status=422)
    if not getattr(request, "htmx", None):
        return redirect("leads:detail", pk=lead.pk)
    return _render(request, lead_detail_queryset(user=request.user).get(pk=lead.pk), editing=False)
