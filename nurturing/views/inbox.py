"""The sales inbox (sales reps) and the team's SLA board (sales managers). Thin: selectors read,
`lead_transition` writes.

Every action posts one small form (accept; reject with a reason; qualify with BANT; open an opportunity;
won; lost) and htmx swaps the whole inbox back with a confirmation, so counts and countdowns stay right and
nothing reloads the page. Without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from leadflow.errors import ApplicationError, ValidationFailed
from leadflow.roles import user_roles
from leads.choices import Stage
from leads.forms import TransitionForm
from leads.services.stages import lead_transition
from nurturing.selectors.inbox import INBOX_STAGES, InboxItem, inbox_for, inbox_item
from nurturing.templatetags.nurturing_tags import SALES_ROLES

# The moves offered from each stage, in button order: (target, label, button style).
MOVES: dict[str, list[tuple[Stage, Any, str]]] = {
    Stage.MQL: [(Stage.SAL, gettext_lazy("Accept"), "primary"), (Stage.LEAD, gettext_lazy("Reject and return"),
                                                                  "danger")],
    Stage.SAL: [(Stage.SQL, gettext_lazy("Qualify as SQL"), "primary"), (Stage.LEAD, gettext_lazy("Return"),
                                                                          "danger")],
    Stage.SQL: [(Stage.OPPORTUNITY, gettext_lazy("Open opportunity"), "primary"),
                (Stage.LEAD, gettext_lazy("Return"), "danger")],
    Stage.OPPORTUNITY: [(Stage.CUSTOMER, gettext_lazy("Mark as won"), "primary"),
                        (Stage.LOST, gettext_lazy("Mark as lost"), "danger")],
}  # fmt: skip
SECTION_TITLES = {
    Stage.MQL: gettext_lazy("MQLs to accept"),
    Stage.SAL: gettext_lazy("SALs to qualify"),
    Stage.SQL: gettext_lazy("SQLs: open an opportunity"),
    Stage.OPPORTUNITY: gettext_lazy("Open opportunities"),
}


@dataclass
class Move:
    target: Stage
    label: Any
    style: str
    form: TransitionForm
    url: str


def _require_sales(request: HttpRequest) -> None:
    if not user_roles(request.user) & SALES_ROLES:
        raise PermissionDenied(_("The sales inbox is for sales reps and managers."))


def _prefix(lead_id: int, target: str) -> str:
    return f"l{lead_id}-{target}"


def _moves(item: InboxItem, failed: tuple[Stage, TransitionForm] | None = None) -> list[Move]:
    moves = []
    for target, label, style in MOVES.get(item.lead.stage, []):
        if failed is not None and failed[0] == target:
            form = failed[1]
        else:
            initial = {"amount": item.opportunity.amount} if item.opportunity and target == Stage.CUSTOMER else None
            form = TransitionForm(lead=item.lead, target=target, prefix=_prefix(item.lead.pk, target), initial=initial)
        moves.append(Move(target, label, style, form, reverse("nurturing:inbox-move", args=[item.lead.pk, target])))
    return moves


def _context(request: HttpRequest, *, done: str = "", error: str = "",
             failed: dict[int, tuple[Stage, TransitionForm]] | None = None) -> dict[str, Any]:  # fmt: skip
    inbox = inbox_for(user=request.user)
    sections = [
        {"stage": stage, "title": SECTION_TITLES[stage],
         "items": [(item, _moves(item, (failed or {}).get(item.lead.pk))) for item in inbox.sections[stage]]}
        for stage in INBOX_STAGES
    ]  # fmt: skip
    return {"sections": sections, "total": inbox.total, "now": timezone.now(), "done": done, "error": error}


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "nurturing/_inbox.html" if getattr(request, "htmx", False) else "nurturing/inbox.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def sales_inbox(request: HttpRequest) -> HttpResponse:
    """GET: my MQLs, SALs, SQLs and opportunities with their SLA countdowns (htmx: the inbox fragment)."""
    _require_sales(request)
    return _render(request, _context(request))


@login_required
@require_POST
def inbox_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """POST: one move of one of my leads through `lead_transition` (reason, BANT, amount as the move needs)."""
    _require_sales(request)
    item = inbox_item(user=request.user, lead_id=pk)
    if item is None:
        raise Http404(_("This lead is not in your inbox."))
    target = next((t for t, _label, _style in MOVES.get(item.lead.stage, []) if t == to), None)
    if target is None:
        return _render(request, _context(request, error=_("This lead has moved on; the inbox is up to date.")), 409)
    form = TransitionForm(request.POST, lead=item.lead, target=target, prefix=_prefix(pk, target))
    if not form.is_valid():
        return _render(request, _context(request, failed={pk: (target, form)}), 422)
    if form.is_stale():
        stale = _("This lead was changed by someone else; the inbox shows it as it is now.")
        return _render(request, _context(request, error=stale), 409)
    try:
        lead_transition(lead=item.lead, to=target, actor=request.user, **form.transition_kwargs())
    except ValidationFailed as error:
        form.add_service_errors(error)
        return _render(request, _context(request, failed={pk: (target, form)}), 422)
    except ApplicationError as error:
        return _render(request, _context(request, error=str(error)), error.status_code)
    done = _("%(lead)s is now %(stage)s.") % {"lead": item.lead.display_name, "stage": target.label}
    if not getattr(request, "htmx", False):
        return redirect("nurturing:inbox")
    return _render(request, _context(request, done=done))
