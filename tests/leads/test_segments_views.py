"""Segment pages: who may open and save them, the preview fragment, and errors shown on a failed save."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from leadflow.roles import Role
from leads.models import Segment
from tests.factories import LeadFactory, user_with_role

pytestmark = pytest.mark.django_db

RULE = {"all": [{"field": "fit_score", "op": "gte", "value": 60}]}


def client_for(role: Role) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(role))
    return client


def test_every_role_opens_the_list_and_builder_but_only_marketers_see_save():
    Segment.objects.create(name="Hot fits", rule=RULE)
    sdr, marketer = client_for(Role.SDR), client_for(Role.MARKETER)

    sdr_page = sdr.get("/segments/new/")
    marketer_page = marketer.get("/segments/new/")

    assert "Hot fits" in sdr.get("/segments/").content.decode()
    assert sdr_page.status_code == 200 and 'id="segment-save"' not in sdr_page.content.decode()
    assert 'id="segment-save"' in marketer_page.content.decode()


def test_an_sdr_cannot_save_a_segment():
    response = client_for(Role.SDR).post("/segments/new/", {"name": "Mine", "rule": json.dumps(RULE)})

    assert response.status_code == 403
    assert not Segment.objects.exists()


def test_a_marketer_saves_and_is_sent_to_the_saved_segment():
    response = client_for(Role.MARKETER).post("/segments/new/", {"name": "Hot fits", "rule": json.dumps(RULE)})

    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/segments/{segment.pk}/"
    assert segment.rule == RULE


def test_a_failed_save_keeps_the_form_and_lists_the_bad_nodes():
    bad = {"all": [{"field": "shoe_size", "op": "eq", "value": 42}]}

    response = client_for(Role.MARKETER).post("/segments/new/", {"name": "Broken", "rule": json.dumps(bad)})

    assert response.status_code == 400
    assert "rule.all[0].field" in response.content.decode()
    assert "Unknown field “shoe_size”." in response.content.decode()
    assert not Segment.objects.exists()


def test_the_preview_fragment_counts_and_names_errors():
    LeadFactory.create_batch(2, fit_score=80)
    LeadFactory(fit_score=10)
    client = client_for(Role.MARKETER)

    counted = client.post("/segments/preview/", {"rule": json.dumps(RULE)}).content.decode()
    refused = client.post("/segments/preview/", {"rule": json.dumps({"any": []})}).content.decode()
    garbled = client.post("/segments/preview/", {"rule": "{not json"}).content.decode()

    assert '<strong id="segment-count">2</strong>' in counted
    assert "rule.any" in refused and "A group needs a list of at least one condition." in refused
    assert "The rule is not valid JSON." in garbled


def test_pages_need_a_login():
    assert Client().get("/segments/").status_code == 302
    assert Client().post("/segments/preview/", {"rule": "{}"}).status_code == 302
