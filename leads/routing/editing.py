"""Sales ops' writes to the routing set-up: teams and their members, assignment rules (create, edit, delete),
monthly allocations, and channel routes.

Every function validates first and raises `ValidationFailed` whose `errors` name the field at fault (the
form field of the same name shows it); nothing is written when anything is wrong. Each write is one
transaction. Rules are renumbered 10, 20, ... per side like `rule_move` does, so orders stay distinct.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leadflow.roles import Role
from leads.choices import ChannelRoute, OwnerSide
from leads.models import Channel, Segment
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.models import AssignmentRule, MonthlyAllocation, Team
from leads.segments.selectors import segment_rule_checked

MAX_WEIGHT = 1000
TIERS = ("S", "A", "B", "C")
_SIDE_ROLE = {OwnerSide.SDR.value: TeamRole.SDR.value, OwnerSide.SALES.value: TeamRole.SALES.value}
_TEAM_ROLE = {TeamRole.SDR.value: Role.SDR.value, TeamRole.SALES.value: Role.SALES.value}


def _fail(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Please correct the fields marked."), errors=errors)


# --- conditions: the structured form of a rule's JSON tree ------------------------------------------------------


@dataclass(frozen=True)
class RuleConditions:
    """What the rule editor offers: industries, regions, account tiers (any of each) and an employee range."""

    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    employees_min: int | None = None
    employees_max: int | None = None
    extra: tuple[Any, ...] = field(default=())  # nodes the editor does not show, kept as they are


def rule_conditions_tree(conditions: RuleConditions) -> dict[str, Any]:
    """The segment rule tree of the conditions; {} (matches every lead) when there are none.
    ValidationFailed names `employees_min` / `employees_max` / `tiers` when they make no sense."""
    errors: dict[str, list[str]] = {}
    low, high = conditions.employees_min, conditions.employees_max
    for name, value in (("employees_min", low), ("employees_max", high)):
        if value is not None and value < 0:
            errors[name] = [_("Expected a whole number of 0 or more.")]
    if low is not None and high is not None and low > high:
        errors["employees_max"] = [_("The upper bound is below the lower bound.")]
    if any(tier not in TIERS for tier in conditions.tiers):
        errors["tiers"] = [_("Expected tiers among S, A, B and C.")]
    _fail(errors)
    nodes: list[Any] = []
    for name, values in (("industry", conditions.industries), ("region", conditions.regions),
                         ("account.tier", conditions.tiers)):  # fmt: skip
        if values:
            nodes.append({"field": name, "op": "in", "value": list(values)})
    if low is not None and high is not None:
        nodes.append({"field": "employee_count", "op": "between", "value": [low, high]})
    elif low is not None:
        nodes.append({"field": "employee_count", "op": "gte", "value": low})
    elif high is not None:
        nodes.append({"field": "employee_count", "op": "lte", "value": high})
    nodes.extend(conditions.extra)
    return {"all": nodes} if nodes else {}


def rule_conditions_parse(tree: Any) -> RuleConditions:
    """The editor's view of a stored tree: the leaves it knows; any other node is kept in `extra`."""
    nodes = tree.get("all", []) if isinstance(tree, dict) and set(tree) == {"all"} else ([tree] if tree else [])
    known: dict[str, Any] = {}
    extra = []
    for node in nodes:
        name, op = (node.get("field"), node.get("op")) if isinstance(node, dict) else (None, None)
        if name in ("industry", "region", "account.tier") and op == "in" and name not in known:
            known[name] = tuple(node["value"])
        elif name == "employee_count" and op in ("between", "gte", "lte") and "employees" not in known:
            value = node["value"]
            known["employees"] = tuple(value) if op == "between" else ((value, None) if op == "gte" else (None, value))
        else:
            extra.append(node)
    low, high = known.get("employees", (None, None))
    return RuleConditions(industries=known.get("industry", ()), regions=known.get("region", ()),
                          tiers=known.get("account.tier", ()), employees_min=low, employees_max=high,
                          extra=tuple(extra))  # fmt: skip


# --- teams ------------------------------------------------------------------------------------------------------


def _team_errors(*, name: str, role: str, members: Sequence[User], team: Team | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("A team needs a name.")]
    elif Team.objects.filter(name=name.strip()).exclude(pk=team.pk if team else 0).exists():
        errors["name"] = [_("Another team already has this name.")]
    if role not in TeamRole.values:
        errors["role"] = [_("Choose SDR or Sales.")]
        return errors
    if team is not None and role != team.role and team.rules.exists():
        errors["role"] = [_("Rules of the other side hand leads to this team; change them first.")]
    wrong = [user for user in members if not user.is_active or not (
        user.is_superuser or user.groups.filter(name=_TEAM_ROLE[role]).exists())]  # fmt: skip
    if wrong:
        errors["members"] = [_("Only active users with the team's role can be members: %(names)s.")
                             % {"names": ", ".join(user.username for user in wrong)}]  # fmt: skip
    return errors


def team_create(*, name: str, role: str, members: Sequence[User]) -> Team:
    """A new team with these members (active users holding the team's role)."""
    _fail(_team_errors(name=name, role=role, members=members, team=None))
    with transaction.atomic():
        team = Team.objects.create(name=name.strip(), role=role)
        team.members.set(members)
    return team


def team_update(*, team: Team, name: str, role: str, members: Sequence[User]) -> Team:
    """Rename, change the role (only while no rule of the other side uses the team) and set the members.
    Removing someone keeps their allocations and tallies (history); they are simply no longer eligible."""
    _fail(_team_errors(name=name, role=role, members=members, team=team))
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()  # the routing lock: no pick mid-change
        team.name, team.role = name.strip(), role
        team.save(update_fields=["name", "role", "updated_at"])
        team.members.set(members)
    return team


# --- assignment rules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInput:
    name: str
    side: str
    team: Team | None
    method: str
    capacity: int | None = None
    active: bool = True
    segment: Segment | None = None
    conditions: dict[str, Any] = field(default_factory=dict)


def _rule_errors(data: RuleInput, *, rule: AssignmentRule | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not data.name.strip():
        errors["name"] = [_("A rule needs a name.")]
    elif AssignmentRule.objects.filter(name=data.name.strip()).exclude(pk=rule.pk if rule else 0).exists():
        errors["name"] = [_("Another rule already has this name.")]
    if data.side not in OwnerSide.values:
        errors["side"] = [_("Choose the SDR or the sales side.")]
    if data.team is None:
        errors["team"] = [_("Choose the team that receives the leads.")]
    elif data.side in _SIDE_ROLE and data.team.role != _SIDE_ROLE[data.side]:
        errors["team"] = [_("This team's role does not match the rule's side.")]
    if data.method not in AssignmentMethod.values:
        errors["method"] = [_("Choose a method.")]
    if data.capacity is not None and data.capacity < 1:
        errors["capacity"] = [_("Expected a whole number of 1 or more.")]
    elif data.capacity is not None and data.method != AssignmentMethod.LEAST_LOADED:
        errors["capacity"] = [_("A capacity applies to the least-loaded method only.")]
    try:
        if data.conditions:
            segment_rule_checked(rule=data.conditions, root="conditions")
    except ValidationFailed as error:
        errors["conditions"] = [f"{path}: {' '.join(messages)}" for path, messages in error.errors.items()]
    return errors


def _team(data: RuleInput) -> Team:
    assert data.team is not None  # checked by _rule_errors
    return data.team


def rule_create(*, data: RuleInput) -> AssignmentRule:
    """A new rule, tried after every existing rule of its side."""
    _fail(_rule_errors(data, rule=None))
    with transaction.atomic():
        last = AssignmentRule.objects.select_for_update().filter(side=data.side).aggregate(m=Max("order"))["m"]
        return AssignmentRule.objects.create(
            name=data.name.strip(), side=data.side, team=_team(data), method=data.method, capacity=data.capacity,
            active=data.active, segment=data.segment, conditions=data.conditions, order=(last or 0) + 10,
        )  # fmt: skip


def rule_update(*, rule: AssignmentRule, data: RuleInput) -> AssignmentRule:
    """Change a rule; moved to another side, it is tried last there. Its tallies and history stay."""
    _fail(_rule_errors(data, rule=rule))
    with transaction.atomic():
        if data.side != rule.side:
            last = AssignmentRule.objects.select_for_update().filter(side=data.side).aggregate(m=Max("order"))["m"]
            rule.order = (last or 0) + 10
        rule.name, rule.side, rule.team, rule.method = data.name.strip(), data.side, _team(data), data.method
        rule.capacity, rule.active, rule.segment, rule.conditions = (data.capacity, data.active, data.segment,
                                                                     data.conditions)  # fmt: skip
        rule.save()
    return rule


def rule_delete(*, rule: AssignmentRule) -> None:
    """Delete a rule. The owner changes it made keep its label in the leads' history; its routing log rows
    lose the link (the label stays readable)."""
    with transaction.atomic():
        AssignmentRule.objects.filter(pk=rule.pk).delete()


# --- monthly allocation and channel routes ----------------------------------------------------------------------


def allocation_set(*, team: Team, user: User, month: dt.date, weight: int | None) -> MonthlyAllocation | None:
    """Set a person's share in a team for a month; `None` removes it. Idempotent."""
    errors: dict[str, list[str]] = {}
    if month.day != 1:
        errors["month"] = [_("Expected the first day of a month.")]
    if not team.members.filter(pk=user.pk, is_active=True).exists():
        errors["user"] = [_("Only an active member of the team has a share.")]
    if weight is not None and not 0 <= weight <= MAX_WEIGHT:
        errors["weight"] = [_("Expected a whole number from 0 to %(max)s.") % {"max": MAX_WEIGHT}]
    _fail(errors)
    with transaction.atomic():
        if weight is None:
            MonthlyAllocation.objects.filter(team=team, user=user, month=month).delete()
            return None
        allocation, _created = MonthlyAllocation.objects.update_or_create(
            team=team, user=user, month=month, defaults={"weight": weight}
        )
    return allocation


def channel_route_set(*, channel: Channel, route: str) -> Channel:
    """Where new leads of the channel go (spec/nurturing.md "Routing"). Leads already routed stay put."""
    if route not in ChannelRoute.values:
        raise ValidationFailed(_("Please correct the fields marked."), errors={"route": [_("Choose a route.")]})
    Channel.objects.filter(pk=channel.pk).update(route=route)
    channel.route = route
    return channel
