"""Sales-ops routing pages (Action.MANAGE_ROUTING): the ordered rule list, creating, editing, deleting and
moving rules, and the owner changes each rule made. Thin: reads go through selectors, writes through services
(leads.routing.editing), whose field-named errors are shown on the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from leadflow.errors import ValidationFailed
from leadflow.roles import Action, user_can
from leads.routing.editing import rule_create, rule_delete, rule_update
from leads.routing.forms import RuleForm, errors_apply
from leads.routing.models import AssignmentRule
from leads.routing.selectors import rule_history
from leads.routing.services import rule_move


def require_routing(request: HttpRequest) -> None:
    if not user_can(request.user, Action.MANAGE_ROUTING):
        raise PermissionDenied(_("You may not do this."))


def is_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def done(request: HttpRequest, url: str) -> HttpResponse:
    """After a successful write: htmx follows a client redirect, a plain form a 302."""
    return HttpResponseClientRedirect(url) if is_fragment(request) else redirect(url)


def _rules_context() -> dict[str, object]:
    return {"rules": AssignmentRule.objects.select_related("team", "segment").order_by("side", "order", "id")}


@login_required
@require_GET
def rule_list(request: HttpRequest) -> HttpResponse:
    require_routing(request)
    return render(request, "leads/routing/rules.html", _rules_context())


@login_required
@require_POST
def rule_move_view(request: HttpRequest, pk: int, direction: str) -> HttpResponse:
    require_routing(request)
    rule_move(rule=get_object_or_404(AssignmentRule, pk=pk), up=direction == "up")
    if is_fragment(request):
        return render(request, "leads/routing/_rules_table.html", _rules_context())
    return redirect("routing:rules")


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no pk) or edit a rule: conditions, optional segment, team, method, capacity, side, active."""
    require_routing(request)
    rule = get_object_or_404(AssignmentRule, pk=pk) if pk is not None else None
    form = RuleForm(request.POST or None, rule=rule)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.rule_input()
            saved = rule_update(rule=rule, data=data) if rule is not None else rule_create(data=data)
        except ValidationFailed as error:
            errors_apply(form, error)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
            return done(request, reverse("routing:rules"))
    template = "leads/routing/_rule_form.html" if is_fragment(request) else "leads/routing/rule_form.html"
    status = 422 if form.errors else 200
    return render(request, template, {"form": form, "rule": rule}, status=status)


@login_required
@require_POST
def rule_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_routing(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    rule_delete(rule=rule)
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": rule.name})
    return done(request, reverse("routing:rules"))


@login_required
@require_GET
def rule_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    require_routing(request)
    rule = get_object_or_404(AssignmentRule, pk=pk)
    page = Paginator(rule_history(rule=rule), 50).get_page(request.GET.get("page"))
    return render(request, "leads/routing/history.html", {"rule": rule, "page": page})
