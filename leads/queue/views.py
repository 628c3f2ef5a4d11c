"""The SDR queue page and its actions. Thin: `selectors` read; `services`, `lead_activity_log`,
`lead_set_bant`, `lead_transition` and the nurture hook write.

Every action posts one small form and htmx swaps the queue back with a confirmation (or the field errors),
keeping the lead open, so nothing reloads the page; without JavaScript the forms post and redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadflow.errors import ApplicationError
from leadflow.roles import Action, Role, user_can, user_roles
from leads.choices import BANT_POINTS, Stage
from leads.hooks import nurture_track_choices, nurture_track_enrol
from leads.models import Lead
from leads.queue.forms import ActivityForm, BantForm, DisqualifyForm, NurtureForm
from leads.queue.selectors import QueueScope, queue_counts, queue_scopes, sdr_queue
from leads.queue.services import lead_claim, lead_release
from leads.selectors import leads_visible_to
from leads.services.activities import lead_activity_log
from leads.services.leads import lead_set_bant
from leads.services.stages import lead_transition


def _require_queue(request: HttpRequest) -> None:
    if Role.SDR not in user_roles(request.user) and not user_can(request.user, Action.VIEW_ALL_LEADS):
        raise PermissionDenied(_("The lead queue is for SDRs and their managers."))


def _scope(request: HttpRequest) -> QueueScope:
    scopes = queue_scopes(user=request.user)
    wanted = request.GET.get("scope") or request.POST.get("scope") or scopes[0]
    return QueueScope(wanted) if wanted in scopes else scopes[0]


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    scope = _scope(request)
    leads = list(sdr_queue(user=request.user, scope=scope))
    forms = extra.pop("forms", {})
    items = [(lead, forms.get(lead.pk) or _forms(lead)) for lead in leads]
    counts = queue_counts(user=request.user)
    tabs = [(item, counts.get(item.value)) for item in queue_scopes(user=request.user)]
    return {"scope": scope, "scope_tabs": tabs, "counts": counts, "items": items, "now": timezone.now(),
            "has_tracks": bool(nurture_track_choices()), "is_sdr": Role.SDR in user_roles(request.user),
            **extra}  # fmt: skip


def _forms(lead: Lead, **bound: Any) -> dict[str, Any]:
    prefix = f"q{lead.pk}"
    return {
        "activity": bound.get("activity") or ActivityForm(prefix=f"{prefix}-log"),
        "bant": bound.get("bant") or BantForm(lead=lead, prefix=f"{prefix}-bant"),
        "disqualify": bound.get("disqualify") or DisqualifyForm(prefix=f"{prefix}-dq"),
        "nurture": bound.get("nurture") or NurtureForm(prefix=f"{prefix}-nurture"),
    }


@login_required
@require_GET
def queue_page(request: HttpRequest) -> HttpResponse:
    _require_queue(request)
    htmx = getattr(request, "htmx", None)
    template = "leads/queue/_queue.html" if htmx and not htmx.history_restore_request else "leads/queue/queue.html"
    return render(request, template, _context(request))


def _lead(request: HttpRequest, pk: int) -> Lead:
    lead = leads_visible_to(user=request.user).filter(pk=pk).first()
    if lead is None:
        raise Http404(_("No such lead, or you may not see it."))
    return lead


def _respond(request: HttpRequest, lead: Lead, *, done: str = "", error: str = "", forms: dict[str, Any] | None = None,
             status: int = 200) -> HttpResponse:  # fmt: skip
    if not getattr(request, "htmx", None):
        if done:
            messages.success(request, done)
        if error:
            messages.error(request, error)
        return redirect(f"{reverse('queue:page')}?scope={_scope(request)}")
    context = _context(request, done=done, error=error, open_lead=lead.pk,
                       forms={lead.pk: _forms(lead, **forms)} if forms else {})  # fmt: skip
    return render(request, "leads/queue/_queue.html", context, status=status)


def _acting(request: HttpRequest, pk: int) -> Lead:
    if request.method != "POST":
        raise Http404
    _require_queue(request)
    return _lead(request, pk)


@login_required
@require_POST
def queue_claim(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _acting(request, pk)
    try:
        lead_claim(lead=lead, user=request.user, now=timezone.now())
    except ApplicationError as refusal:
        return _respond(request, lead, error=refusal.message, status=refusal.status_code)
    return _respond(request, lead, done=_("%(lead)s is yours now.") % {"lead": lead})


@login_required
@require_POST
def queue_release(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _acting(request, pk)
    try:
        lead_release(lead=lead, user=request.user, now=timezone.now())
    except ApplicationError as refusal:
        return _respond(request, lead, error=refusal.message, status=refusal.status_code)
    return _respond(request, lead, done=_("%(lead)s is back in the pool.") % {"lead": lead})


def _failed(request: HttpRequest, lead: Lead, name: str, form: Any, refusal: ApplicationError | None = None
            ) -> HttpResponse:  # fmt: skip
    for field, errors in (refusal.errors if refusal is not None else {}).items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if refusal is not None and not refusal.errors:
        form.add_error(None, refusal.message)
    return _respond(request, lead, error=_("Not saved: see the highlighted fields."), forms={name: form}, status=422)


def _act(request: HttpRequest, pk: int, name: str, make_form: Callable[[Lead], Any],
         act: Callable[[Lead, dict[str, Any]], str]) -> HttpResponse:  # fmt: skip
    """Validate the lead's form `name`, run `act` in one transaction, and answer with its confirmation or the
    errors in place (a service's field errors land on the form's fields)."""
    lead = _acting(request, pk)
    form = make_form(lead)
    if not form.is_valid():
        return _failed(request, lead, name, form)
    try:
        with transaction.atomic():
            done = act(lead, form.cleaned_data)
    except ApplicationError as refusal:
        return _failed(request, lead, name, form, refusal)
    return _respond(request, lead, done=done)


@login_required
@require_POST
def queue_log(request: HttpRequest, pk: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, Any]) -> str:
        lead_activity_log(lead=lead, actor=request.user, **data)
        return _("Logged on %(lead)s.") % {"lead": lead}

    return _act(request, pk, "activity", lambda lead: ActivityForm(request.POST, prefix=f"q{lead.pk}-log"), act)


@login_required
@require_POST
def queue_bant(request: HttpRequest, pk: int) -> HttpResponse:
    """Save BANT, or (button `qualify`) save it and qualify the lead to MQL, which routes it to sales."""
    qualify = "qualify" in request.POST

    def act(lead: Lead, data: dict[str, Any]) -> str:
        bant = {**{point: bool(data.get(point)) for point in BANT_POINTS}, "notes": data.get("notes") or ""}
        if qualify:
            lead_transition(lead=lead, to=Stage.MQL, actor=request.user, bant=bant)
            return _("%(lead)s is an MQL now and goes to sales.") % {"lead": lead}
        lead_set_bant(lead=lead, bant=bant, actor=request.user)
        return _("BANT saved for %(lead)s.") % {"lead": lead}

    return _act(request, pk, "bant", lambda lead: BantForm(request.POST, lead=lead, prefix=f"q{lead.pk}-bant"), act)


@login_required
@require_POST
def queue_disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, Any]) -> str:
        lead_transition(lead=lead, to=Stage.DISQUALIFIED, actor=request.user, reason=data["reason"],
                        note=data["note"])  # fmt: skip
        return _("%(lead)s is disqualified.") % {"lead": lead}

    return _act(request, pk, "disqualify", lambda lead: DisqualifyForm(request.POST, prefix=f"q{lead.pk}-dq"), act)


@login_required
@require_POST
def queue_nurture(request: HttpRequest, pk: int) -> HttpResponse:
    def act(lead: Lead, data: dict[str, Any]) -> str:
        now = timezone.now()
        nurture_track_enrol(lead=lead, slug=data["track"], actor=request.user, now=now)
        lead_release(lead=lead, user=request.user, now=now)
        name = dict(nurture_track_choices()).get(data["track"], "")
        return _("%(lead)s is in “%(track)s” now.") % {"lead": lead, "track": name}

    return _act(request, pk, "nurture", lambda lead: NurtureForm(request.POST, prefix=f"q{lead.pk}-nurture"), act)
