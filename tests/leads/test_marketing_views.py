"""Campaign and cost pages: who may see and edit them, the htmx cell save with errors in place, the import."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from leadflow.roles import Role
from leads.models import Campaign, Cost
from tests.factories import CampaignFactory, ChannelFactory, user_with_role

pytestmark = pytest.mark.django_db


def client_for(role: Role | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    user = user_with_role(role) if role else user_with_role(Role.SDR)
    client.force_login(user)
    return client


def test_campaign_list_shows_budget_against_spend() -> None:
    campaign = CampaignFactory(name="春季研讨会", budget=Decimal("10000"), starts_on=dt.date(2026, 3, 1))
    Cost.objects.create(campaign=campaign, month=dt.date(2026, 3, 1), category="events", amount=Decimal("2500"))
    response = client_for(Role.MARKETER).get(reverse("marketing:campaigns"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "春季研讨会" in body and "¥10,000.00" in body and "¥2,500.00" in body and "25 %" in body


def test_campaign_list_filter_answers_the_rows_fragment_to_htmx() -> None:
    CampaignFactory(name="Alpha")
    CampaignFactory(name="Beta")
    response = client_for(Role.SALES_MANAGER).get(reverse("marketing:campaigns"), {"q": "alp"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "Alpha" in body and "Beta" not in body


def test_sdr_may_not_open_campaigns_and_manager_may_not_edit() -> None:
    assert client_for(None).get(reverse("marketing:campaigns")).status_code == 403
    manager = client_for(Role.SALES_MANAGER)
    assert manager.get(reverse("marketing:campaign-new")).status_code == 403
    campaign = CampaignFactory()
    response = manager.post(reverse("marketing:campaign-edit", args=[campaign.pk]), {"name": "x", "currency": "CNY"})
    assert response.status_code == 403


def test_marketer_creates_a_campaign_and_a_bad_field_is_named() -> None:
    marketer = client_for(Role.MARKETER)
    channel = ChannelFactory()
    bad = marketer.post(
        reverse("marketing:campaign-new"),
        {"name": "Expo", "channel": channel.pk, "starts_on": "2026-05-10", "ends_on": "2026-05-01", "currency": "CNY"},
    )
    assert bad.status_code == 422
    assert "cannot end before it starts" in bad.content.decode()
    good = marketer.post(reverse("marketing:campaign-new"), {
        "name": "Expo 2026", "channel": channel.pk, "starts_on": "2026-05-01", "ends_on": "2026-05-03",
        "budget": "80000", "currency": "CNY"})  # fmt: skip
    assert good.status_code == 302
    campaign = Campaign.objects.get(slug="expo-2026")
    assert (campaign.budget, campaign.channel) == (Decimal("80000.00"), channel)


def test_marketer_edits_a_campaign() -> None:
    campaign = CampaignFactory(needs_review=True)
    response = client_for(Role.MARKETER).post(reverse("marketing:campaign-edit", args=[campaign.pk]), {
        "name": "Renamed", "slug": campaign.slug, "currency": "USD", "budget": "10"})  # fmt: skip
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.currency, campaign.needs_review) == ("Renamed", "USD", False)


def test_cost_grid_page_shows_rows_and_totals() -> None:
    channel = ChannelFactory(name="Baidu")
    Cost.objects.create(channel=channel, month=dt.date(2026, 1, 1), category="media", amount=Decimal("1000"))
    Cost.objects.create(channel=channel, month=dt.date(2026, 2, 1), category="media", amount=Decimal("234.5"))
    response = client_for(Role.MARKETER).get(reverse("marketing:costs"), {"year": 2026})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="rowtotal-channel-{channel.pk}-media">¥1,234.50' in body
    assert 'id="grandtotal">¥1,234.50' in body


def test_cost_cell_saves_and_answers_the_cell_with_out_of_band_totals() -> None:
    channel = ChannelFactory()
    Cost.objects.create(channel=channel, month=dt.date(2026, 3, 1), category="tools", amount=Decimal("500"))
    response = client_for(Role.MARKETER).post(reverse("marketing:cost-cell"), {
        "target": f"channel-{channel.pk}", "category": "media", "month": "2026-03", "amount": "1,000",
        "year": "2026", "currency": "CNY"}, HTTP_HX_REQUEST="true")  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 200
    assert Cost.objects.get(category="media").amount == Decimal("1000.00")
    assert f'id="rowtotal-channel-{channel.pk}-media" hx-swap-oob="true">¥1,000.00' in body
    assert 'id="coltotal-2026-03" hx-swap-oob="true">¥1,500.00' in body


def test_cost_cell_with_a_bad_amount_shows_the_error_in_place_and_saves_nothing() -> None:
    channel = ChannelFactory()
    response = client_for(Role.MARKETER).post(reverse("marketing:cost-cell"), {
        "target": f"channel-{channel.pk}", "category": "media", "month": "2026-03", "amount": "12abc",
        "year": "2026", "currency": "CNY"}, HTTP_HX_REQUEST="true")  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 422
    assert 'aria-invalid="true"' in body and "is not an amount" in body and 'value="12abc"' in body
    assert not Cost.objects.exists()


def test_sales_manager_sees_the_grid_read_only_and_may_not_save_a_cell() -> None:
    channel = ChannelFactory()
    manager = client_for(Role.SALES_MANAGER)
    assert "hx-post" not in manager.get(reverse("marketing:costs")).content.decode()
    response = manager.post(reverse("marketing:cost-cell"), {
        "target": f"channel-{channel.pk}", "category": "media", "month": "2026-03", "amount": "1", "year": "2026",
        "currency": "CNY"})  # fmt: skip
    assert response.status_code == 403


def test_cost_row_new_answers_an_empty_row() -> None:
    campaign = CampaignFactory(name="Expo")
    response = client_for(Role.MARKETER).get(
        reverse("marketing:cost-row"),
        {"target": f"campaign-{campaign.pk}", "category": "events", "year": "2026"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and f'id="row-campaign-{campaign.pk}-events"' in body
    assert body.count("hx-post") == 12


def test_cost_import_previews_then_commits() -> None:
    ChannelFactory(slug="baidu", name="Baidu")
    marketer = client_for(Role.MARKETER)
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = "\ufeff月份,渠道,类别,金额\n2026-03,baidu,media,1200\n2026-04,baidu,media,abc\n".encode()
    preview = marketer.post(reverse("marketing:cost-import"), {"file": SimpleUploadedFile("c.csv", content)})
    body = preview.content.decode()
    assert preview.status_code == 200 and "is not an amount" in body and not Cost.objects.exists()
    token = preview.context["preview"].token
    done = marketer.post(reverse("marketing:cost-import-confirm"), {"token": token})
    assert done.status_code == 200
    assert Cost.objects.get().amount == Decimal("1200.00")
    assert "1 new, 0 replaced, 0 unchanged, 1 skipped because of errors." in done.content.decode()


def test_cost_import_of_a_file_without_the_columns_names_the_file_field() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(Role.MARKETER).post(
        reverse("marketing:cost-import"), {"file": SimpleUploadedFile("c.csv", b"a,b\n1,2\n")}
    )
    assert response.status_code == 422
    assert "no column named" in response.content.decode()
