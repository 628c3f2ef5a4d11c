"""The SDR queue: priority order, claim and release, and the page's actions (log, BANT, qualify, disqualify)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.errors import Conflict, NotPermitted
from leadflow.roles import Role
from leads.choices import LeadEventKind, Stage, Temperature, TouchpointKind
from leads.models import Lead, LeadEvent, StageChange, Touchpoint
from leads.queue.selectors import QueueScope, sdr_queue
from leads.queue.services import lead_claim, lead_release
from tests.factories import LeadFactory, user_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def browser(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_queue_orders_hot_first_then_grade_then_newest():
    sdr = user_with_role(Role.SDR)
    warm_a1 = LeadFactory(owner_sdr=sdr, grade="A1", temperature=Temperature.WARM)
    hot_c2 = LeadFactory(owner_sdr=sdr, grade="C2", temperature=Temperature.HOT)
    ungraded = LeadFactory(owner_sdr=sdr, grade="", temperature=Temperature.WARM)
    warm_b1 = LeadFactory(owner_sdr=sdr, grade="B1", temperature=Temperature.WARM)
    LeadFactory(owner_sdr=sdr, grade="A1", stage=Stage.MQL)  # not open work any more

    order = [lead.pk for lead in sdr_queue(user=sdr, scope=QueueScope.MINE)]

    assert order == [hot_c2.pk, warm_a1.pk, warm_b1.pk, ungraded.pk]


def test_pool_holds_unclaimed_open_leads_and_mine_holds_my_own():
    sdr, other = user_with_role(Role.SDR), user_with_role(Role.SDR)
    unclaimed, mine, theirs = LeadFactory(), LeadFactory(owner_sdr=sdr), LeadFactory(owner_sdr=other)

    assert [lead.pk for lead in sdr_queue(user=sdr, scope=QueueScope.POOL)] == [unclaimed.pk]
    assert [lead.pk for lead in sdr_queue(user=sdr, scope=QueueScope.MINE)] == [mine.pk]
    assert theirs.pk not in {lead.pk for lead in sdr_queue(user=sdr, scope=QueueScope.POOL)}


def test_claim_makes_the_sdr_the_owner_with_history_and_a_second_claimer_is_told_who_won():
    first = user_with_role(Role.SDR, first_name="Mei", last_name="Zhao")
    second = user_with_role(Role.SDR)
    lead = LeadFactory()

    lead_claim(lead=lead, user=first, now=NOW)
    with pytest.raises(Conflict) as lost:
        lead_claim(lead=lead, user=second, now=NOW)

    assert Lead.objects.get(pk=lead.pk).owner_sdr_id == first.pk
    event = LeadEvent.objects.get(lead=lead, kind=LeadEventKind.OWNER_CHANGED)
    assert (event.actor_id, event.actor_label) == (first.pk, "queue:claim")
    assert "Zhao" in lost.value.message or "Mei" in lost.value.message


def test_only_sdrs_claim_and_only_the_owner_or_a_manager_releases():
    sdr, other, manager = user_with_role(Role.SDR), user_with_role(Role.SDR), user_with_role(Role.SALES_MANAGER)
    lead = LeadFactory()
    with pytest.raises(NotPermitted):
        lead_claim(lead=lead, user=manager, now=NOW)
    lead_claim(lead=lead, user=sdr, now=NOW)

    with pytest.raises(NotPermitted):
        lead_release(lead=lead, user=other, now=NOW)
    lead_release(lead=lead, user=manager, now=NOW)

    assert Lead.objects.get(pk=lead.pk).owner_sdr_id is None


def test_page_lists_my_leads_and_claim_from_the_pool_moves_a_lead_into_mine():
    sdr = user_with_role(Role.SDR)
    lead = LeadFactory(first_name="Hot", last_name="Prospect", temperature=Temperature.HOT)
    client = browser(sdr)

    pool = client.get("/queue/?scope=pool")
    assert pool.status_code == 200 and "Hot" in pool.content.decode()

    claimed = client.post(f"/queue/{lead.pk}/claim/", {"scope": "pool"}, HTTP_HX_REQUEST="true")

    assert claimed.status_code == 200
    assert "is yours now" in claimed.content.decode()
    assert Lead.objects.get(pk=lead.pk).owner_sdr_id == sdr.pk


def test_log_a_call_without_outcome_names_the_field_and_with_one_is_recorded():
    sdr = user_with_role(Role.SDR)
    lead = LeadFactory(owner_sdr=sdr)
    client = browser(sdr)
    prefix = f"q{lead.pk}-log"

    refused = client.post(f"/queue/{lead.pk}/log/", {f"{prefix}-kind": "call", f"{prefix}-outcome": ""},
                          HTTP_HX_REQUEST="true")  # fmt: skip
    logged = client.post(f"/queue/{lead.pk}/log/", {f"{prefix}-kind": "call", f"{prefix}-outcome": "connected",
                                                    f"{prefix}-note": "Interested in Q3"}, HTTP_HX_REQUEST="true")

    assert refused.status_code == 422 and "Outcome: Say how the call went." in refused.content.decode()
    assert logged.status_code == 200
    touch = Touchpoint.objects.get(lead=lead)
    assert (touch.kind, touch.properties["outcome"], touch.properties["note"]) == (
        TouchpointKind.CALL, "connected", "Interested in Q3")


def test_qualify_with_too_little_bant_is_refused_and_with_enough_becomes_mql():
    sdr = user_with_role(Role.SDR)
    lead = LeadFactory(owner_sdr=sdr)
    client = browser(sdr)
    prefix = f"q{lead.pk}-bant"

    refused = client.post(f"/queue/{lead.pk}/bant/", {f"{prefix}-budget": "on", "qualify": ""},
                          HTTP_HX_REQUEST="true")  # fmt: skip
    assert refused.status_code == 422 and Lead.objects.get(pk=lead.pk).stage == Stage.LEAD

    done = client.post(f"/queue/{lead.pk}/bant/", {f"{prefix}-budget": "on", f"{prefix}-need": "on",
                                                   "qualify": ""}, HTTP_HX_REQUEST="true")  # fmt: skip

    assert done.status_code == 200
    qualified = Lead.objects.get(pk=lead.pk)
    assert (qualified.stage, qualified.bant_budget, qualified.bant_need) == (Stage.MQL, True, True)
    assert StageChange.objects.get(lead=lead, to_stage=Stage.MQL).actor_id == sdr.pk


def test_disqualify_needs_a_reason():
    sdr = user_with_role(Role.SDR)
    lead = LeadFactory(owner_sdr=sdr)
    client = browser(sdr)
    prefix = f"q{lead.pk}-dq"

    refused = client.post(f"/queue/{lead.pk}/disqualify/", {f"{prefix}-reason": ""}, HTTP_HX_REQUEST="true")
    done = client.post(f"/queue/{lead.pk}/disqualify/", {f"{prefix}-reason": "spam"}, HTTP_HX_REQUEST="true")

    assert refused.status_code == 422
    assert done.status_code == 200
    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED


def test_sales_reps_may_not_open_the_queue():
    rep = user_with_role(Role.SALES)
    assert browser(rep).get("/queue/").status_code == 403


def test_without_javascript_an_action_redirects_back_to_the_queue():
    sdr = user_with_role(Role.SDR)
    lead = LeadFactory(created_at=timezone.now())
    response = browser(sdr).post(f"/queue/{lead.pk}/claim/", {"scope": "pool"})
    assert response.status_code == 302 and response["Location"] == "/queue/?scope=pool"
