"""The lifecycle rules of spec/lifecycle.md, enforced by leads.services.stages.lead_transition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from leadflow.errors import Conflict, IllegalTransition, NotPermitted, ValidationFailed
from leadflow.roles import Role
from leads.choices import OpportunityStatus, Stage
from leads.models import StageChange
from leads.services.stages import lead_transition
from leads.signals import lead_stage_changed
from leads.stages import TRANSITIONS
from tests.factories import AccountFactory, LeadFactory, make_journey, user_with_role

pytestmark = pytest.mark.django_db

PATH_TO: dict[Stage, list[str]] = {
    Stage.LEAD: ["lead"],
    Stage.MQL: ["lead", "mql"],
    Stage.SAL: ["lead", "mql", "sal"],
    Stage.SQL: ["lead", "mql", "sal", "sql"],
    Stage.OPPORTUNITY: ["lead", "mql", "sal", "sql", "opportunity"],
    Stage.CUSTOMER: ["lead", "mql", "sal", "sql", "opportunity", "customer"],
    Stage.DISQUALIFIED: ["lead", "disqualified"],
    Stage.LOST: ["lead", "mql", "sal", "sql", "opportunity", "lost"],
}

# What each legal move needs to pass its rules.
REQUIRED: dict[tuple[Stage, Stage], dict[str, Any]] = {
    (Stage.LEAD, Stage.MQL): {"bant": {"budget": True, "need": True}},
    (Stage.MQL, Stage.LEAD): {"reason": "bad_timing"},
    (Stage.SAL, Stage.SQL): {"bant": {"budget": True, "authority": True, "need": True, "timing": True}},
    (Stage.SAL, Stage.LEAD): {"reason": "no_budget"},
    (Stage.SQL, Stage.OPPORTUNITY): {"amount": Decimal("200000"), "expected_close": dt.date(2027, 3, 31)},
    (Stage.SQL, Stage.LEAD): {"reason": "no_need"},
    (Stage.OPPORTUNITY, Stage.CUSTOMER): {"amount": Decimal("180000")},
    (Stage.OPPORTUNITY, Stage.LOST): {"reason": "competitor"},
    (Stage.DISQUALIFIED, Stage.LEAD): {"note": "Real buyer after all"},
}


def _required(frm: Stage, to: Stage) -> dict[str, Any]:
    if to == Stage.DISQUALIFIED:
        return {"reason": "spam"}
    return REQUIRED.get((frm, to), {})


@pytest.mark.parametrize(("frm", "to"), list(TRANSITIONS), ids=lambda s: str(s))
def test_every_legal_move_changes_the_stage_and_writes_one_history_row(frm: Stage, to: Stage) -> None:
    admin = user_with_role(Role.ADMIN)
    lead = make_journey(PATH_TO[frm])
    before = lead.stage_changes.count()

    lead = lead_transition(lead=lead, to=to, actor=admin, **_required(frm, to))

    assert lead.stage == to
    assert lead.stage_changes.count() == before + 1
    last = lead.stage_changes.order_by("id").last()
    assert (last.from_stage, last.to_stage, last.actor, last.implied) == (frm, to, admin, False)
    assert last.reason == _required(frm, to).get("reason", "")


ILLEGAL = [(frm, to) for frm in Stage for to in Stage if frm != to and (frm, to) not in TRANSITIONS]


@pytest.mark.parametrize(("frm", "to"), ILLEGAL, ids=lambda s: str(s))
def test_every_illegal_move_is_refused_and_changes_nothing(frm: Stage, to: Stage) -> None:
    lead = make_journey(PATH_TO[frm])
    before = lead.stage_changes.count()

    with pytest.raises(IllegalTransition) as refused:
        lead_transition(lead=lead, to=to, reason="other", note="n", amount="1000",
                        expected_close=dt.date(2027, 1, 1))  # fmt: skip

    assert refused.value.status_code == 409
    lead.refresh_from_db()
    assert lead.stage == frm
    assert lead.stage_changes.count() == before


def test_a_move_to_the_current_stage_is_a_no_op_without_history() -> None:
    lead = make_journey(["lead", "mql"])
    before = lead.stage_changes.count()

    lead = lead_transition(lead=lead, to=Stage.MQL)

    assert lead.stage == Stage.MQL
    assert lead.stage_changes.count() == before


def test_an_unknown_stage_is_a_field_error() -> None:
    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=LeadFactory(), to="won")
    assert "to" in error.value.errors


@pytest.mark.parametrize(("frm", "to"), [(Stage.MQL, Stage.LEAD), (Stage.OPPORTUNITY, Stage.LOST),
                                         (Stage.LEAD, Stage.DISQUALIFIED)])  # fmt: skip
def test_a_move_that_needs_a_reason_is_refused_without_one_naming_the_field(frm: Stage, to: Stage) -> None:
    lead = make_journey(PATH_TO[frm])

    with pytest.raises(ValidationFailed) as missing:
        lead_transition(lead=lead, to=to)

    assert list(missing.value.errors) == ["reason"]
    with pytest.raises(ValidationFailed) as wrong:
        lead_transition(lead=lead, to=to, reason="because")
    assert "reason" in wrong.value.errors


def test_reason_other_needs_a_note() -> None:
    lead = make_journey(PATH_TO[Stage.MQL])

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.LEAD, reason="other")

    assert "note" in error.value.errors
    lead = lead_transition(lead=lead, to=Stage.LEAD, reason="other", note="Reorganisation, call in Q2")
    assert lead.stage_changes.last().note == "Reorganisation, call in Q2"


def test_reopening_a_disqualified_lead_needs_a_note() -> None:
    lead = make_journey(PATH_TO[Stage.DISQUALIFIED])

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.LEAD)

    assert "note" in error.value.errors


def test_mql_gate_names_the_missing_bant_points() -> None:
    lead = LeadFactory(bant_budget=True)

    with translation.override("en"), pytest.raises(ValidationFailed) as english:
        lead_transition(lead=lead, to=Stage.MQL)
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as chinese:
        lead_transition(lead=lead, to=Stage.MQL)

    assert set(english.value.errors) == {"bant", "authority", "need", "timing"}
    assert "missing: authority, need, timing" in english.value.message
    assert "未确认：决策权、需求、时间" in chinese.value.message


def test_bant_set_in_the_same_call_counts_for_the_gate_and_is_recorded() -> None:
    lead = LeadFactory()

    lead = lead_transition(lead=lead, to=Stage.MQL, bant={"budget": True, "timing": True, "notes": "Q3 budget"})

    assert lead.stage == Stage.MQL
    assert (lead.bant_budget, lead.bant_timing, lead.bant_notes) == (True, True, "Q3 budget")
    assert lead.events.filter(kind="bant_changed").exists()


def test_a_refused_move_does_not_keep_the_bant_it_carried() -> None:
    lead = LeadFactory()

    with pytest.raises(ValidationFailed):
        lead_transition(lead=lead, to=Stage.MQL, bant={"budget": True})

    lead.refresh_from_db()
    assert lead.bant_budget is False


def test_a_named_auto_qualification_rule_passes_the_mql_gate_and_is_the_actor() -> None:
    lead = LeadFactory()

    lead = lead_transition(lead=lead, to=Stage.MQL, rule="meeting_booked")

    change = lead.stage_changes.last()
    assert (change.to_stage, change.actor, change.actor_label) == (Stage.MQL, None, "rule:meeting_booked")


def test_sql_gate_needs_all_four_bant_points_by_default() -> None:
    lead = make_journey(PATH_TO[Stage.SAL])  # has budget and need from the MQL step

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.SQL)

    assert {"authority", "timing"} <= set(error.value.errors)


def test_opportunity_needs_amount_and_expected_close() -> None:
    lead = make_journey(PATH_TO[Stage.SQL])

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.OPPORTUNITY, amount="0")

    assert set(error.value.errors) == {"amount", "expected_close"}


def test_opening_an_opportunity_records_amount_and_close_date() -> None:
    lead = make_journey(PATH_TO[Stage.SQL])

    lead = lead_transition(lead=lead, to=Stage.OPPORTUNITY, amount="350000.50",
                           expected_close=dt.date(2027, 6, 30))  # fmt: skip

    opportunity = lead.opportunities.get()
    assert (opportunity.status, opportunity.amount, opportunity.expected_close, opportunity.currency) == (
        OpportunityStatus.OPEN, Decimal("350000.50"), dt.date(2027, 6, 30), "CNY"
    )


def test_winning_needs_the_contract_value_and_makes_the_account_a_customer() -> None:
    account = AccountFactory()
    lead = make_journey(PATH_TO[Stage.OPPORTUNITY], account=account)

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.CUSTOMER)
    assert list(error.value.errors) == ["amount"]

    lead = lead_transition(lead=lead, to=Stage.CUSTOMER, amount="99000")
    opportunity = lead.opportunities.get()
    account.refresh_from_db()
    assert (opportunity.status, opportunity.won_amount) == (OpportunityStatus.WON, Decimal("99000"))
    assert opportunity.closed_at == lead.stage_changed_at
    assert (account.customer_status, account.arr) == ("customer", Decimal("99000"))


def test_losing_closes_the_opportunity_with_the_reason() -> None:
    lead = make_journey(PATH_TO[Stage.OPPORTUNITY])

    lead = lead_transition(lead=lead, to=Stage.LOST, reason="price")

    opportunity = lead.opportunities.get()
    assert (opportunity.status, opportunity.lost_reason) == (OpportunityStatus.LOST, "price")


def test_a_skip_records_every_passed_stage_as_implied_at_the_same_instant() -> None:
    sales = user_with_role(Role.SALES)
    lead = LeadFactory()

    lead = lead_transition(lead=lead, to=Stage.SQL, skip=True, actor=sales)

    rows = list(lead.stage_changes.order_by("id").values_list("from_stage", "to_stage", "implied", "gates_bypassed"))
    assert rows == [("lead", "mql", True, True), ("mql", "sal", True, True), ("sal", "sql", False, True)]
    assert len({change.at for change in lead.stage_changes.all()}) == 1
    assert lead.owner_sales == sales


def test_a_skip_bypasses_bant_but_still_needs_the_amount() -> None:
    lead = LeadFactory()

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.CUSTOMER, skip=True)
    assert list(error.value.errors) == ["amount"]

    lead = lead_transition(lead=lead, to=Stage.CUSTOMER, skip=True, amount="50000")
    assert lead.stage == Stage.CUSTOMER
    assert lead.stage_changes.filter(implied=True).count() == 4
    assert lead.opportunities.get().status == OpportunityStatus.WON


def test_a_skip_never_goes_backwards() -> None:
    lead = make_journey(PATH_TO[Stage.SQL])

    with pytest.raises(IllegalTransition):
        lead_transition(lead=lead, to=Stage.MQL, skip=True)


def test_an_sdr_may_not_force_a_jump() -> None:
    with pytest.raises(NotPermitted):
        lead_transition(lead=LeadFactory(), to=Stage.SQL, skip=True, actor=user_with_role(Role.SDR))


def test_back_dating_is_allowed_but_never_before_the_previous_change() -> None:
    start = timezone.now() - dt.timedelta(days=30)
    lead = make_journey(["lead", "mql"], start=start, step=dt.timedelta(days=10))  # mql at start + 10 d

    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=lead, to=Stage.SAL, at=start + dt.timedelta(days=5))
    assert "at" in error.value.errors

    lead = lead_transition(lead=lead, to=Stage.SAL, at=start + dt.timedelta(days=12))
    assert lead.stage_changed_at == start + dt.timedelta(days=12)
    assert lead.stage_changes.last().at == start + dt.timedelta(days=12)


def test_a_change_dated_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationFailed) as error:
        lead_transition(lead=make_journey(["lead", "mql"]), to=Stage.SAL, at=timezone.now() + dt.timedelta(days=1))
    assert "at" in error.value.errors


def test_primary_owner_switches_to_sales_at_acceptance_and_back_on_return() -> None:
    sdr, sales = user_with_role(Role.SDR), user_with_role(Role.SALES)
    lead = make_journey(["lead", "mql"], owner_sdr=sdr)
    assert (lead.primary_owner_side, lead.primary_owner_id) == ("sdr", sdr.pk)

    lead = lead_transition(lead=lead, to=Stage.SAL, actor=sales)
    assert (lead.owner_sales, lead.primary_owner_side, lead.primary_owner_id) == (sales, "sales", sales.pk)
    assert lead.events.filter(kind="owner_changed", data__side="sales", data__to=sales.pk).exists()

    lead = lead_transition(lead=lead, to=Stage.LEAD, actor=sales, reason="bad_timing")
    assert (lead.primary_owner_side, lead.owner_sdr, lead.owner_sales) == ("sdr", sdr, sales)


def test_an_sdr_may_not_accept_an_mql() -> None:
    with pytest.raises(NotPermitted):
        lead_transition(lead=make_journey(["lead", "mql"]), to=Stage.SAL, actor=user_with_role(Role.SDR))


def test_only_the_sales_owner_or_a_manager_may_accept_an_assigned_mql() -> None:
    owner, other = user_with_role(Role.SALES), user_with_role(Role.SALES)
    lead = make_journey(["lead", "mql"], owner_sales=owner)

    with pytest.raises(NotPermitted):
        lead_transition(lead=lead, to=Stage.SAL, actor=other)

    lead = lead_transition(lead=lead, to=Stage.SAL, actor=user_with_role(Role.SALES_MANAGER))
    assert lead.stage == Stage.SAL
    assert lead.owner_sales == owner


def test_a_stale_copy_of_the_lead_gets_a_conflict_and_writes_nothing() -> None:
    lead = LeadFactory(bant_budget=True, bant_need=True)
    stale = type(lead).objects.get(pk=lead.pk)
    lead_transition(lead=lead, to=Stage.MQL)

    with pytest.raises(Conflict):
        lead_transition(lead=stale, to=Stage.DISQUALIFIED, reason="spam")

    assert StageChange.objects.filter(lead=lead, to_stage=Stage.DISQUALIFIED).count() == 0


def test_the_stage_changed_signal_is_sent_once_after_commit(django_capture_on_commit_callbacks: Any) -> None:
    received: list[dict[str, Any]] = []

    def listener(**kwargs: Any) -> None:
        received.append(kwargs)

    lead_stage_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            lead = lead_transition(lead=LeadFactory(bant_budget=True, bant_need=True), to=Stage.MQL)
    finally:
        lead_stage_changed.disconnect(listener)

    assert [(r["lead_id"], r["from_stage"], r["to_stage"]) for r in received] == [(lead.pk, "lead", "mql")]


def test_an_sdr_qualifying_an_unowned_lead_becomes_its_sdr_owner() -> None:
    sdr = user_with_role(Role.SDR)

    lead = lead_transition(lead=LeadFactory(), to=Stage.MQL, actor=sdr, bant={"budget": True, "need": True})

    assert lead.owner_sdr == sdr


def test_a_back_dated_move_records_its_bant_change_at_the_same_time() -> None:
    start = timezone.now() - dt.timedelta(days=20)
    lead = make_journey(["lead"], start=start)

    lead = lead_transition(lead=lead, to=Stage.MQL, at=start + dt.timedelta(days=2),
                           bant={"budget": True, "need": True})  # fmt: skip

    assert lead.events.get(kind="bant_changed").at == start + dt.timedelta(days=2)


def test_a_win_gives_an_ownerless_account_the_winning_rep() -> None:
    rep = user_with_role(Role.SALES)
    account = AccountFactory()
    lead = make_journey(PATH_TO[Stage.OPPORTUNITY], account=account, owner_sales=rep)

    lead_transition(lead=lead, to=Stage.CUSTOMER, amount="1000")

    account.refresh_from_db()
    assert account.owner_sales == rep
