"""Telling a person a lead is now theirs: an in-app notification (the bell) and an email after commit, both
worded in the recipient's language (their preference, else the site default)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from leads.models import Lead
from leads.routing.choices import NotificationKind
from leads.routing.models import Notification
from leads.routing.selectors import user_language

if TYPE_CHECKING:
    from leads.routing.services import RoutingDecision


def notification_lead_assigned(*, user: Any, lead: Lead, why: RoutingDecision, now: dt.datetime) -> Notification:
    """One notification row now, one email once the assignment is committed (never for a rolled-back one)."""
    with translation.override(user_language(user=user)):
        message = gettext("Lead %(lead)s was assigned to you (%(why)s).") % {
            "lead": lead.display_name, "why": why.label,
        }  # fmt: skip
        subject = gettext("New lead for you: %(lead)s") % {"lead": lead.display_name}
        body = "\n\n".join([message, gettext("Open it: %(url)s") % {"url": _absolute(reverse("leads:detail",
                                                                                           args=[lead.pk]))}])
    notification = Notification.objects.create(user=user, lead=lead, kind=NotificationKind.LEAD_ASSIGNED,
                                               message=message[:500], created_at=now)  # fmt: skip
    if user.email:
        recipient = user.email
        transaction.on_commit(lambda: send_mail(subject, body, None, [recipient], fail_silently=False))
    return notification


def _absolute(path: str) -> str:
    base = str(settings.LEADFLOW.get("SITE_URL", "")).rstrip("/")
    return f"{base}{path}"


def notifications_mark_read(*, user: Any, now: dt.datetime, ids: list[int] | None = None) -> int:
    """Mark the user's unread notifications (all, or these ids) read. Idempotent."""
    unread = Notification.objects.filter(user_id=user.pk, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now)
