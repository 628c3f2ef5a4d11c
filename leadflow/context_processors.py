from typing import Any

from django.http import HttpRequest

from leadflow.roles import Action, user_can, user_roles


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Role-aware flags for the base layout's navigation."""
    user = getattr(request, "user", None)
    return {
        "user_roles": sorted(role.label for role in user_roles(user)),
        "nav_can_admin": user_can(user, Action.ADMINISTER) if user is not None else False,
    }
