from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from leadflow.roles import Action, user_can, user_roles


class IsAuthenticatedWithRole(BasePermission):
    """Authenticated, holds at least one LeadFlow role, and (if the view names one) may do its action."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if not user_roles(request.user):
            return False
        action: Action | None = getattr(view, "required_action", None)
        return action is None or user_can(request.user, action)
