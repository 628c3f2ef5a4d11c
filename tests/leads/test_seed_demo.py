"""`manage.py seed_demo`: idempotent, deterministic, and its history obeys the lifecycle rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from io import StringIO
from itertools import pairwise
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min, Q, Sum
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from accounts.choices import CustomerStatus
from accounts.models import Account
from analytics.queries.base import AnalyticsFilters, default_period_start
from analytics.queries.unit_economics import UnitEconomicsQuery
from leadflow.roles import Role
from leads.choices import BANT_POINTS, IdentityKind, OpportunityStatus, Stage, TouchpointKind
from leads.demo import DEMO_PASSWORD, DEMO_TZ, demo_delete, demo_window
from leads.demo.rules import RULES, demo_rules_ensure
from leads.models import (
    Campaign,
    Cost,
    Identity,
    Lead,
    LeadEvent,
    Opportunity,
    RevenueEvent,
    RevenueKind,
    StageChange,
    Tag,
    Touchpoint,
)
from leads.qualification.models import QualificationRule
from leads.services.revenue import revenue_event_create
from leads.stages import TRANSITIONS
from tests.factories import LeadFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)
TODAY_START = dt.datetime(2026, 6, 15, tzinfo=DEMO_TZ)
SMALL = 300


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str, leads: int = SMALL, today: dt.date = TODAY) -> str:
    out = StringIO()
    with translation.override("en"):  # the messages are translated; assert on the English source
        call_command("seed_demo", f"--leads={leads}", f"--today={today.isoformat()}", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    models = (Lead, StageChange, LeadEvent, Touchpoint, Identity, Opportunity, Cost, Campaign, Account, User,
              RevenueEvent)  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


def snapshot() -> tuple[list[tuple[str, str]], Decimal, list[tuple[Any, ...]]]:
    leads = sorted(Lead.objects.values_list("email", "stage"))
    won = Opportunity.objects.filter(status=OpportunityStatus.WON).aggregate(total=Sum("won_amount"))["total"]
    views = sorted(visitor_views().values_list("anonymous_id", "occurred_at", "channel__slug", "properties__path"))
    return leads, won or Decimal("0"), views


def visitor_views() -> Any:
    """Page views of the anonymous visitors who never became leads."""
    return Touchpoint.objects.filter(lead=None, event_id__startswith="demo-v-")


def visits() -> int:
    """Distinct visitors with a page view, known (by lead) or anonymous (by cookie id), as the spec counts them."""
    page_views = Touchpoint.objects.filter(kind=TouchpointKind.PAGE_VIEW)
    known = page_views.exclude(lead=None).values("lead").distinct().count()
    return known + page_views.filter(lead=None).values("anonymous_id").distinct().count()


def test_second_run_without_reset_changes_no_counts_and_says_so() -> None:
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert before["Lead"] == SMALL
    assert "already exists" in output


def test_reset_with_the_same_seed_and_today_recreates_the_same_rows() -> None:
    seed()
    first = snapshot()

    seed("--reset")

    assert snapshot() == first
    assert Lead.objects.count() == SMALL


def test_deleting_the_demo_removes_its_rows_and_keeps_everyone_elses() -> None:
    real = TouchpointFactory(lead=LeadFactory(email="buyer@real-customer.cn")).lead
    stranger = TouchpointFactory(lead=None, anonymous_id="anon-real-visitor", event_id="site-1")
    seed()

    demo_delete(seed=42, today=TODAY)

    assert list(Lead.objects.all()) == [real]
    assert Touchpoint.objects.filter(lead=real).count() == 1
    assert list(Touchpoint.objects.filter(lead=None)) == [stranger]
    assert not Campaign.objects.exists()
    assert not Cost.objects.exists()
    assert not Account.objects.exists()
    assert not Opportunity.objects.exists()
    assert not RevenueEvent.objects.exists()


def test_a_different_seed_gives_different_leads() -> None:
    seed()
    first = snapshot()

    seed("--reset", "--seed=7")

    second = snapshot()
    assert second[0] != first[0]
    assert second[2] != first[2]
    assert not Touchpoint.objects.filter(event_id__startswith="demo-v-42-").exists()
    assert visitor_views().count() == Touchpoint.objects.filter(lead=None).count() > 0


def test_each_lead_history_starts_with_creation_moves_legally_and_ends_at_its_stage() -> None:
    seed()
    rows = defaultdict(list)
    for change in StageChange.objects.order_by("at", "id"):
        rows[change.lead_id].append(change)

    for lead in Lead.objects.all():
        history = rows[lead.pk]
        assert (history[0].from_stage, history[0].to_stage, history[0].at) == ("", Stage.LEAD, lead.created_at)
        for previous, change in pairwise(history):
            assert change.at >= previous.at
            assert change.from_stage == previous.to_stage
            assert (Stage(change.from_stage), Stage(change.to_stage)) in TRANSITIONS
            if change.implied:
                assert change.gates_bypassed
        assert (history[-1].to_stage, history[-1].at) == (lead.stage, lead.stage_changed_at)
        assert history[-1].at < TODAY_START + dt.timedelta(days=1)  # today's hand-offs are made live


def test_implied_rows_come_from_forward_jumps_at_one_instant() -> None:
    seed()

    implied = StageChange.objects.filter(implied=True)

    assert implied.exists()
    for change in implied:
        target = StageChange.objects.filter(lead_id=change.lead_id, at=change.at, implied=False, id__gt=change.id)
        assert target.filter(gates_bypassed=True).exists()


def test_gated_moves_have_their_bant_points() -> None:
    seed()
    gated_mql = StageChange.objects.filter(from_stage=Stage.LEAD, to_stage=Stage.MQL, gates_bypassed=False,
                                           actor__isnull=False)  # fmt: skip
    gated_sql = StageChange.objects.filter(from_stage=Stage.SAL, to_stage=Stage.SQL, gates_bypassed=False)

    for change in gated_mql.select_related("lead"):
        assert change.lead.bant_count >= 2
    for change in gated_sql.select_related("lead"):
        assert change.lead.bant_count == len(BANT_POINTS)
    assert gated_mql.exists() and gated_sql.exists()


def test_reasons_are_recorded_on_returns_disqualifications_and_losses() -> None:
    seed()

    needs_reason = (
        Q(to_stage=Stage.DISQUALIFIED)
        | Q(to_stage=Stage.LOST)
        | Q(to_stage=Stage.LEAD, from_stage__in=[Stage.MQL, Stage.SAL, Stage.SQL])
    )

    assert StageChange.objects.filter(needs_reason).exists()
    assert not StageChange.objects.filter(needs_reason, reason="").exists()
    assert not StageChange.objects.filter(reason="other", note="").exists()


def test_opportunities_follow_the_stages_and_won_amounts_make_arr() -> None:
    seed()

    for lead in Lead.objects.filter(stage=Stage.CUSTOMER):
        assert lead.opportunities.filter(status=OpportunityStatus.WON, closed_at=lead.stage_changed_at).exists()
    for lead in Lead.objects.filter(stage=Stage.OPPORTUNITY):
        assert lead.opportunities.filter(status=OpportunityStatus.OPEN).count() == 1
    for account in Account.objects.filter(opportunities__status=OpportunityStatus.WON).distinct():
        won = account.opportunities.filter(status=OpportunityStatus.WON).aggregate(total=Sum("won_amount"))["total"]
        assert account.customer_status == CustomerStatus.CUSTOMER
        assert account.arr == won
    amounts = list(Opportunity.objects.values_list("amount", flat=True))
    assert amounts and all(Decimal("50000") <= amount <= Decimal("800000") for amount in amounts)


def test_customer_check_flags_leads_created_at_customer_accounts_or_open_opportunities() -> None:
    seed()

    for lead in Lead.objects.exclude(account=None):
        others = Opportunity.objects.filter(account=lead.account).exclude(lead=lead)
        customer = others.filter(status=OpportunityStatus.WON, closed_at__lte=lead.created_at).exists()
        open_then = (
            others.filter(opened_at__lte=lead.created_at)
            .filter(Q(closed_at=None) | Q(closed_at__gt=lead.created_at))
            .exists()
        )
        assert lead.customer_check == (customer or open_then)


def test_the_planned_history_ends_before_today_and_nothing_is_written_in_the_future() -> None:
    seed()
    today_end = TODAY_START + dt.timedelta(days=1)

    # the year the planner writes ends before today; today belongs to the live engines (SOP steps,
    # this morning's hand-offs), which run at the end of the demo's "today", never later
    assert not Touchpoint.objects.filter(occurred_at__gte=TODAY_START).exists()
    assert not Lead.objects.filter(last_touch_at__gte=TODAY_START).exists()
    assert not LeadEvent.objects.filter(at__gte=today_end).exists()
    assert not StageChange.objects.filter(at__gte=today_end).exists()
    assert Touchpoint.objects.count() >= 5 * SMALL


def test_each_sales_rep_starts_the_day_with_mqls_waiting_against_the_acceptance_clock(
        django_capture_on_commit_callbacks: Any) -> None:  # fmt: skip
    from nurturing.models import SlaClock

    with django_capture_on_commit_callbacks(execute=True):  # the clocks start on commit, as in `make demo`
        seed()

    reps = User.objects.filter(username__in=("sales", "sales2", "sales3", "sales4"))
    waiting = Lead.objects.filter(stage=Stage.MQL, owner_sales__in=reps)
    assert set(waiting.values_list("owner_sales__username", flat=True)) == set(reps.values_list("username",
                                                                                                flat=True))
    clocks = SlaClock.objects.filter(lead__in=waiting, policy__code="mql_accept", closed_at__isnull=True)
    assert clocks.count() == waiting.count()


def test_touchpoints_have_unique_event_ids_and_anonymous_visits_have_identities() -> None:
    seed()

    anonymous = Touchpoint.objects.exclude(anonymous_id="").exclude(lead=None)

    assert Touchpoint.objects.filter(event_id__startswith="demo-").count() == Touchpoint.objects.count()
    assert anonymous.exists()
    for touch in anonymous:
        assert Identity.objects.filter(kind=IdentityKind.ANONYMOUS_ID, value=touch.anonymous_id,
                                       lead_id=touch.lead_id).exists()  # fmt: skip


def test_every_lead_has_its_email_and_phone_identities() -> None:
    seed()

    for lead in Lead.objects.prefetch_related("identities"):
        kinds = {identity.kind: identity.value for identity in lead.identities.all()}
        assert kinds[IdentityKind.EMAIL] == lead.email.lower()
        if lead.phone:
            assert kinds[IdentityKind.PHONE] == lead.phone
            assert lead.phone.startswith("+861") and len(lead.phone) == 14


def test_costs_exist_for_twelve_months_and_campaigns_number_30_to_50() -> None:
    seed()

    months = set(Cost.objects.values_list("month", flat=True))

    assert len(months) >= 12
    assert all(month.day == 1 for month in months)
    assert 30 <= Campaign.objects.count() <= 50
    assert Cost.objects.filter(campaign__isnull=False).exists()
    assert Cost.objects.filter(category="sales_salaries").exists()


def test_each_role_has_a_demo_user_who_can_log_in() -> None:
    seed()

    for role in Role:
        user = User.objects.filter(groups__name=role.value, email__endswith="@demo.leadflow.local").first()
        assert user is not None, role
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    client = Client()
    assert client.login(request=RequestFactory().get("/"), username="sales", password=DEMO_PASSWORD)


def test_password_option_sets_the_demo_logins_password() -> None:
    output = seed("--password=another-Secret-9")

    assert User.objects.get(username="sdr2").check_password("another-Secret-9")
    assert "another-Secret-9" in output


def test_logins_whose_password_differs_from_the_one_given_are_shown_as_changed() -> None:
    seed("--password=first-Secret-1")

    output = seed()

    assert "(changed)" in output
    assert DEMO_PASSWORD not in output


def test_today_in_the_future_is_refused() -> None:
    with pytest.raises(CommandError):
        seed(today=dt.datetime.now(DEMO_TZ).date() + dt.timedelta(days=2))


def test_default_size_has_plausible_funnel_rates() -> None:
    output = seed(leads=5000)
    total = Lead.objects.count()

    def reached(stage: Stage) -> int:
        return StageChange.objects.filter(to_stage=stage).values("lead").distinct().count()

    assert total == 5000
    assert 0.15 <= reached(Stage.MQL) / total <= 0.40
    assert 0.01 <= reached(Stage.CUSTOMER) / total <= 0.06
    assert 0.6 <= reached(Stage.SAL) / reached(Stage.MQL) <= 0.95
    assert 40_000 <= Touchpoint.objects.exclude(lead=None).count() <= 65_000
    assert 0.07 <= total / visits() <= 0.10
    assert "Elapsed" in output


def test_anonymous_visitors_never_became_leads_and_read_1_to_4_pages_over_a_few_days() -> None:
    seed()

    views = visitor_views()
    per_visitor = views.values("anonymous_id").annotate(n=Count("id"), first=Min("occurred_at"),
                                                        last=Max("occurred_at"))  # fmt: skip

    assert views.count() > SMALL
    assert set(views.values_list("kind", flat=True)) == {TouchpointKind.PAGE_VIEW}
    assert not views.filter(Q(anonymous_id="") | Q(channel=None) | Q(occurred_at__gte=TODAY_START)).exists()
    assert not Identity.objects.filter(value__in=views.values("anonymous_id")).exists()
    assert not views.filter(anonymous_id__in=Touchpoint.objects.exclude(lead=None).values("anonymous_id")).exists()
    for visitor in per_visitor:
        assert 1 <= visitor["n"] <= 4
        assert visitor["last"] - visitor["first"] < dt.timedelta(days=9)
    assert set(per_visitor.values_list("n", flat=True)) == {1, 2, 3, 4}


def test_paid_visits_carry_utm_and_the_campaign_running_that_day() -> None:
    seed()

    sem = visitor_views().filter(channel__slug="baidu-sem").select_related("campaign")
    organic = visitor_views().filter(channel__slug__in=["seo", "direct"])

    assert sem.exists() and organic.exists()
    for view in sem:
        assert (view.utm_source, view.utm_medium, view.utm_campaign) == ("baidu", "cpc", view.campaign.slug)
        assert view.campaign.starts_on <= view.occurred_at.astimezone(DEMO_TZ).date() <= view.campaign.ends_on
    assert not organic.exclude(utm_source="", utm_campaign="", campaign=None).exists()


def test_distinct_visitors_are_10_to_15_times_the_new_leads() -> None:
    seed()

    ratio = visits() / Lead.objects.count()

    assert 10 <= ratio <= 15
    assert 0.07 <= 1 / ratio <= 0.10


def test_visitors_left_behind_by_leads_deleted_by_hand_are_replaced_not_duplicated() -> None:
    seed()
    before = snapshot()[2]
    Opportunity.objects.all().delete()
    Lead.objects.all().delete()  # cascades to the leads' touchpoints, not to the visitors

    seed()

    assert snapshot()[2] == before


def test_demo_scores_are_the_live_rules_scores_and_each_explanation_adds_up() -> None:
    # given: a seeded demo
    from leads.scoring.explain import lead_score_explain

    seed()

    # when: a sample of demo leads is explained as of when it was scored
    sample = list(Lead.objects.filter(attributes__demo=True).exclude(touchpoints=None).order_by("pk")[:25])

    # then: every stored score is the one its explanation computes, and the scores vary
    for lead in sample:
        explained = lead_score_explain(lead=lead)
        assert (explained.fit, explained.engagement, explained.source, explained.grade) == (
            lead.fit_score, lead.engagement_score, lead.source_score, lead.grade), lead.pk
    assert len({lead.grade for lead in Lead.objects.filter(attributes__demo=True)}) > 3


def test_demo_ships_qualification_rules_and_rule_tags_that_follow_their_segments():
    now = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    written = demo_rules_ensure(owner=None, now=now)

    assert written > 0 and demo_rules_ensure(owner=None, now=now) == 0  # idempotent
    assert QualificationRule.objects.count() == len(RULES)
    assert Tag.objects.filter(segment__isnull=False).count() == 2


def ledger() -> list[tuple[Any, ...]]:
    return sorted(RevenueEvent.objects.values_list("account__domain", "kind", "date", "amount", "lead__email"))


def test_every_won_deal_with_an_account_has_the_new_ledger_row_the_win_would_write() -> None:
    seed()

    won = Opportunity.objects.filter(status=OpportunityStatus.WON).exclude(account=None)
    assert won.exists()
    assert RevenueEvent.objects.filter(kind=RevenueKind.NEW).exclude(opportunity=None).count() == won.count()
    for deal in won:
        row = RevenueEvent.objects.get(opportunity=deal, kind=RevenueKind.NEW)
        assert (row.account_id, row.lead_id, row.amount, row.currency) == (
            deal.account_id, deal.lead_id, deal.won_amount, "CNY"
        )  # fmt: skip
        assert deal.closed_at is not None and row.date == timezone.localdate(deal.closed_at)


def test_customers_from_before_the_demo_year_have_no_leads_and_the_status_and_arr_of_their_ledger() -> None:
    seed()
    start = demo_window(today=TODAY).start.date()

    earlier = Account.objects.filter(leads=None, revenue_events__kind=RevenueKind.NEW).distinct()
    assert earlier.count() == 3  # 0.9 % of the leads, at least 3
    for account in earlier:
        rows = list(account.revenue_events.order_by("date", "id"))
        assert rows[0].kind == RevenueKind.NEW and rows[0].date < start
        assert rows[-1].kind in (RevenueKind.RENEWAL, RevenueKind.CHURN) and rows[-1].date >= start
        sign = {"new": 1, "expansion": 1, "contraction": -1, "churn": -1, "renewal": 0}
        arr = sum((sign[row.kind] * row.amount for row in rows), Decimal(0))
        assert account.arr == arr
        assert account.customer_status == (CustomerStatus.CUSTOMER if arr > 0 else CustomerStatus.CHURNED)


def test_ledger_rows_are_in_cny_before_today_with_no_negative_arr() -> None:
    seed()

    assert not RevenueEvent.objects.filter(date__gte=TODAY).exists()
    assert set(RevenueEvent.objects.values_list("currency", flat=True)) == {"CNY"}
    sign = {"new": 1, "expansion": 1, "contraction": -1, "churn": -1, "renewal": 0}
    arr: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, kind, amount in RevenueEvent.objects.order_by("date", "kind").values_list(
        "account_id", "kind", "amount"
    ):
        arr[account_id] += sign[kind] * amount
        assert arr[account_id] >= 0


def test_reset_with_the_same_seed_writes_the_same_ledger_and_a_second_run_adds_none() -> None:
    seed()
    first = ledger()
    seed()
    assert ledger() == first

    seed("--reset")

    assert ledger() == first
    assert len(first) > Opportunity.objects.filter(status=OpportunityStatus.WON).count()


def test_deleting_the_demo_keeps_revenue_rows_people_recorded_on_accounts_that_stay() -> None:
    seed()
    account = Account.objects.exclude(leads=None).order_by("domain").first()
    assert account is not None
    LeadFactory(email=f"buyer@{account.domain}", account=account)
    person = User.objects.get(username="sales")
    kept = revenue_event_create(account=account, kind=RevenueKind.EXPANSION, date=TODAY, amount=Decimal("20000"),
                                actor=person)  # fmt: skip

    demo_delete(seed=42, today=TODAY)

    assert list(RevenueEvent.objects.all()) == [kept]


def test_default_size_ledger_gives_annual_churn_of_10_to_20_percent_and_ltv_cac_figures() -> None:
    seed(leads=5000)
    filters = AnalyticsFilters(date_from=default_period_start(TODAY), date_to=TODAY)

    data = UnitEconomicsQuery(filters=filters).run().data

    figures = data["ledger"]
    assert figures["churn_source"] == "data"
    assert 0.10 <= figures["annual_churn"] <= 0.20
    assert figures["churned"] >= 4
    assert 0.7 <= figures["renewal_rate"] <= 0.95
    assert 0.85 <= figures["nrr"] <= 1.2
    assert 150_000 <= float(figures["arpu"]) <= 400_000
    kinds = set(RevenueEvent.objects.values_list("kind", flat=True))
    assert kinds == set(RevenueKind.values)
    with_customers = [row for row in data["rows"] if row["new_customers"]]
    assert with_customers and all(row["ltv"] is not None and row["ltv_cac"] is not None for row in with_customers)
    assert 3 <= data["total"]["ltv_cac"] <= 5  # a healthy B2B SaaS, fully loaded
    ratios = [row["ltv_cac"] for row in with_customers]
    assert min(ratios) < 1 < 3 < max(ratios)  # some channels pay back, some never do
