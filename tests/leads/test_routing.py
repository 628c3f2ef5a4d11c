"""Routing: fairness over 1,000 leads, shares, capacity, inactive people, the breach penalty, customer check
and channel routes (spec/nurturing.md, "Routing")."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth.models import User

from accounts.choices import CustomerStatus
from leadflow.roles import Role
from leads.choices import ChannelRoute, LeadEventKind, OpportunityStatus, OwnerSide, Temperature
from leads.models import Lead, LeadEvent, Opportunity
from leads.routing.choices import AssignmentMethod, RouteReason, TeamRole
from leads.routing.models import AssignmentRule, MonthlyAllocation, RoutingLog, SlaBreach, Team
from leads.routing.selectors import breaches_by_user, penalised_user_ids
from leads.routing.services import lead_route, lead_route_apply, leads_route_new
from leads.services.leads import lead_create
from tests.factories import AccountFactory, ChannelFactory, LeadFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 5, 14, 3, 0, tzinfo=dt.UTC)


def _team(role: TeamRole, users: list[User], name: str = "SDR team") -> Team:
    team = Team.objects.create(name=name, role=role)
    team.members.set(users)
    return team


def _rule(team: Team, *, method: AssignmentMethod = AssignmentMethod.ROUND_ROBIN, side: str = OwnerSide.SDR,
          order: int = 10, **kwargs: object) -> AssignmentRule:  # fmt: skip
    return AssignmentRule.objects.create(name=f"{side} rule {order}" if side != OwnerSide.SDR else f"rule {order}",
                                         order=order, side=side, team=team, method=method,
                                         **kwargs)  # fmt: skip


def _new_leads(n: int, **kwargs: object) -> list[int]:
    channel = ChannelFactory(slug="sem", route=ChannelRoute.SDR)
    return [LeadFactory(source_channel=channel, **kwargs).pk for _ in range(n)]


def _owners(side: str = "owner_sdr_id") -> Counter[int | None]:
    return Counter(Lead.objects.values_list(side, flat=True))


def test_round_robin_over_1000_leads_is_within_one_lead_of_even() -> None:
    # given three SDRs in a round-robin team
    sdrs = [user_with_role(Role.SDR) for _ in range(3)]
    _rule(_team(TeamRole.SDR, sdrs))
    # when 1,000 new leads are routed
    decisions = leads_route_new(lead_ids=_new_leads(1000), now=NOW)
    # then every lead is assigned and the counts differ by at most one
    assert {d.reason for d in decisions} == {RouteReason.RULE}
    counts = _owners()
    assert set(counts) == {s.pk for s in sdrs}
    assert max(counts.values()) - min(counts.values()) <= 1


def test_rotation_is_fair_whatever_the_order_people_were_created_or_added_in() -> None:
    # given people created in one order, added to the team in another, and one who joins mid-month
    late, first, second = (user_with_role(Role.SDR, username=name) for name in ("zz-late", "mm-first", "aa-second"))
    team = _team(TeamRole.SDR, [second, first])
    _rule(team)
    leads_route_new(lead_ids=_new_leads(100), now=NOW)
    # when the late one joins and 101 more leads arrive
    team.members.add(late)
    leads_route_new(lead_ids=[LeadFactory(source_channel=None, source_score=90).pk for _ in range(101)], now=NOW)
    # then the newcomer gets an even third of the new leads, not a catch-up burst, and nobody leads by 2
    counts = _owners()
    assert abs(counts[first.pk] - counts[second.pk]) <= 1
    assert 33 <= counts[late.pk] <= 35


def test_weighted_shares_follow_the_monthly_allocation() -> None:
    # given shares 50 / 30 / 20 for May
    reps = [user_with_role(Role.SDR) for _ in range(3)]
    team = _team(TeamRole.SDR, reps)
    for rep, weight in zip(reps, (50, 30, 20), strict=True):
        MonthlyAllocation.objects.create(team=team, user=rep, month=dt.date(2025, 5, 1), weight=weight)
    _rule(team, method=AssignmentMethod.WEIGHTED)
    # when 1,000 leads are routed
    leads_route_new(lead_ids=_new_leads(1000), now=NOW)
    # then each gets its quota within one lead: a divisor method (Sainte-Laguë) hands out leads one at a time
    # to whoever is furthest below their quota, so nobody drifts further than one lead from it
    counts = _owners()
    for rep, quota in zip(reps, (500, 300, 200), strict=True):
        assert abs(counts[rep.pk] - quota) <= 1


def test_least_loaded_respects_the_cap_then_spills_to_the_next_rule_then_stays_in_the_pool() -> None:
    # given two SDRs capped at 3 open leads (one already holds 2), and a fallback rule with one SDR capped at 2
    a, b, c = (user_with_role(Role.SDR) for _ in range(3))
    LeadFactory.create_batch(2, owner_sdr=a)
    _rule(_team(TeamRole.SDR, [a, b], "capped"), method=AssignmentMethod.LEAST_LOADED, capacity=3, order=1)
    _rule(_team(TeamRole.SDR, [c], "overflow"), method=AssignmentMethod.LEAST_LOADED, capacity=2, order=2)
    # when 7 leads are routed
    ids = _new_leads(7)
    decisions = leads_route_new(lead_ids=ids, now=NOW)
    # then a gets 1 (to 3), b 3, c 2 through the second rule, and the seventh stays unassigned with a reason
    counts = _owners()
    assert (counts[a.pk], counts[b.pk], counts[c.pk]) == (3, 3, 2)
    assert [d.rule.name if d.rule else None for d in decisions].count("rule 2") == 2
    assert decisions[-1].reason == RouteReason.NO_MEMBER and decisions[-1].user is None
    log = RoutingLog.objects.get(lead_id=ids[-1])
    assert log.reason == RouteReason.NO_MEMBER and "rule 1" in log.detail and "rule 2" in log.detail


def test_inactive_people_and_people_without_the_team_role_are_never_assigned() -> None:
    # given a team with an active SDR, an inactive SDR and a marketer
    active = user_with_role(Role.SDR)
    inactive = user_with_role(Role.SDR, is_active=False)
    marketer = user_with_role(Role.MARKETER)
    _rule(_team(TeamRole.SDR, [inactive, marketer, active]))
    # when 50 leads are routed
    leads_route_new(lead_ids=_new_leads(50), now=NOW)
    # then only the active SDR got any
    assert _owners() == Counter({active.pk: 50})


def test_rule_conditions_pick_the_team_and_a_miss_falls_through() -> None:
    # given a manufacturing rule before a catch-all rule
    maker, other = user_with_role(Role.SDR), user_with_role(Role.SDR)
    _rule(_team(TeamRole.SDR, [maker], "makers"), order=1,
          conditions={"all": [{"field": "industry", "op": "in", "value": ["manufacturing"]},
                              {"field": "employee_count", "op": "between", "value": [100, 5000]}]})
    _rule(_team(TeamRole.SDR, [other], "rest"), order=2)
    channel = ChannelFactory(route=ChannelRoute.SDR)
    fits = LeadFactory(source_channel=channel, industry="manufacturing", employee_count=800)
    small = LeadFactory(source_channel=channel, industry="manufacturing", employee_count=20)
    # when both are routed
    leads_route_new(lead_ids=[fits.pk, small.pk], now=NOW)
    # then the fitting lead goes to the makers' team, the other one falls through
    fits.refresh_from_db(), small.refresh_from_db()
    assert (fits.owner_sdr_id, small.owner_sdr_id) == (maker.pk, other.pk)


def test_two_breaches_in_a_month_halve_the_share_next_month() -> None:
    # given two SDRs with equal shares, one breached twice in April (and once more in May, which does not count)
    good, late = user_with_role(Role.SDR), user_with_role(Role.SDR)
    team = _team(TeamRole.SDR, [good, late])
    for at in (dt.datetime(2025, 4, 3, tzinfo=dt.UTC), dt.datetime(2025, 4, 20, tzinfo=dt.UTC),
               dt.datetime(2025, 5, 2, tzinfo=dt.UTC)):
        SlaBreach.objects.create(user=late, policy="first_touch", breached_at=at)
    _rule(team, method=AssignmentMethod.WEIGHTED)
    # when 300 leads are routed in May
    leads_route_new(lead_ids=_new_leads(300), now=NOW)
    # then the breached SDR gets half the share (factor 0.5): 100 against 200
    assert breaches_by_user(month=dt.date(2025, 4, 1)) == {late.pk: 2}
    assert penalised_user_ids(month=dt.date(2025, 5, 1)) == {late.pk}
    counts = _owners()
    assert (counts[good.pk], counts[late.pk]) == (200, 100)


def test_one_breach_costs_nothing_and_the_factor_is_configurable(settings: object) -> None:
    # given one SDR with a single April breach, another with two, and a factor of 0.25
    settings.LEADFLOW = {**settings.LEADFLOW, "ROUTING_BREACH_FACTOR": 0.25}  # type: ignore[attr-defined]
    once, twice = user_with_role(Role.SDR), user_with_role(Role.SDR)
    SlaBreach.objects.create(user=once, policy="mql_accept", breached_at=dt.datetime(2025, 4, 9, tzinfo=dt.UTC))
    for day in (10, 11):
        SlaBreach.objects.create(user=twice, policy="mql_accept", breached_at=dt.datetime(2025, 4, day, tzinfo=dt.UTC))
    _rule(_team(TeamRole.SDR, [once, twice]), method=AssignmentMethod.ROUND_ROBIN)
    # when 500 leads are routed in May
    leads_route_new(lead_ids=_new_leads(500), now=NOW)
    # then the shares are 4 : 1
    counts = _owners()
    assert (counts[once.pk], counts[twice.pk]) == (400, 100)


@pytest.mark.parametrize("status", ["customer", "open_opportunity"])
def test_customer_check_routes_to_the_account_owner_before_any_rule(status: str) -> None:
    # given an account that is a customer (or has an open opportunity) owned by a sales rep, and a sales rule
    owner, rule_rep = user_with_role(Role.SALES), user_with_role(Role.SALES)
    account = AccountFactory(owner_sales=owner, customer_status=CustomerStatus.CUSTOMER if status == "customer"
                             else CustomerStatus.PROSPECT)  # fmt: skip
    if status == "open_opportunity":
        earlier = LeadFactory(account=account)
        Opportunity.objects.create(lead=earlier, account=account, owner=owner, name="deal", amount=1,
                                   status=OpportunityStatus.OPEN)  # fmt: skip
    _rule(_team(TeamRole.SALES, [rule_rep], "sales"), side=OwnerSide.SALES)
    lead = LeadFactory(account=account, source_channel=ChannelFactory(route=ChannelRoute.PRE_NURTURE))
    # when the lead is routed
    decision = lead_route_apply(lead=lead, now=NOW)
    # then the account owner owns it on the sales side, flagged, with history, and no SDR was picked
    lead.refresh_from_db()
    assert decision.reason == RouteReason.ACCOUNT_OWNER
    assert (lead.owner_sales_id, lead.owner_sdr_id, lead.customer_check) == (owner.pk, None, True)
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.OWNER_CHANGED, data__to=owner.pk).exists()


def test_lead_create_customer_check_and_routing_do_not_assign_twice() -> None:
    # given a customer account: lead_create already gives the lead its owner
    owner = user_with_role(Role.SALES)
    AccountFactory(owner_sales=owner, customer_status=CustomerStatus.CUSTOMER, domain="acme.cn")
    lead = lead_create(data={"email": "li@acme.cn"}, now=NOW)
    # when the routing task runs afterwards
    decisions = leads_route_new(lead_ids=[lead.pk], now=NOW)
    # then it leaves the owner alone: one owner change in the history
    assert decisions[0].reason == RouteReason.ALREADY_OWNED
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.OWNER_CHANGED).count() == 1


def test_channel_routes_sdr_at_once_pre_nurture_pool_and_sales_self_sourced() -> None:
    # given an SDR rule and a sales rule, and leads from each kind of channel
    sdr, rep, creator = user_with_role(Role.SDR), user_with_role(Role.SALES), user_with_role(Role.SALES)
    _rule(_team(TeamRole.SDR, [sdr]), order=1)
    _rule(_team(TeamRole.SALES, [rep], "sales"), side=OwnerSide.SALES, order=1)
    sem = lead_create(data={"email": "a@x-corp.cn", "source_channel": ChannelFactory(route=ChannelRoute.SDR)})
    ebook = lead_create(data={"email": "b@x-corp.cn", "source_channel": ChannelFactory(route=ChannelRoute.PRE_NURTURE)})
    hot = lead_create(data={"email": "c@x-corp.cn", "temperature": Temperature.HOT,
                            "source_channel": ChannelFactory(route=ChannelRoute.PRE_NURTURE)})  # fmt: skip
    own = lead_create(data={"email": "d@x-corp.cn", "source_channel": ChannelFactory(route=ChannelRoute.SALES)},
                      actor=creator)  # fmt: skip
    cold_call = lead_create(data={"email": "e@x-corp.cn",
                                  "source_channel": ChannelFactory(route=ChannelRoute.SALES)})  # fmt: skip
    # when they are routed
    reasons = {d.side + ":" + d.reason for d in leads_route_new(lead_ids=[sem.pk, ebook.pk, hot.pk, own.pk,
                                                                            cold_call.pk], now=NOW)}  # fmt: skip
    # then: SDR at once; pool (logged); hot skips the pool; the self-sourcing rep; the sales rule
    for lead in (sem, ebook, hot, own, cold_call):
        lead.refresh_from_db()
    assert (sem.owner_sdr_id, ebook.owner_sdr_id, hot.owner_sdr_id) == (sdr.pk, None, sdr.pk)
    assert (own.owner_sales_id, own.owner_sdr_id, cold_call.owner_sales_id) == (creator.pk, None, rep.pk)
    assert RoutingLog.objects.get(lead=ebook).reason == RouteReason.PRE_NURTURE
    assert "sales:self_sourced" in reasons and "sdr:pre_nurture" in reasons


def test_mql_side_keeps_an_existing_sales_owner_and_fills_a_missing_one() -> None:
    # given a sales rule and two MQLs, one already with a sales owner
    keeper, rep = user_with_role(Role.SALES), user_with_role(Role.SALES)
    _rule(_team(TeamRole.SALES, [rep], "sales"), side=OwnerSide.SALES)
    owned, free = LeadFactory(owner_sales=keeper), LeadFactory()
    # when both are routed on the sales side
    leads_route_new(lead_ids=[owned.pk, free.pk], now=NOW, side=OwnerSide.SALES)
    # then the owner stays and the other gets the rule's rep
    owned.refresh_from_db(), free.refresh_from_db()
    assert (owned.owner_sales_id, free.owner_sales_id) == (keeper.pk, rep.pk)


def test_routing_twice_changes_nothing_the_second_time() -> None:
    # given a routed lead
    _rule(_team(TeamRole.SDR, [user_with_role(Role.SDR), user_with_role(Role.SDR)]))
    ids = _new_leads(3)
    leads_route_new(lead_ids=ids, now=NOW)
    before = LeadEvent.objects.filter(kind=LeadEventKind.OWNER_CHANGED).count()
    # when it is routed again
    leads_route_new(lead_ids=ids, now=NOW)
    lead_route_apply(lead=Lead.objects.get(pk=ids[0]), now=NOW)
    # then no owner change and no extra log row
    assert LeadEvent.objects.filter(kind=LeadEventKind.OWNER_CHANGED).count() == before
    assert RoutingLog.objects.count() == 3


def test_a_decision_says_who_and_why_without_writing() -> None:
    # given a rule
    sdr = user_with_role(Role.SDR)
    _rule(_team(TeamRole.SDR, [sdr]), order=3)
    lead = LeadFactory(source_channel=ChannelFactory(route=ChannelRoute.SDR))
    # when the decision is asked for
    decision = lead_route(lead=lead, now=NOW)
    # then it names the person and the rule, and the lead is still unowned
    assert (decision.user, decision.label, decision.reason) == (sdr, "rule 3", RouteReason.RULE)
    lead.refresh_from_db()
    assert lead.owner_sdr_id is None and not UserFactory._meta.model.objects.filter(pk=0).exists()


def test_catch_up_routes_only_unrouted_new_leads_after_the_grace_period_and_once() -> None:
    # given an SDR rule, a lead whose routing task was never queued, and one routed already
    from leads.routing.services import UNROUTED_GRACE, leads_route_unrouted

    sdr = user_with_role(Role.SDR)
    _rule(_team(TeamRole.SDR, [sdr]))
    channel = ChannelFactory(route=ChannelRoute.SDR)
    lost = LeadFactory(source_channel=channel, created_at=NOW)
    routed = LeadFactory(source_channel=channel, created_at=NOW, owner_sdr=user_with_role(Role.SDR))
    # when the catch-up runs inside the grace period, after it, and again
    early = leads_route_unrouted(now=NOW + UNROUTED_GRACE / 2)
    caught = leads_route_unrouted(now=NOW + UNROUTED_GRACE * 2)
    again = leads_route_unrouted(now=NOW + UNROUTED_GRACE * 3)
    # then only the lost lead is routed, once
    assert (early, caught, again) == (0, 1, 0)
    assert Lead.objects.get(pk=lost.pk).owner_sdr == sdr
    assert Lead.objects.get(pk=routed.pk).owner_sdr != sdr
