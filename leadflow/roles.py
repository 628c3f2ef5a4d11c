"""Roles are Django groups (created by a migration); one helper answers every permission question."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MARKETER = "marketer", _("Marketer")
    SDR = "sdr", _("SDR")
    SALES = "sales", _("Sales rep")
    SALES_MANAGER = "sales_manager", _("Sales manager")
    ADMIN = "admin", _("Administrator")
    # A CRM or script holding an API token: reads and writes every lead and touchpoint, follows the sales
    # side of the lifecycle as the CRM reports it, administers nothing (no marketing objects, webhooks,
    # imports, routing or analytics).
    INTEGRATION = "integration", _("Integration")


class Action(models.TextChoices):
    """What a user may do; each maps to the roles allowed to do it."""

    VIEW_LEADS = "view_leads"
    VIEW_ALL_LEADS = "view_all_leads"
    EDIT_LEADS = "edit_leads"
    CHANGE_STAGE = "change_stage"
    REOPEN_LEADS = "reopen_leads"
    MERGE_LEADS = "merge_leads"
    MANAGE_MARKETING = "manage_marketing"
    IMPORT_LEADS = "import_leads"
    MANAGE_ROUTING = "manage_routing"
    VIEW_ANALYTICS = "view_analytics"
    ADMINISTER = "administer"


_ALL = frozenset(Role)
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_LEADS: _ALL,
    Action.VIEW_ALL_LEADS: frozenset({Role.MARKETER, Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION}),
    Action.EDIT_LEADS: _ALL,
    Action.CHANGE_STAGE: frozenset({Role.SDR, Role.SALES, Role.SALES_MANAGER, Role.MARKETER, Role.ADMIN,
                                    Role.INTEGRATION}),
    Action.REOPEN_LEADS: frozenset({Role.MARKETER, Role.ADMIN}),
    Action.MERGE_LEADS: frozenset({Role.MARKETER, Role.SDR, Role.SALES_MANAGER, Role.ADMIN, Role.INTEGRATION}),
    Action.MANAGE_MARKETING: frozenset({Role.MARKETER, Role.ADMIN}),
    # Loading a spreadsheet into the shared pool: marketing owns the pool (trade shows, old lists), a sales
    # manager brings a team's spreadsheets; SDRs and reps add leads one at a time.
    Action.IMPORT_LEADS: frozenset({Role.MARKETER, Role.SALES_MANAGER, Role.ADMIN}),
    Action.MANAGE_ROUTING: frozenset({Role.SALES_MANAGER, Role.ADMIN}),
    Action.VIEW_ANALYTICS: frozenset({Role.MARKETER, Role.SALES_MANAGER, Role.ADMIN}),
    Action.ADMINISTER: frozenset({Role.ADMIN}),
}


def user_roles(user: Any) -> frozenset[Role]:
    """The roles of a user; superusers hold every role. Cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_leadflow_roles", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        roles = _ALL
    else:
        names = set(user.groups.values_list("name", flat=True))
        roles = frozenset(role for role in Role if role.value in names)
    user._leadflow_roles = roles
    return roles


def user_can(user: Any, action: Action | str) -> bool:
    """The one permission check used by views, the API and services."""
    return bool(user_roles(user) & PERMISSIONS[Action(action)])
