"""Sales-ops set-up pages: who may open them (403 without Action.MANAGE_ROUTING), and each page's write
through htmx or a plain form, with the service's field-named errors shown on the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import ChannelRoute, OwnerSide
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.models import AssignmentRule, MonthlyAllocation, Team
from leads.routing.selectors import month_shift, month_start
from tests.factories import ChannelFactory, user_with_role

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(role: Role) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def _team(*members: object) -> Team:
    team = Team.objects.create(name="SDR East", role=TeamRole.SDR)
    team.members.set(members)
    return team


@pytest.mark.parametrize(("role", "allowed"), [(Role.SALES_MANAGER, True), (Role.ADMIN, True), (Role.SDR, False),
                                               (Role.SALES, False), (Role.MARKETER, False)])  # fmt: skip
def test_set_up_pages_are_for_routing_managers_only(role: Role, allowed: bool) -> None:
    # given a team, a rule and a channel; when each role opens every page and tries every write
    team = _team()
    rule = AssignmentRule.objects.create(name="r", team=team)
    channel = ChannelFactory()
    client = _client(role)
    pages = ["/routing/new/", f"/routing/{rule.pk}/edit/", "/routing/teams/", "/routing/teams/new/",
             f"/routing/teams/{team.pk}/edit/", "/routing/allocations/", "/routing/channels/"]  # fmt: skip
    writes = [f"/routing/{rule.pk}/delete/", "/routing/allocations/set/", f"/routing/channels/{channel.pk}/route/",
              "/routing/new/", "/routing/teams/new/"]  # fmt: skip
    # then managers and admins get the pages; everyone else a 403, and nothing changes
    for url in pages:
        assert client.get(url).status_code == (200 if allowed else 403), url
    if not allowed:
        for url in writes:
            assert client.post(url, {"route": ChannelRoute.SALES}).status_code == 403, url
        assert AssignmentRule.objects.exists()


def test_creating_a_rule_from_the_form_saves_its_conditions() -> None:
    team = _team()
    response = _client(Role.SALES_MANAGER).post("/routing/new/", {
        "name": "华东制造", "side": OwnerSide.SDR, "team": team.pk, "method": AssignmentMethod.ROUND_ROBIN,
        "active": "on", "industries": "manufacturing，制造业", "regions": "华东", "tiers": ["S", "A"],
        "employees_min": "200", "employees_max": "",
    }, **HTMX)  # fmt: skip
    assert response.status_code == 200 and response["HX-Redirect"] == "/routing/"
    rule = AssignmentRule.objects.get()
    assert rule.conditions == {"all": [
        {"field": "industry", "op": "in", "value": ["manufacturing", "制造业"]},
        {"field": "region", "op": "in", "value": ["华东"]},
        {"field": "account.tier", "op": "in", "value": ["S", "A"]},
        {"field": "employee_count", "op": "gte", "value": 200},
    ]}  # fmt: skip


def test_rule_form_shows_the_service_error_on_the_field() -> None:
    # given a sales team; when an SDR rule names it and sets a capacity on round robin
    team = Team.objects.create(name="AE", role=TeamRole.SALES)
    response = _client(Role.SALES_MANAGER).post("/routing/new/", {
        "name": "x", "side": OwnerSide.SDR, "team": team.pk, "method": AssignmentMethod.ROUND_ROBIN,
        "capacity": "5", "industries": "", "regions": "",
    }, HTTP_ACCEPT_LANGUAGE="en", **HTMX)  # fmt: skip
    html = response.content.decode()
    # then the form comes back (422) with both fields in error, and no rule is saved
    assert response.status_code == 422 and 'id="rule-form"' in html
    assert "does not match the rule&#x27;s side" in html and "least-loaded method only" in html
    assert not AssignmentRule.objects.exists()


def test_editing_a_rule_prefills_and_saves_it() -> None:
    team = _team()
    rule = AssignmentRule.objects.create(name="old", team=team, conditions={
        "all": [{"field": "region", "op": "in", "value": ["华南"]}]})  # fmt: skip
    client = _client(Role.SALES_MANAGER)
    assert 'value="华南"' in client.get(f"/routing/{rule.pk}/edit/").content.decode()
    client.post(f"/routing/{rule.pk}/edit/", {"name": "new", "side": OwnerSide.SDR, "team": team.pk,
                                              "method": AssignmentMethod.WEIGHTED, "regions": ""})  # fmt: skip
    rule.refresh_from_db()
    assert (rule.name, rule.method, rule.conditions, rule.active) == ("new", AssignmentMethod.WEIGHTED, {}, False)


def test_deleting_and_moving_rules() -> None:
    team = _team()
    first = AssignmentRule.objects.create(name="first", order=10, team=team)
    AssignmentRule.objects.create(name="second", order=20, team=team)
    client = _client(Role.SALES_MANAGER)
    fragment = client.post(f"/routing/{first.pk}/move/down/", **HTMX).content.decode()
    assert fragment.index("second") < fragment.index("first") and "<html" not in fragment
    assert client.post(f"/routing/{first.pk}/delete/").status_code == 302
    assert list(AssignmentRule.objects.values_list("name", flat=True)) == ["second"]


def test_team_form_creates_a_team_and_refuses_a_wrong_member() -> None:
    sdr, rep = user_with_role(Role.SDR), user_with_role(Role.SALES)
    client = _client(Role.SALES_MANAGER)
    refused = client.post("/routing/teams/new/", {"name": "SDR East", "role": TeamRole.SDR,
                                                  "members": [sdr.pk, rep.pk]}, **HTMX)  # fmt: skip
    assert refused.status_code == 422 and rep.username in refused.content.decode()
    assert not Team.objects.exists()
    client.post("/routing/teams/new/", {"name": "SDR East", "role": TeamRole.SDR, "members": [sdr.pk]})
    assert list(Team.objects.get().members.all()) == [sdr]


def test_allocation_grid_saves_a_cell_and_shows_it() -> None:
    # given a team with one SDR; when next month's share is set in the grid
    sdr = user_with_role(Role.SDR)
    team = _team(sdr)
    client = _client(Role.SALES_MANAGER)
    next_month = month_shift(month_start(timezone.now()), 1)
    data = {"team": team.pk, "user": sdr.pk, "month": next_month.isoformat(), "weight": "70"}
    cell = client.post("/routing/allocations/set/", data, **HTMX)
    # then the cell answers with the saved value, and the grid shows it
    assert cell.status_code == 200 and 'value="70"' in cell.content.decode()
    assert f'id="pct-{sdr.pk}-{next_month:%Y-%m}"' in cell.content.decode()
    assert MonthlyAllocation.objects.get().weight == 70
    grid = client.get(f"/routing/allocations/?team={team.pk}").content.decode()
    assert f'data-month="{next_month:%Y-%m}"' in grid and 'value="70"' in grid


def test_allocation_cell_answers_422_with_the_error() -> None:
    sdr = user_with_role(Role.SDR)
    team = _team(sdr)
    month = month_start(timezone.now()) + dt.timedelta(days=0)
    response = _client(Role.SALES_MANAGER).post("/routing/allocations/set/", {
        "team": team.pk, "user": sdr.pk, "month": month.isoformat(), "weight": "5000"}, **HTMX)  # fmt: skip
    assert response.status_code == 422 and 'class="field-error"' in response.content.decode()
    assert not MonthlyAllocation.objects.exists()


def test_channel_route_is_changed_inline() -> None:
    channel = ChannelFactory(route=ChannelRoute.SDR)
    row = _client(Role.SALES_MANAGER).post(f"/routing/channels/{channel.pk}/route/",
                                           {"route": ChannelRoute.SALES}, **HTMX)  # fmt: skip
    channel.refresh_from_db()
    assert row.status_code == 200 and channel.route == ChannelRoute.SALES
    assert f'id="channel-{channel.pk}"' in row.content.decode()


def test_rule_list_says_the_conditions_in_words() -> None:
    AssignmentRule.objects.create(name="r", team=_team(), conditions={"all": [
        {"field": "account.tier", "op": "in", "value": ["S", "A"]},
        {"field": "employee_count", "op": "between", "value": [200, 999]}, {"tag": "vip"}]})  # fmt: skip
    html = _client(Role.SALES_MANAGER).get("/routing/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Tier: S, A · Employees 200–999 · 1 more condition" in html


def test_saving_a_cell_updates_the_other_members_percentages_out_of_band() -> None:
    # given two SDRs; when next month's share of the first is set to 30
    first, second = user_with_role(Role.SDR, username="first"), user_with_role(Role.SDR, username="second")
    team = _team(first, second)
    next_month = month_shift(month_start(timezone.now()), 1)
    data = {"team": team.pk, "user": first.pk, "month": next_month.isoformat(), "weight": "30"}
    html = _client(Role.SALES_MANAGER).post("/routing/allocations/set/", data, **HTMX).content.decode()
    # then the first gets 100 % and the second's percentage (now 0 %) is swapped in out of band
    assert f'id="pct-{first.pk}-{next_month:%Y-%m}"' in html and "100.0 %" in html
    assert f'id="pct-{second.pk}-{next_month:%Y-%m}" hx-swap-oob="true"' in html and "0.0 %" in html
