from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from leadflow.roles import Action, Role, user_can, user_roles

# The menu a page belongs to, by path prefix, so the menu's title shows where the user is.
NAV_SECTIONS = (
    ("/leads/import/", "marketing"), ("/leads/scoring/", "marketing"), ("/segments/", "marketing"),
    ("/nurturing/sequences/", "marketing"), ("/marketing/", "marketing"), ("/rules/", "marketing"),
    ("/nurturing/clocks/", "sales_ops"), ("/routing/", "sales_ops"),
)  # fmt: skip


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Role-aware flags for the base layout's navigation, and the time zone pages are shown in."""
    user = getattr(request, "user", None)
    return {
        "user_roles": sorted(str(role.label) for role in user_roles(user)),
        "nav_can_view_leads": user_can(user, Action.VIEW_LEADS) if user is not None else False,
        "nav_can_work_queue": user is not None and (
            Role.SDR in user_roles(user) or user_can(user, Action.MANAGE_ROUTING)
        ),
        "nav_can_import_leads": user_can(user, Action.IMPORT_LEADS) if user is not None else False,
        "nav_can_manage_marketing": user_can(user, Action.MANAGE_MARKETING) if user is not None else False,
        "nav_can_manage_routing": user_can(user, Action.MANAGE_ROUTING) if user is not None else False,
        "nav_can_view_analytics": user_can(user, Action.VIEW_ANALYTICS) if user is not None else False,
        "nav_can_admin": user_can(user, Action.ADMINISTER) if user is not None else False,
        "current_time_zone": timezone.get_current_timezone_name(),
        "nav_section": next((name for prefix, name in NAV_SECTIONS if request.path.startswith(prefix)), ""),
    }
