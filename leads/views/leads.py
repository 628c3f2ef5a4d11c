"""Lead pages: the list, the detail, and stage actions. Thin: selectors read, `lead_transition` writes.

htmx: one view serves a page and its fragment (templates starting with `_`), so every filtered list,
page and form also works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from leadflow.errors import ApplicationError, Conflict, IllegalTransition, NotPermitted
from leadflow.roles import Action, user_can
from leadflow.templatetags.leadflow_tags import person
from leads.choices import LeadEventKind, Stage
from leads.exports import lead_export_csv, lead_export_filename
from leads.filters import LeadFilterSet
from leads.forms import TransitionForm
from leads.hooks import lead_panels
from leads.models import Lead
from leads.selectors import lead_detail_queryset, leads_visible_to
from leads.services.identity import lead_follow_merges
from leads.services.stages import lead_transition, lead_transition_refusal
from leads.stages import FUNNEL, TRANSITIONS, Move, allowed_targets

PAGE_SIZES = (25, 50, 100)
NOT_FILTERS = ("page", "per_page", "sort")
TOUCHPOINTS_SHOWN = 50
LIST_COLUMNS = ("source_channel", "owner_sdr", "owner_sales", "account")

# The words on each button: the same target reads differently depending on where the lead stands.
ACTION_LABELS: dict[tuple[Stage, Stage], Any] = {
    (Stage.LEAD, Stage.MQL): gettext_lazy("Qualify as MQL"),
    (Stage.MQL, Stage.SAL): gettext_lazy("Accept (SAL)"),
    (Stage.MQL, Stage.LEAD): gettext_lazy("Reject and return"),
    (Stage.SAL, Stage.SQL): gettext_lazy("Qualify as SQL"),
    (Stage.SAL, Stage.LEAD): gettext_lazy("Return to lead pool"),
    (Stage.SQL, Stage.OPPORTUNITY): gettext_lazy("Open opportunity"),
    (Stage.SQL, Stage.LEAD): gettext_lazy("Return to lead pool"),
    (Stage.OPPORTUNITY, Stage.CUSTOMER): gettext_lazy("Mark as won"),
    (Stage.OPPORTUNITY, Stage.LOST): gettext_lazy("Mark as lost"),
    (Stage.LOST, Stage.LEAD): gettext_lazy("Recycle into nurture"),
    (Stage.DISQUALIFIED, Stage.LEAD): gettext_lazy("Reopen"),
}


@dataclass(frozen=True)
class StageAction:
    target: Stage
    move: Move
    label: str
    style: str  # "primary" (forward), "danger" (exit) or "secondary" (back)


def _require_view(request: HttpRequest) -> None:
    if not user_can(request.user, Action.VIEW_LEADS):
        raise PermissionDenied(_("Your account has no LeadFlow role yet; ask an administrator."))


def _is_fragment(request: HttpRequest) -> bool:
    """An htmx swap wants the fragment; a history restore (back button, cache miss) wants the page."""
    htmx = getattr(request, "htmx", None)
    return htmx is not None and bool(htmx) and not htmx.history_restore_request


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    queryset = leads_visible_to(user=request.user).select_related(*LIST_COLUMNS)
    filterset = LeadFilterSet(request.GET, queryset=queryset, request=request)
    page = _paginate(request, filterset.qs)
    context = {
        "filter": filterset,
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "per_page": page.paginator.per_page,
        "page_sizes": PAGE_SIZES,
        "sort": request.GET.get("sort", ""),
        "has_filters": any(value for key, value in request.GET.items() if key not in NOT_FILTERS),
    }
    template = "leads/_list_rows.html" if _is_fragment(request) else "leads/list.html"
    return _render(request, template, context)


def _paginate(request: HttpRequest, queryset: Any) -> Page:
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    paginator = Paginator(queryset, per_page if per_page in PAGE_SIZES else PAGE_SIZES[0])
    return paginator.get_page(request.GET.get("page"))


def _visible_lead(request: HttpRequest, pk: int) -> Lead:
    lead = lead_detail_queryset(user=request.user).filter(pk=pk).first()
    if lead is None:
        raise Http404(_("No such lead, or you may not see it."))
    return lead


@login_required
@require_GET
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    lead = lead_detail_queryset(user=request.user).filter(pk=pk).first()
    if lead is None:
        merged = Lead.objects.filter(pk=pk, merged_into__isnull=False).first()
        if merged is None:
            raise Http404(_("No such lead, or you may not see it."))
        messages.info(request, _("Lead #%(old)s was merged into this lead.") % {"old": pk})
        return redirect("leads:detail", pk=lead_follow_merges(lead=merged).pk)
    return _render(request, "leads/detail.html", lead_detail_context(request, lead))


def lead_detail_context(request: HttpRequest, lead: Lead) -> dict[str, Any]:
    touchpoints = lead.touchpoints.select_related("channel", "campaign").order_by("-occurred_at", "-id")
    events = list(lead.events.select_related("actor").order_by("-at", "-id"))
    return {
        "lead": lead,
        "actions": stage_actions(request.user, lead),
        "stage_changes": lead.stage_changes.select_related("actor").order_by("-at", "-id"),
        "events": events,
        "user_names": _user_names(events),
        "touchpoints": touchpoints[:TOUCHPOINTS_SHOWN],
        "touchpoint_count": touchpoints.count(),
        "touchpoints_shown": TOUCHPOINTS_SHOWN,
        "opportunities": lead.opportunities.select_related("owner").order_by("-opened_at"),
        "identities": lead.identities.order_by("kind", "value"),
        "funnel": FUNNEL,
        "funnel_reached": _funnel_reached(lead),
        "panels": lead_panels(request=request, lead=lead),  # other apps' cards (leads.hooks), e.g. SLA clocks
    }


def _funnel_reached(lead: Lead) -> int:
    """How many funnel steps to colour in the progress bar (exits keep the steps they passed)."""
    if lead.stage in FUNNEL:
        return FUNNEL.index(Stage(lead.stage)) + 1
    reached = {change.to_stage for change in lead.stage_changes.all()}
    return max((index + 1 for index, stage in enumerate(FUNNEL) if stage in reached), default=1)


def _user_names(events: list[Any]) -> dict[int, str]:
    ids = {
        value for event in events if event.kind == LeadEventKind.OWNER_CHANGED
        for value in (event.data.get("from"), event.data.get("to")) if isinstance(value, int)
    }  # fmt: skip
    users = get_user_model().objects.filter(pk__in=ids)
    return {user.pk: person(user) for user in users}


def stage_actions(user: Any, lead: Lead) -> list[StageAction]:
    """The moves from the current stage that this user may make, as the service decides them."""
    if not user_can(user, Action.CHANGE_STAGE):
        return []
    current = Stage(lead.stage)
    actions = []
    for target in allowed_targets(current):
        if lead_transition_refusal(actor=user, lead=lead, to=target) is not None:
            continue
        move = TRANSITIONS[(current, target)]
        label = ACTION_LABELS.get((current, target), gettext_lazy("Disqualify"))
        style = "danger" if target in (Stage.DISQUALIFIED, Stage.LOST) else (
            "secondary" if target == Stage.LEAD else "primary"
        )  # fmt: skip
        actions.append(StageAction(target=target, move=move, label=str(label), style=style))
    return actions


def _stage_or_404(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise Http404(_("Unknown stage.")) from None


@login_required
@require_http_methods(["GET", "POST"])
def lead_stage_change(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """GET: the inline form for one move. POST: make the move through `lead_transition`."""
    _require_view(request)
    lead, target = _visible_lead(request, pk), _stage_or_404(to)
    action = next((a for a in stage_actions(request.user, lead) if a.target == target), None)
    if request.method == "GET":
        if action is None:
            return _form_refused(request, lead, target, _refusal(request.user, lead, target))
        form = TransitionForm(lead=lead, target=target)
        return _render_form(request, lead, action, form)
    form = TransitionForm(request.POST, lead=lead, target=target)
    if form.is_valid() and form.is_stale():
        stale = Conflict(_("This lead was changed by someone else; reload it and try again."))
        return _form_refused(request, lead, target, stale)
    if action is None:
        return _form_refused(request, lead, target, _refusal(request.user, lead, target))
    if not form.is_valid():
        return _render_form(request, lead, action, form, status=422)
    try:
        lead = _transition(request, lead, target, form)
    except (Conflict, NotPermitted, IllegalTransition) as error:
        return _form_refused(request, lead, target, error)
    except ApplicationError as error:
        form.add_service_errors(error)
        return _render_form(request, lead, action, form, status=422)
    messages.success(request, _("%(lead)s is now %(stage)s.") % {"lead": lead, "stage": target.label})
    if not _is_fragment(request):
        return redirect("leads:detail", pk=lead.pk)
    context = {**lead_detail_context(request, lead), "oob_messages": True}
    response = _render(request, "leads/_detail_body.html", context)
    response["HX-Retarget"] = "#lead-detail"
    response["HX-Reswap"] = "outerHTML"
    return response


def _transition(request: HttpRequest, lead: Lead, target: Stage, form: TransitionForm) -> Lead:
    lead_transition(lead=lead, to=target, actor=request.user, **form.transition_kwargs())
    return lead_detail_queryset(user=request.user).filter(pk=lead.pk).first() or lead


def _refusal(user: Any, lead: Lead, target: Stage) -> ApplicationError:
    """Why a move not offered to this user was refused: illegal from this stage, or not for this role."""
    return lead_transition_refusal(actor=user, lead=lead, to=target) or NotPermitted(
        _("Your role may not make this stage change.")
    )


def _render_form(
    request: HttpRequest, lead: Lead, action: StageAction, form: TransitionForm, status: int = 200
) -> HttpResponse:
    context = {"lead": lead, "action": action, "form": form}
    template = "leads/_stage_form.html" if _is_fragment(request) else "leads/stage_change.html"
    return _render(request, template, context, status=status)


def _form_refused(request: HttpRequest, lead: Lead, target: Stage, error: ApplicationError) -> HttpResponse:
    context = {"lead": lead, "target": target, "error": error, "is_conflict": isinstance(error, Conflict)}
    template = "leads/_stage_refused.html" if _is_fragment(request) else "leads/stage_refused.html"
    return _render(request, template, context, status=error.status_code)


@login_required
@require_GET
def lead_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV: the same filters and visibility as `lead_list`, every page, streamed."""
    _require_view(request)
    filterset = LeadFilterSet(request.GET, queryset=leads_visible_to(user=request.user), request=request)
    lines = lead_export_csv(leads=filterset.qs, tz=timezone.get_current_timezone())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{lead_export_filename()}"'
    return response
