"""SDR tasks page: my overdue and upcoming tasks (a manager may switch to the team's overdue tasks), each
completed in place with an outcome (htmx swaps the list)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leadflow.errors import ApplicationError
from leadflow.roles import user_roles
from nurturing.models import TaskOutcome
from nurturing.selectors.tasks import is_manager, tasks_open_for, tasks_overdue, tasks_visible_to
from nurturing.services.tasks import task_complete
from nurturing.templatetags.nurturing_tags import TASK_ROLES

SHOWN = 200


def _require_tasks(request: HttpRequest) -> None:
    if not user_roles(request.user) & TASK_ROLES:
        raise PermissionDenied(_("Tasks are for SDRs, sales reps and their managers."))


def _context(request: HttpRequest, *, done: str = "", error: str = "") -> dict[str, Any]:
    now = timezone.now()
    team = request.GET.get("view", request.POST.get("view")) == "team" and is_manager(request.user)
    overdue = tasks_overdue(user=request.user, now=now, team=team)
    return {
        "now": now, "team": team, "can_team": is_manager(request.user), "overdue": list(overdue[:SHOWN]),
        "overdue_count": overdue.count(), "upcoming": [] if team else list(tasks_open_for(user=request.user, now=now)),
        "outcomes": TaskOutcome.choices, "done": done, "error": error,
    }  # fmt: skip


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    template = "nurturing/_tasks.html" if getattr(request, "htmx", False) else "nurturing/tasks.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    """My overdue tasks (oldest first) and those due in the next 7 days; `?view=team` for managers."""
    _require_tasks(request)
    return _render(request, _context(request))


@login_required
@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    """Complete one task with the chosen outcome (and an optional note)."""
    _require_tasks(request)
    task = tasks_visible_to(user=request.user).filter(pk=pk).first()
    if task is None:
        raise Http404(_("No such task."))
    try:
        task_complete(task=task, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""),
                      actor=request.user)  # fmt: skip
    except ApplicationError as error:
        return _render(request, _context(request, error=error.message), error.status_code)
    if not getattr(request, "htmx", False):
        return redirect("nurturing:tasks")
    done = _("Task done: %(task)s.") % {"task": task.title or task.get_kind_display()}
    return _render(request, _context(request, done=done))
