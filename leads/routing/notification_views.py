"""The notification bell (every signed-in user, their own notifications only): the unread count, the dropdown
list loaded with htmx when the bell opens, and marking one or all read. Thin: selectors read, the service
in leads.routing.notifications writes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from leads.routing.models import Notification
from leads.routing.notifications import notifications_mark_read
from leads.routing.selectors import notifications_for, notifications_unread_count


def bell_context(request: HttpRequest, *, open_list: bool = False) -> dict[str, object]:
    context: dict[str, object] = {"unread": notifications_unread_count(user=request.user), "open": open_list}
    if open_list:
        context["notifications"] = notifications_for(user=request.user)
    return context


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The dropdown's list (htmx), or a page of the same list for a browser without JavaScript."""
    context = bell_context(request, open_list=True)
    htmx = getattr(request, "htmx", None)
    template = "components/_notification_list.html" if htmx else "components/notifications.html"
    return render(request, template, context)


@login_required
@require_GET
def notification_count(request: HttpRequest) -> HttpResponse:
    return render(request, "components/_notification_count.html", bell_context(request))


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    """Mark the posted ids (`id`, repeatable) read, or all when none is posted; answers the open bell.
    Only the user's own notifications are touched; other ids are ignored. Idempotent."""
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    notifications_mark_read(user=request.user, now=timezone.now(), ids=ids or None)
    if getattr(request, "htmx", None):
        return render(request, "components/notification_bell.html", bell_context(request, open_list=True))
    return redirect("notifications:list")


@login_required
@require_GET
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its lead, marking it read on the way (idempotent; only one's own: else 404)."""
    note = get_object_or_404(Notification, pk=pk, user_id=request.user.pk)
    notifications_mark_read(user=request.user, now=timezone.now(), ids=[note.pk])
    return redirect("leads:detail", pk=note.lead_id) if note.lead_id else redirect("notifications:list")
