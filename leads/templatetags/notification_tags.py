"""The header's notification bell, rendered with its unread count on every page (one COUNT query)."""

from __future__ import annotations

from typing import Any

from django import template

from leads.routing.selectors import notifications_unread_count

register = template.Library()


@register.inclusion_tag("components/notification_bell.html", takes_context=True)
def notification_bell(context: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    return {"unread": notifications_unread_count(user=user), "open": False, "csrf_token": context.get("csrf_token")}
