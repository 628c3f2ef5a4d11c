"""Sales ops' routing set-up writes (leads.routing.editing): teams, assignment rules, monthly allocations,
channel routes, and the allocation grid's penalised share. Every refusal names the field at fault."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User

from leadflow.errors import ValidationFailed
from leadflow.roles import Role
from leads.choices import ChannelRoute, OwnerSide
from leads.models import Lead
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.editing import (
    RuleConditions,
    RuleInput,
    allocation_set,
    channel_route_set,
    rule_conditions_parse,
    rule_conditions_tree,
    rule_create,
    rule_delete,
    rule_update,
    team_create,
    team_update,
)
from leads.routing.models import AssignmentRule, MonthlyAllocation, SlaBreach, Team
from leads.routing.selectors import allocation_grid
from leads.routing.services import leads_route_new
from tests.factories import AccountFactory, ChannelFactory, LeadFactory, user_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 5, 14, 3, 0, tzinfo=dt.UTC)
MAY, JUNE = dt.date(2025, 5, 1), dt.date(2025, 6, 1)


def _fields(error: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return set(error.value.errors)


def _sdr_team(*users: User, name: str = "SDR East") -> Team:
    return team_create(name=name, role=TeamRole.SDR, members=list(users))


def _rule_input(team: Team | None, **overrides: object) -> RuleInput:
    values: dict[str, object] = {"name": "East manufacturing", "side": OwnerSide.SDR, "team": team,
                                 "method": AssignmentMethod.ROUND_ROBIN}  # fmt: skip
    values.update(overrides)
    return RuleInput(**values)  # type: ignore[arg-type]


# --- teams -------------------------------------------------------------------------------------------------------


def test_team_create_keeps_active_members_holding_the_role() -> None:
    # given two active SDRs; when a team is created with them; then it holds both
    a, b = user_with_role(Role.SDR), user_with_role(Role.SDR)
    team = _sdr_team(a, b)
    assert set(team.members.all()) == {a, b} and team.role == TeamRole.SDR


def test_team_refuses_inactive_users_and_wrong_roles_naming_members() -> None:
    # given an inactive SDR and an active sales rep
    inactive, rep = user_with_role(Role.SDR, is_active=False), user_with_role(Role.SALES)
    # when either is put in an SDR team; then "members" is named and nothing is created
    for user in (inactive, rep):
        with pytest.raises(ValidationFailed) as error:
            _sdr_team(user)
        assert _fields(error) == {"members"} and user.username in error.value.errors["members"][0]
    assert not Team.objects.exists()


def test_team_name_must_be_given_and_unique() -> None:
    _sdr_team()
    with pytest.raises(ValidationFailed) as error:
        _sdr_team(name="SDR East")
    assert _fields(error) == {"name"}
    with pytest.raises(ValidationFailed) as error:
        _sdr_team(name="  ")
    assert _fields(error) == {"name"}


def test_team_role_cannot_change_while_rules_of_its_side_use_it() -> None:
    # given an SDR team used by an SDR rule
    team = _sdr_team()
    rule_create(data=_rule_input(team))
    # when its role is changed to sales; then "role" is named
    with pytest.raises(ValidationFailed) as error:
        team_update(team=team, name=team.name, role=TeamRole.SALES, members=[])
    assert _fields(error) == {"role"}
    team.refresh_from_db()
    assert team.role == TeamRole.SDR


def test_team_update_renames_and_replaces_members() -> None:
    a, b = user_with_role(Role.SDR), user_with_role(Role.SDR)
    team = _sdr_team(a)
    team_update(team=team, name="SDR North", role=TeamRole.SDR, members=[b])
    team.refresh_from_db()
    assert team.name == "SDR North" and list(team.members.all()) == [b]


# --- rules -------------------------------------------------------------------------------------------------------


def test_rule_conditions_round_trip_through_the_tree() -> None:
    # given industries, regions, tiers and a size range; when built then parsed; then nothing is lost
    conditions = RuleConditions(industries=("manufacturing",), regions=("华东", "上海"), tiers=("S", "A"),
                                employees_min=200, employees_max=999)  # fmt: skip
    tree = rule_conditions_tree(conditions)
    assert tree == {"all": [
        {"field": "industry", "op": "in", "value": ["manufacturing"]},
        {"field": "region", "op": "in", "value": ["华东", "上海"]},
        {"field": "account.tier", "op": "in", "value": ["S", "A"]},
        {"field": "employee_count", "op": "between", "value": [200, 999]},
    ]}  # fmt: skip
    assert rule_conditions_parse(tree) == conditions
    assert rule_conditions_tree(RuleConditions()) == {}


def test_rule_conditions_refuse_an_inverted_size_range_naming_the_upper_bound() -> None:
    with pytest.raises(ValidationFailed) as error:
        rule_conditions_tree(RuleConditions(employees_min=500, employees_max=100))
    assert _fields(error) == {"employees_max"}


def test_rule_conditions_keep_nodes_the_editor_does_not_show() -> None:
    tree = {"all": [{"field": "industry", "op": "in", "value": ["retail"]}, {"tag": "vip"}]}
    parsed = rule_conditions_parse(tree)
    assert parsed.industries == ("retail",) and parsed.extra == ({"tag": "vip"},)
    assert rule_conditions_tree(parsed) == tree


def test_rule_create_puts_the_rule_last_on_its_side_and_it_routes() -> None:
    # given an SDR team and an existing rule
    sdr = user_with_role(Role.SDR)
    team = _sdr_team(sdr)
    first = rule_create(data=_rule_input(team, name="first", conditions=rule_conditions_tree(
        RuleConditions(industries=("retail",)))))  # fmt: skip
    # when a manufacturing rule is created
    second = rule_create(data=_rule_input(team, conditions=rule_conditions_tree(
        RuleConditions(industries=("manufacturing",), tiers=("S",)))))  # fmt: skip
    # then it is tried after the first, and a matching lead is assigned by it
    assert (first.order, second.order) == (10, 20)
    lead = LeadFactory(industry="manufacturing", account=AccountFactory(tier="S"),
                       source_channel=ChannelFactory(route=ChannelRoute.SDR))  # fmt: skip
    [decision] = leads_route_new(lead_ids=[lead.pk], now=NOW)
    assert decision.rule == second and Lead.objects.get(pk=lead.pk).owner_sdr_id == sdr.pk


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": ""}, "name"),
    ({"team": None}, "team"),
    ({"side": "marketing"}, "side"),
    ({"method": "lottery"}, "method"),
    ({"capacity": 5}, "capacity"),
    ({"method": AssignmentMethod.LEAST_LOADED, "capacity": 0}, "capacity"),
    ({"conditions": {"all": [{"field": "shoe_size", "op": "eq", "value": 42}]}}, "conditions"),
])  # fmt: skip
def test_rule_create_refuses_bad_input_naming_the_field(overrides: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"team": _sdr_team(), **overrides}
    with pytest.raises(ValidationFailed) as error:
        rule_create(data=_rule_input(**values))  # type: ignore[arg-type]
    assert field in _fields(error)
    assert not AssignmentRule.objects.exists()


def test_rule_refuses_a_team_of_the_other_side() -> None:
    sales_team = team_create(name="AE", role=TeamRole.SALES, members=[])
    with pytest.raises(ValidationFailed) as error:
        rule_create(data=_rule_input(sales_team, side=OwnerSide.SDR))
    assert _fields(error) == {"team"}


def test_rule_name_is_unique() -> None:
    team = _sdr_team()
    rule_create(data=_rule_input(team))
    with pytest.raises(ValidationFailed) as error:
        rule_create(data=_rule_input(team))
    assert _fields(error) == {"name"}


def test_rule_update_to_another_side_goes_last_there() -> None:
    # given an SDR rule and a sales rule
    sdr_team, sales_team = _sdr_team(), team_create(name="AE", role=TeamRole.SALES, members=[])
    rule_create(data=_rule_input(sales_team, name="sales first", side=OwnerSide.SALES))
    rule = rule_create(data=_rule_input(sdr_team))
    # when the SDR rule moves to the sales side with a least-loaded cap
    rule_update(rule=rule, data=_rule_input(sales_team, side=OwnerSide.SALES, method=AssignmentMethod.LEAST_LOADED,
                                            capacity=30, active=False))  # fmt: skip
    rule.refresh_from_db()
    # then it is tried after the existing sales rule, with the new settings
    assert (rule.side, rule.order, rule.capacity, rule.active) == (OwnerSide.SALES, 20, 30, False)


def test_rule_delete_removes_it() -> None:
    rule = rule_create(data=_rule_input(_sdr_team()))
    rule_delete(rule=rule)
    assert not AssignmentRule.objects.exists()


# --- allocations, channel routes ---------------------------------------------------------------------------------


def test_allocation_set_creates_updates_and_clears_a_share() -> None:
    rep = user_with_role(Role.SDR)
    team = _sdr_team(rep)
    allocation_set(team=team, user=rep, month=JUNE, weight=60)
    allocation_set(team=team, user=rep, month=JUNE, weight=80)
    assert MonthlyAllocation.objects.get().weight == 80
    allocation_set(team=team, user=rep, month=JUNE, weight=None)
    assert not MonthlyAllocation.objects.exists()


@pytest.mark.parametrize(("month", "weight", "member", "field"), [
    (dt.date(2025, 6, 2), 50, True, "month"),
    (JUNE, 1001, True, "weight"),
    (JUNE, -1, True, "weight"),
    (JUNE, 50, False, "user"),
])  # fmt: skip
def test_allocation_set_refuses_bad_cells_naming_the_field(month: dt.date, weight: int, member: bool,
                                                           field: str) -> None:  # fmt: skip
    rep = user_with_role(Role.SDR)
    team = _sdr_team(rep if member else user_with_role(Role.SDR))
    with pytest.raises(ValidationFailed) as error:
        allocation_set(team=team, user=rep, month=month, weight=weight)
    assert _fields(error) == {field}


def test_allocation_set_refuses_an_inactive_member() -> None:
    rep = user_with_role(Role.SDR)
    team = _sdr_team(rep)
    User.objects.filter(pk=rep.pk).update(is_active=False)
    rep.refresh_from_db()
    with pytest.raises(ValidationFailed) as error:
        allocation_set(team=team, user=rep, month=JUNE, weight=10)
    assert _fields(error) == {"user"}


def test_grid_shows_the_penalised_share_next_month_for_two_breaches() -> None:
    # given two reps with a share of 80 in June; one breached the SLA twice in May, the other once
    late, ok = user_with_role(Role.SDR, username="late"), user_with_role(Role.SDR, username="ok")
    team = _sdr_team(late, ok)
    for user, count in ((late, 2), (ok, 1)):
        allocation_set(team=team, user=user, month=JUNE, weight=80)
        for day in range(count):
            SlaBreach.objects.create(user=user, policy="mql_accept", breached_at=NOW + dt.timedelta(days=day))
    # when the grid for May and June is read
    rows = {row.user.username: row for row in allocation_grid(team=team, months=[MAY, JUNE], now=NOW)}
    # then June shows 80 -> 40 (80 x the default factor 0.5) for the rep with two breaches, 80 for the
    # other; May is unset
    june_late, june_ok = rows["late"].cells[1], rows["ok"].cells[1]
    assert (june_late.weight, june_late.effective, june_late.penalised, june_late.breaches) == (80, 40.0, True, 2)
    assert (june_ok.weight, june_ok.effective, june_ok.penalised) == (80, 80.0, False)
    # and the shares routing will use: 40 / (40 + 80) = 33.3 %, 80 / 120 = 66.7 %
    assert round(june_late.percent, 1) == 33.3 and round(june_ok.percent, 1) == 66.7
    # May has no share set: one each, and nobody breached in April, so 50 % each
    assert rows["late"].cells[0].weight is None and rows["late"].cells[0].editable
    assert rows["late"].cells[0].percent == rows["ok"].cells[0].percent == 50.0


def test_grid_gives_no_percentage_to_an_inactive_member_and_zero_to_an_unset_one() -> None:
    # given three members in June: a share of 30 set for one, none for another, and an inactive third
    a, b, gone = (user_with_role(Role.SDR, username=n) for n in ("a", "b", "gone"))
    team = _sdr_team(a, b, gone)
    allocation_set(team=team, user=a, month=JUNE, weight=30)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    rows = {row.user.username: row.cells[0] for row in allocation_grid(team=team, months=[JUNE], now=NOW)}
    # then a gets every lead, b none (a share is set for the team that month), gone is not counted
    assert (rows["a"].percent, rows["b"].percent, rows["gone"].percent) == (100.0, 0.0, None)


def test_grid_past_months_are_read_only() -> None:
    rep = user_with_role(Role.SDR)
    rows = allocation_grid(team=_sdr_team(rep), months=[dt.date(2025, 4, 1), MAY], now=NOW)
    assert [cell.editable for cell in rows[0].cells] == [False, True]


def test_channel_route_set_changes_where_new_leads_go() -> None:
    channel = ChannelFactory(route=ChannelRoute.SDR)
    channel_route_set(channel=channel, route=ChannelRoute.PRE_NURTURE)
    channel.refresh_from_db()
    assert channel.route == ChannelRoute.PRE_NURTURE
    with pytest.raises(ValidationFailed) as error:
        channel_route_set(channel=channel, route="nowhere")
    assert _fields(error) == {"route"}
