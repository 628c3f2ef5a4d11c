"""Sales-ops routing pages: who may open them, moving a rule, a rule's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from leadflow.roles import Role
from leads.choices import ChannelRoute
from leads.routing.choices import TeamRole
from leads.routing.models import AssignmentRule, Team
from leads.routing.services import leads_route_new
from tests.factories import ChannelFactory, LeadFactory, user_with_role

pytestmark = pytest.mark.django_db


def _client(role: Role) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


@pytest.mark.parametrize(("role", "status"), [(Role.SALES_MANAGER, 200), (Role.ADMIN, 200), (Role.SDR, 403),
                                              (Role.SALES, 403), (Role.MARKETER, 403)])  # fmt: skip
def test_only_sales_managers_and_admins_open_the_rules(role: Role, status: int) -> None:
    # given a rule; when each role opens the list and the history; then only managers and admins may
    rule = AssignmentRule.objects.create(name="r", team=Team.objects.create(name="t", role=TeamRole.SDR))
    client = _client(role)
    assert client.get(reverse("routing:rules")).status_code == status
    assert client.get(reverse("routing:rule-history", args=[rule.pk])).status_code == status
    assert client.post(reverse("routing:rule-move", args=[rule.pk, "up"])).status_code in (
        {302} if status == 200 else {403})


def test_moving_a_rule_down_swaps_it_with_the_next() -> None:
    # given two SDR rules in order
    team = Team.objects.create(name="t", role=TeamRole.SDR)
    first = AssignmentRule.objects.create(name="first", order=1, team=team)
    AssignmentRule.objects.create(name="second", order=2, team=team)
    # when the first is moved down
    _client(Role.SALES_MANAGER).post(reverse("routing:rule-move", args=[first.pk, "down"]))
    # then the second comes first
    assert list(AssignmentRule.objects.order_by("order").values_list("name", flat=True)) == ["second", "first"]


def test_history_lists_the_leads_the_rule_assigned() -> None:
    # given a rule that assigned a lead
    sdr = user_with_role(Role.SDR)
    team = Team.objects.create(name="t", role=TeamRole.SDR)
    team.members.add(sdr)
    rule = AssignmentRule.objects.create(name="East", order=1, team=team)
    lead = LeadFactory(first_name="Mei", last_name="Han", source_channel=ChannelFactory(route=ChannelRoute.SDR))
    leads_route_new(lead_ids=[lead.pk], now=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))
    # when a manager opens the rule's history
    response = _client(Role.SALES_MANAGER).get(reverse("routing:rule-history", args=[rule.pk]))
    # then the lead is listed
    assert "Mei Han" in response.content.decode()
