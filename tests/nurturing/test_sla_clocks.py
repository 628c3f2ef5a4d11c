"""SLA clocks follow the lead signals, breach once through the tick, and record met-late."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core import mail

from leadflow.roles import Role
from leads.choices import OwnerSide, Stage, Temperature
from leads.routing.choices import AssignmentMethod, TeamRole
from leads.routing.models import AssignmentRule, Notification, SlaBreach, Team
from leads.services.leads import lead_assign_owner, lead_set_temperature
from leads.services.stages import lead_transition
from leads.signals import lead_activity_logged, leads_created
from nurturing.models import ClockStatus, PolicyCode, SlaClock
from nurturing.services.tick import nurture_tick
from tests.factories import user_with_role
from tests.nurturing.conftest import at, new_lead

pytestmark = pytest.mark.django_db

T0 = at(2026, 11, 2, 9)  # a Monday


def _clock(lead: Any, code: str) -> SlaClock:
    return SlaClock.objects.get(lead=lead, policy__code=code)


def _mql_for(rep: Any, committed: Any, *, when: dt.datetime = T0) -> Any:
    lead = new_lead(created_at=when - dt.timedelta(days=1), stage_changed_at=when - dt.timedelta(days=1),
                       bant_budget=True, bant_need=True, owner_sales=rep)  # fmt: skip
    with committed():
        lead = lead_transition(lead=lead, to=Stage.MQL, at=when, now=when)
    return lead


def test_assigning_a_hot_lead_to_an_sdr_starts_first_touch_and_follow_up(committed: Any) -> None:
    sdr = user_with_role(Role.SDR)
    lead = new_lead(temperature=Temperature.HOT)
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=sdr, at=T0)
    first, follow = _clock(lead, PolicyCode.FIRST_TOUCH), _clock(lead, PolicyCode.FOLLOW_UP)
    assert (first.owner, first.started_at, first.due_at) == (sdr, T0, T0 + dt.timedelta(hours=48))
    assert (follow.owner, follow.due_at) == (sdr, T0 + dt.timedelta(hours=48))


def test_logged_call_meets_first_touch_and_follow_up_on_time(committed: Any) -> None:
    sdr = user_with_role(Role.SDR)
    lead = new_lead(temperature=Temperature.HOT)
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=sdr, at=T0)
    lead_activity_logged.send(sender=None, lead_id=lead.pk, actor_id=sdr.pk, kind="call", outcome="connected",
                              at=T0 + dt.timedelta(hours=3))  # fmt: skip
    for code in (PolicyCode.FIRST_TOUCH, PolicyCode.FOLLOW_UP):
        clock = _clock(lead, code)
        assert (clock.status, clock.met_at, clock.met_late) == (ClockStatus.MET, T0 + dt.timedelta(hours=3), False)


def test_mql_accept_breaches_once_after_24h_and_notifies_owner_and_manager(committed: Any) -> None:
    rep, manager = user_with_role(Role.SALES), user_with_role(Role.SALES_MANAGER)
    team = Team.objects.create(name="华东销售", role=TeamRole.SALES)
    team.members.add(rep, manager)
    lead = _mql_for(rep, committed)
    clock = _clock(lead, PolicyCode.MQL_ACCEPT)
    assert clock.due_at == T0 + dt.timedelta(hours=24)

    # One second before the deadline nothing happens
    assert nurture_tick(now=T0 + dt.timedelta(hours=24) - dt.timedelta(seconds=1)).processed == 0
    # At the deadline the breach is recorded; later ticks record nothing more
    with committed():
        first = nurture_tick(now=T0 + dt.timedelta(hours=24))
    again = nurture_tick(now=T0 + dt.timedelta(hours=30))

    clock.refresh_from_db()
    assert first.processed == 1 and again.processed == 0
    assert clock.breached_at == T0 + dt.timedelta(hours=24) and clock.status == ClockStatus.OPEN
    assert list(SlaBreach.objects.values_list("user_id", "policy")) == [(rep.pk, "mql_accept")]
    notified = sorted(Notification.objects.filter(kind="sla_breached").values_list("user_id", flat=True))
    assert notified == sorted([rep.pk, manager.pk])
    assert sorted(message.to[0] for message in mail.outbox) == sorted([rep.email, manager.email])


def test_accepting_after_the_breach_is_recorded_as_met_late(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    lead = _mql_for(rep, committed)
    nurture_tick(now=T0 + dt.timedelta(hours=25))
    accepted = T0 + dt.timedelta(hours=26)
    with committed():
        lead = lead_transition(lead=lead, to=Stage.SAL, actor=rep, at=accepted, now=accepted)
    mql = _clock(lead, PolicyCode.MQL_ACCEPT)
    assert (mql.status, mql.met_at, mql.met_late, mql.breached_at) == (
        ClockStatus.MET, accepted, True, T0 + dt.timedelta(hours=25))
    sal = SlaClock.objects.get(lead=lead, policy__code=PolicyCode.SAL_QUALIFY, closed_at__isnull=True)
    assert (sal.owner, sal.started_at) == (rep, accepted)


def test_returning_an_mql_meets_its_clock_as_returned_and_restarts_the_sdr_follow_up(committed: Any) -> None:
    rep, sdr = user_with_role(Role.SALES), user_with_role(Role.SDR)
    lead = _mql_for(rep, committed)
    lead.owner_sdr = sdr
    lead.save(update_fields=["owner_sdr"])
    returned = T0 + dt.timedelta(hours=2)
    with committed():
        lead_transition(lead=lead, to=Stage.LEAD, actor=rep, reason="bad_timing", at=returned, now=returned)
    mql = _clock(lead, PolicyCode.MQL_ACCEPT)
    assert (mql.status, mql.met_at, mql.met_late) == (ClockStatus.RETURNED, returned, False)
    follow = SlaClock.objects.get(lead=lead, policy__code=PolicyCode.FOLLOW_UP, closed_at__isnull=True)
    assert follow.owner == sdr


def test_follow_up_breach_recycles_the_lead_and_reassigns_it_by_the_rules(committed: Any) -> None:
    slow, next_sdr = user_with_role(Role.SDR, username="slow"), user_with_role(Role.SDR, username="next")
    team = Team.objects.create(name="SDR 团队", role=TeamRole.SDR)
    team.members.add(next_sdr)  # the slow SDR is not in the rule's team: the rules must pick someone else
    AssignmentRule.objects.create(name="全部", side=OwnerSide.SDR, team=team, method=AssignmentMethod.ROUND_ROBIN)
    lead = new_lead(source_score=10)
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=slow, at=T0)
    breach_at = T0 + dt.timedelta(hours=48)
    with committed():
        report = nurture_tick(now=breach_at)

    lead.refresh_from_db()
    old = SlaClock.objects.get(lead=lead, owner=slow)
    new = SlaClock.objects.get(lead=lead, closed_at__isnull=True)
    assert report.processed == 1
    assert (old.status, old.breached_at) == (ClockStatus.RECYCLED, breach_at)
    assert lead.owner_sdr == next_sdr
    assert (new.policy.code, new.owner, new.started_at) == (PolicyCode.FOLLOW_UP, next_sdr, breach_at)
    assert list(SlaBreach.objects.values_list("user__username", "policy")) == [("slow", "follow_up")]


def test_tick_run_twice_for_the_same_now_changes_nothing(committed: Any) -> None:
    rep = user_with_role(Role.SALES)
    for _ in range(3):
        _mql_for(rep, committed)
    now = T0 + dt.timedelta(days=2)
    with committed():
        assert nurture_tick(now=now).processed == 3
    snapshot = list(SlaClock.objects.order_by("id").values())
    counts = (SlaBreach.objects.count(), Notification.objects.count())
    with committed():
        assert nurture_tick(now=now).processed == 0
    assert list(SlaClock.objects.order_by("id").values()) == snapshot
    assert (SlaBreach.objects.count(), Notification.objects.count()) == counts


def test_disqualifying_stops_the_clocks_without_meeting_them(committed: Any) -> None:
    sdr = user_with_role(Role.SDR)
    lead = new_lead(temperature=Temperature.HOT, stage_changed_at=T0 - dt.timedelta(days=1))
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=sdr, at=T0)
    with committed():
        lead_transition(lead=lead, to=Stage.DISQUALIFIED, reason="spam", at=T0 + dt.timedelta(hours=1),
                        now=T0 + dt.timedelta(hours=1))  # fmt: skip
    assert set(SlaClock.objects.filter(lead=lead).values_list("status", "met_at")) == {(ClockStatus.CANCELLED, None)}


def test_turning_hot_starts_first_touch_for_the_sdr(committed: Any) -> None:
    sdr = user_with_role(Role.SDR)
    lead = new_lead(source_score=10, owner_sdr=sdr)
    with committed():
        lead_set_temperature(lead=lead, temperature=Temperature.HOT)
    assert _clock(lead, PolicyCode.FIRST_TOUCH).owner == sdr


def test_a_new_sales_owner_inherits_the_running_mql_clock_and_its_deadline(committed: Any) -> None:
    rep, other = user_with_role(Role.SALES), user_with_role(Role.SALES)
    lead = _mql_for(rep, committed)
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SALES, user=other, at=T0 + dt.timedelta(hours=5))
    clock = _clock(lead, PolicyCode.MQL_ACCEPT)
    assert (clock.owner, clock.due_at) == (other, T0 + dt.timedelta(hours=24))


def test_a_met_first_touch_is_not_restarted_when_the_lead_turns_hot_again(committed: Any) -> None:
    sdr = user_with_role(Role.SDR)
    lead = new_lead(temperature=Temperature.HOT)
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=sdr, at=T0)
    lead_activity_logged.send(sender=None, lead_id=lead.pk, actor_id=sdr.pk, kind="call", outcome="connected",
                              at=T0 + dt.timedelta(hours=1))  # fmt: skip
    with committed():
        lead_set_temperature(lead=lead, temperature=Temperature.WARM)
    with committed():
        lead_set_temperature(lead=lead, temperature=Temperature.HOT)
    assert SlaClock.objects.filter(lead=lead).count() == 2
    assert not SlaClock.objects.filter(lead=lead, closed_at__isnull=True).exists()


def test_leads_created_in_bulk_get_their_clocks_in_one_pass(committed: Any) -> None:
    sdr = user_with_role(Role.SDR)
    hot = [new_lead(owner_sdr=sdr, temperature=Temperature.HOT) for _ in range(3)]
    cold = new_lead(owner_sdr=sdr, source_score=10)
    nobody = new_lead()
    leads_created.send(sender=None, lead_ids=[*(lead.pk for lead in hot), cold.pk, nobody.pk], at=T0)
    leads_created.send(sender=None, lead_ids=[lead.pk for lead in hot], at=T0)  # a repeat changes nothing
    by_lead = Counter(SlaClock.objects.values_list("lead_id", flat=True))
    assert [by_lead[lead.pk] for lead in hot] == [2, 2, 2]  # first touch and follow-up
    assert (by_lead[cold.pk], by_lead[nobody.pk]) == (1, 0)  # follow-up only; no owner, no clock


def test_a_recycled_lead_never_goes_back_to_the_sdr_who_let_it_sit(committed: Any) -> None:
    slow, other = user_with_role(Role.SDR, username="a-slow"), user_with_role(Role.SDR, username="b-other")
    team = Team.objects.create(name="SDR 全员", role=TeamRole.SDR)
    team.members.add(slow, other)  # both in the rule's team; by username the rotation would pick "a-slow" first
    AssignmentRule.objects.create(name="轮流", side=OwnerSide.SDR, team=team, method=AssignmentMethod.ROUND_ROBIN)
    lead = new_lead(source_score=10)
    with committed():
        lead_assign_owner(lead=lead, side=OwnerSide.SDR, user=slow, at=T0)
    with committed():
        nurture_tick(now=T0 + dt.timedelta(hours=48))
    lead.refresh_from_db()
    assert lead.owner_sdr == other
