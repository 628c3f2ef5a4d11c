"""The lead pages: list, detail and stage actions, seen through the test client as each role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import LeadEventKind, OpportunityStatus, Stage, Temperature
from leads.models import Lead, LeadEvent, StageChange
from leads.services.leads import lead_assign_owner
from leads.services.merge import lead_merge
from tests.factories import (
    AccountFactory,
    ChannelFactory,
    LeadFactory,
    TouchpointFactory,
    UserFactory,
    make_journey,
    user_with_role,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("leads:list")
HTMX = {"HTTP_HX_REQUEST": "true"}


def as_user(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def listed(response) -> set[int]:
    return {lead.pk for lead in response.context["page"].object_list}


def first_template(response) -> str:
    return response.templates[0].name


def stage_url(lead: Lead, to: str) -> str:
    return reverse("leads:stage-change", args=[lead.pk, to])


# --- access --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST_URL, "/leads/1/", "/leads/1/stage/mql/"])
def test_pages_need_login(client: Client, url: str):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_user_without_role_is_refused(client: Client):
    response = as_user(client, UserFactory()).get(LIST_URL)

    assert response.status_code == 403


def test_login_page_renders_with_language_switcher(client: Client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert reverse("set_language") in response.content.decode()


def test_base_layout_shows_user_roles_navigation_and_csrf_header_for_htmx(client: Client):
    admin = user_with_role(Role.ADMIN, first_name="Ada")
    response = as_user(client, admin).get(LIST_URL)
    html = response.content.decode()

    assert "Ada" in html
    assert 'href="/admin/"' in html
    assert 'href="/api/docs/"' in html
    assert "X-CSRFToken" in html
    assert reverse("logout") in html
    assert '<html lang="zh-hans">' in html


def test_non_admin_sees_no_admin_link(client: Client):
    response = as_user(client, user_with_role(Role.SDR)).get(LIST_URL)

    assert 'href="/admin/"' not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "scoring", "routing"),
    [(Role.MARKETER, True, False), (Role.SALES_MANAGER, False, True), (Role.SDR, False, False),
     (Role.ADMIN, True, True)],
)  # fmt: skip
def test_scoring_and_assignment_rules_show_in_navigation_for_who_manages_them(
    client: Client, role: Role, scoring: bool, routing: bool
):
    html = as_user(client, user_with_role(role)).get(LIST_URL).content.decode()

    assert (f'href="{reverse("leads:scoring-rulesets")}"' in html) is scoring
    assert (f'href="{reverse("routing:rules")}"' in html) is routing


# --- list: visibility -------------------------------------------------------------------------------


def test_sdr_sees_pre_mql_leads_and_own_but_not_others_later_stages(client: Client):
    sdr = user_with_role(Role.SDR)
    pool = make_journey(["lead"])
    disqualified = make_journey(["lead", "disqualified"])
    own_mql = make_journey(["lead", "mql"], owner_sdr=sdr)
    make_journey(["lead", "mql"])

    response = as_user(client, sdr).get(LIST_URL)

    assert listed(response) == {pool.pk, disqualified.pk, own_mql.pk}


def test_sales_rep_sees_only_own_leads(client: Client):
    rep = user_with_role(Role.SALES)
    own = make_journey(["lead", "mql", "sal"], owner_sales=rep)
    make_journey(["lead", "mql", "sal"])
    make_journey(["lead"])

    response = as_user(client, rep).get(LIST_URL)

    assert listed(response) == {own.pk}


def test_marketer_sees_every_live_lead_but_not_merged_ones(client: Client):
    leads = [make_journey(["lead"]), make_journey(["lead", "mql", "sal"]), make_journey(["lead", "disqualified"])]
    merged = LeadFactory()
    lead_merge(survivor=leads[0], other=merged)

    response = as_user(client, user_with_role(Role.MARKETER)).get(LIST_URL)

    assert listed(response) == {lead.pk for lead in leads}
    assert response.context["page"].paginator.count == 3


# --- list: filters, search, pagination, htmx ----------------------------------------------------------


def test_list_filters_by_stage_temperature_and_channel(client: Client):
    baidu = ChannelFactory(slug="baidu-sem")
    hot_mql = make_journey(["lead", "mql"], temperature=Temperature.HOT, source_channel=baidu)
    make_journey(["lead", "mql"], temperature=Temperature.COLD, source_channel=baidu)
    make_journey(["lead"], temperature=Temperature.HOT, source_channel=baidu)
    marketer = as_user(client, user_with_role(Role.MARKETER))

    response = marketer.get(LIST_URL, {"stage": "mql", "temperature": "hot", "channel": "baidu-sem"})

    assert listed(response) == {hot_mql.pk}
    assert response.context["has_filters"]


@pytest.mark.parametrize(
    "query", ["wang@acme-robotics.cn", "13900001111", "acme robotics", "ACME"]
)
def test_list_search_by_email_phone_and_company(client: Client, query: str):
    match = LeadFactory(email="wang@acme-robotics.cn", phone="+8613900001111", company="Acme Robotics")
    LeadFactory(email="li@globex.cn", phone="+8613700002222", company="Globex")

    response = as_user(client, user_with_role(Role.MARKETER)).get(LIST_URL, {"q": query})

    assert listed(response) == {match.pk}


def test_list_owner_filter_shows_my_leads(client: Client):
    sdr = user_with_role(Role.SDR)
    mine = LeadFactory(owner_sdr=sdr)
    LeadFactory()

    response = as_user(client, sdr).get(LIST_URL, {"owner": sdr.pk})

    assert listed(response) == {mine.pk}


def test_invalid_filter_is_reported_not_a_crash(client: Client):
    LeadFactory()

    response = as_user(client, user_with_role(Role.MARKETER)).get(LIST_URL, {"channel": "no-such-channel"})

    assert response.status_code == 200
    assert "channel" in response.context["filter"].errors


def test_pagination_keeps_filters_in_links_and_honours_page_size(client: Client):
    channel = ChannelFactory(slug="expo")
    now = timezone.now()
    for day in range(30):
        LeadFactory(source_channel=channel, created_at=now - dt.timedelta(hours=day))
    LeadFactory()
    marketer = as_user(client, user_with_role(Role.MARKETER))

    first = marketer.get(LIST_URL, {"channel": "expo"})
    second = marketer.get(LIST_URL, {"channel": "expo", "page": 2})
    wide = marketer.get(LIST_URL, {"channel": "expo", "per_page": 50})

    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5
    assert listed(first).isdisjoint(listed(second))
    assert "?channel=expo&amp;page=2" in first.content.decode()
    assert len(wide.context["page"].object_list) == 30
    assert marketer.get(LIST_URL, {"per_page": 7}).context["per_page"] == 25


def test_htmx_request_gets_the_rows_fragment_only(client: Client):
    LeadFactory(company="Initech")
    marketer = as_user(client, user_with_role(Role.MARKETER))

    fragment = marketer.get(LIST_URL, {"q": "Initech"}, **HTMX)
    page = marketer.get(LIST_URL, {"q": "Initech"})

    assert first_template(fragment) == "leads/_list_rows.html"
    assert "<html" not in fragment.content.decode()
    assert "Initech" in fragment.content.decode()
    assert first_template(page) == "leads/list.html"
    assert "HX-Request" in fragment["Vary"]


def test_htmx_history_restore_gets_the_full_page(client: Client):
    response = as_user(client, user_with_role(Role.MARKETER)).get(
        LIST_URL, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )

    assert first_template(response) == "leads/list.html"


def test_list_shows_columns_with_owner_names_and_scores(client: Client):
    sdr = user_with_role(Role.SDR, first_name="Mei", last_name="Chen")
    LeadFactory(title="CTO", company="Umbrella", owner_sdr=sdr, grade="A2", fit_score=81,
                account=AccountFactory(tier="S"))  # fmt: skip

    html = as_user(client, user_with_role(Role.MARKETER)).get(LIST_URL).content.decode()

    for text in ("CTO", "Umbrella", "Mei Chen", "A2", "81", 'class="badge stage-lead"'):
        assert text in html


# --- detail ------------------------------------------------------------------------------------------


def test_detail_shows_profile_history_touchpoints_and_opportunity(client: Client):
    lead = make_journey(["lead", "mql", "sal", "sql", "opportunity"], title="采购总监", region="上海",
                        account=AccountFactory(name="Acme Holdings", arr=Decimal("50000")))  # fmt: skip
    TouchpointFactory(lead=lead, kind="webinar_attend", utm_source="wechat", utm_medium="social")

    response = as_user(client, user_with_role(Role.MARKETER)).get(reverse("leads:detail", args=[lead.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    assert "采购总监" in html and "上海" in html and "Acme Holdings" in html
    assert "¥120,000.00" in html and "¥50,000.00" in html
    assert "wechat" in html
    assert len(response.context["stage_changes"]) == 5
    assert response.context["opportunities"][0].status == OpportunityStatus.OPEN


def test_detail_lists_owner_change_events_with_names(client: Client):
    rep = user_with_role(Role.SALES, first_name="磊", last_name="张")
    lead = LeadFactory()
    lead_assign_owner(lead=lead, side="sales", user=rep)

    response = as_user(client, user_with_role(Role.MARKETER)).get(reverse("leads:detail", args=[lead.pk]))

    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.OWNER_CHANGED).exists()
    assert "张磊" in response.content.decode()  # Chinese names read family name first


def test_detail_of_invisible_lead_is_404(client: Client):
    other = make_journey(["lead", "mql", "sal"])

    response = as_user(client, user_with_role(Role.SALES)).get(reverse("leads:detail", args=[other.pk]))

    assert response.status_code == 404


def test_merged_lead_redirects_to_survivor(client: Client):
    survivor, other = LeadFactory(), LeadFactory()
    lead_merge(survivor=survivor, other=other)

    response = as_user(client, user_with_role(Role.MARKETER)).get(reverse("leads:detail", args=[other.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("leads:detail", args=[survivor.pk])


# --- stage actions -----------------------------------------------------------------------------------


def test_detail_offers_only_moves_allowed_for_stage_and_role(client: Client):
    lead = make_journey(["lead"])

    sdr_actions = as_user(client, user_with_role(Role.SDR)).get(reverse("leads:detail", args=[lead.pk]))
    marketer_actions = as_user(Client(), user_with_role(Role.MARKETER)).get(reverse("leads:detail", args=[lead.pk]))

    assert [a.target for a in sdr_actions.context["actions"]] == [Stage.MQL, Stage.DISQUALIFIED]
    assert marketer_actions.context["actions"] == []
    assert stage_url(lead, "mql") in sdr_actions.content.decode()
    assert stage_url(lead, "mql") not in marketer_actions.content.decode()


def test_sales_rep_gets_no_buttons_on_another_reps_lead(client: Client):
    lead = make_journey(["lead", "mql"], owner_sales=user_with_role(Role.SALES))
    manager = user_with_role(Role.SALES_MANAGER)

    response = as_user(client, manager).get(reverse("leads:detail", args=[lead.pk]))

    assert {a.target for a in response.context["actions"]} == {Stage.SAL, Stage.LEAD, Stage.DISQUALIFIED}


def test_stage_form_has_exactly_the_fields_of_the_move(client: Client):
    sdr = as_user(client, user_with_role(Role.SDR))
    lead = make_journey(["lead"])

    to_mql = sdr.get(stage_url(lead, "mql"), **HTMX)
    to_disqualified = sdr.get(stage_url(lead, "disqualified"), **HTMX)

    assert set(to_mql.context["form"].fields) == {
        "version", "budget", "authority", "need", "timing", "bant_notes", "note", "at"
    }
    assert set(to_disqualified.context["form"].fields) == {"version", "reason", "note", "at"}
    assert first_template(to_mql) == "leads/_stage_form.html"


def test_opportunity_form_asks_for_amount_and_close_date(client: Client):
    rep = user_with_role(Role.SALES)
    lead = make_journey(["lead", "mql", "sal", "sql"], owner_sales=rep)

    form = as_user(client, rep).get(stage_url(lead, "opportunity")).context["form"]

    assert {"amount", "expected_close"} <= set(form.fields)


def test_action_without_reason_shows_field_error_and_changes_nothing(client: Client):
    lead = make_journey(["lead"])
    before = StageChange.objects.count()

    response = as_user(client, user_with_role(Role.SDR)).post(
        stage_url(lead, "disqualified"), {"reason": "", "note": ""}, **HTMX
    )

    lead.refresh_from_db()
    assert response.status_code == 422
    assert response.context["form"].errors["reason"]
    assert 'class="field-error"' in response.content.decode()
    assert lead.stage == Stage.LEAD
    assert StageChange.objects.count() == before


def test_mql_without_enough_bant_names_the_missing_points(client: Client):
    lead = make_journey(["lead"])

    response = as_user(client, user_with_role(Role.SDR)).post(stage_url(lead, "mql"), {"budget": "on"})

    lead.refresh_from_db()
    assert response.status_code == 422
    assert response.context["form"].errors["need"]
    assert lead.stage == Stage.LEAD


def test_lost_reason_is_shown_in_words_in_the_history(client: Client):
    lead = make_journey(["lead", "mql", "sal", "sql", "opportunity", "lost"])

    response = as_user(client, user_with_role(Role.MARKETER)).get(
        reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert "<td>Price</td>" in response.content.decode()


def test_legal_action_changes_stage_and_writes_history(client: Client):
    sdr = user_with_role(Role.SDR)
    lead = make_journey(["lead"])
    version = f"{lead.stage}@{lead.stage_changed_at.isoformat()}"

    response = as_user(client, sdr).post(
        stage_url(lead, "mql"), {"budget": "on", "need": "on", "note": "Called, wants a demo", "version": version},
        **HTMX,
    )  # fmt: skip

    lead.refresh_from_db()
    change = lead.stage_changes.order_by("-at", "-id").first()
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#lead-detail"
    assert lead.stage == Stage.MQL
    assert (lead.bant_budget, lead.bant_need, lead.bant_authority) == (True, True, False)
    assert (change.from_stage, change.to_stage, change.actor, change.note) == (
        "lead", "mql", sdr, "Called, wants a demo"
    )
    html = response.content.decode()
    assert 'id="lead-detail"' in html and 'hx-swap-oob="true"' in html and "Called, wants a demo" in html


def test_action_without_javascript_redirects_to_detail_with_message(client: Client):
    lead = make_journey(["lead"])

    response = as_user(client, user_with_role(Role.SDR)).post(
        stage_url(lead, "disqualified"), {"reason": "spam"}, follow=True
    )

    lead.refresh_from_db()
    assert lead.stage == Stage.DISQUALIFIED
    assert response.redirect_chain[-1][0] == reverse("leads:detail", args=[lead.pk])
    # the page shows the confirmation (its side panels render with their own contexts, so assert on the HTML)
    assert 'class="alert alert-success"' in response.content.decode()


def test_opportunity_action_creates_the_opportunity(client: Client):
    rep = user_with_role(Role.SALES)
    lead = make_journey(["lead", "mql", "sal", "sql"], owner_sales=rep)

    as_user(client, rep).post(stage_url(lead, "opportunity"), {"amount": "380000", "expected_close": "2027-06-30"})

    lead.refresh_from_db()
    opportunity = lead.opportunities.get()
    assert lead.stage == Stage.OPPORTUNITY
    assert (opportunity.amount, opportunity.expected_close) == (Decimal("380000"), dt.date(2027, 6, 30))


def test_back_dated_action_before_previous_change_is_a_field_error(client: Client):
    lead = make_journey(["lead"])
    too_early = timezone.localtime(lead.stage_changed_at - dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    response = as_user(client, user_with_role(Role.SDR)).post(
        stage_url(lead, "disqualified"), {"reason": "spam", "at": too_early}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["at"]


def test_role_not_allowed_gets_403_and_nothing_changes(client: Client):
    lead = make_journey(["lead"])

    response = as_user(client, user_with_role(Role.MARKETER)).post(
        stage_url(lead, "mql"), {"budget": "on", "need": "on"}, **HTMX
    )

    lead.refresh_from_db()
    assert response.status_code == 403
    assert lead.stage == Stage.LEAD
    assert "alert" in response.content.decode()


def test_illegal_move_is_409(client: Client):
    lead = make_journey(["lead"])

    response = as_user(client, user_with_role(Role.ADMIN)).post(stage_url(lead, "customer"), {"amount": "1"})

    assert response.status_code == 409
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD


def test_stale_form_is_a_conflict_with_reload_link(client: Client):
    lead = make_journey(["lead"])
    seen = f"{lead.stage}@{lead.stage_changed_at.isoformat()}"
    make_journey(["lead", "disqualified"], lead=lead, start=lead.stage_changed_at)

    response = as_user(client, user_with_role(Role.SDR)).post(
        stage_url(lead, "mql"), {"budget": "on", "need": "on", "version": seen}, **HTMX
    )

    assert response.status_code == 409
    assert reverse("leads:detail", args=[lead.pk]) in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.DISQUALIFIED


def test_stage_change_is_post_only_for_writes_and_csrf_protected(client: Client):
    lead = make_journey(["lead"])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user_with_role(Role.SDR))

    response = strict.post(stage_url(lead, "disqualified"), {"reason": "spam"})

    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).stage == Stage.LEAD
    assert client.put(stage_url(lead, "disqualified")).status_code in (302, 405)


def test_unknown_stage_is_404(client: Client):
    lead = LeadFactory()

    response = as_user(client, user_with_role(Role.ADMIN)).get(stage_url(lead, "nirvana"))

    assert response.status_code == 404
