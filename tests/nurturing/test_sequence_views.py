"""The sequence builder pages: list, settings, the step editor, pause and resume, enrol a segment, dry run."""

from __future__ import annotations

import pytest
from django.test import Client

from leadflow.roles import Role
from leads.segments.models import Segment
from nurturing.models.sequences import Enrollment, Sequence, Step
from tests.factories import user_with_role
from tests.nurturing.conftest import new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_the_list_shows_the_built_in_sops_to_marketers_only(marketer: Client) -> None:
    page = marketer.get("/nurturing/sequences/")
    assert page.status_code == 200
    assert "golden-48h" in page.content.decode()
    sdr = Client()
    sdr.force_login(user_with_role(Role.SDR))
    assert sdr.get("/nurturing/sequences/").status_code == 403


def test_create_a_sequence_then_add_a_step_with_a_field_error_then_a_good_one(marketer: Client) -> None:
    response = marketer.post("/nurturing/sequences/new/", {
        "name": "Webinar follow-up", "track": "nurture", "priority": 50, "trigger_kind": "manual",
        "trigger_config": "{}", "target_stage": "mql", "exit_on_reply": "on", "is_marketing": "on"})
    sequence = Sequence.objects.get(name="Webinar follow-up")
    assert response.status_code == 302 and sequence.status == "draft"

    bad = marketer.post(f"/nurturing/sequences/{sequence.pk}/steps/", {"kind": "wait", "config": '{"days": -2}'},
                        **HX)  # fmt: skip
    assert bad.status_code == 422
    assert "days: " in bad.content.decode()
    good = marketer.post(f"/nurturing/sequences/{sequence.pk}/steps/",
                         {"kind": "send_email", "name": "Thanks", "config": '{"template": "hello"}'}, **HX)
    assert good.status_code == 200 and "Thanks" in good.content.decode()
    assert list(sequence.steps.values_list("kind", flat=True)) == ["send_email"]


def test_reorder_and_refuse_deleting_a_step_another_step_goes_to(marketer: Client) -> None:
    sequence = make_sequence([("a", "add_tag", {"tag": "a"}), ("b", "goto", {"to": "c"}),
                              ("c", "add_tag", {"tag": "c"})], status="draft")  # fmt: skip
    c = Step.objects.get(sequence=sequence, key="c")
    marketer.post(f"/nurturing/sequences/{sequence.pk}/steps/{c.pk}/move/up/", **HX)
    assert list(sequence.steps.order_by("position").values_list("key", flat=True)) == ["a", "c", "b"]

    refused = marketer.post(f"/nurturing/sequences/{sequence.pk}/steps/{c.pk}/delete/", **HX)
    assert refused.status_code == 409 and Step.objects.filter(pk=c.pk).exists()


def test_edit_a_step_inline(marketer: Client) -> None:
    sequence = make_sequence([("w", "wait", {"days": 1})], status="draft")
    step = sequence.steps.get()
    form = marketer.get(f"/nurturing/sequences/{sequence.pk}/steps/{step.pk}/", **HX)
    assert 'id="step-edit-form"' in form.content.decode()
    saved = marketer.post(f"/nurturing/sequences/{sequence.pk}/steps/{step.pk}/",
                          {"kind": "wait", "name": "Two days", "config": '{"days": 2}'}, **HX)
    assert saved.status_code == 200
    step.refresh_from_db()
    assert (step.name, step.config) == ("Two days", {"days": 2})


def test_switching_on_lists_step_problems_then_pause_and_resume(marketer: Client) -> None:
    sequence = make_sequence([("g", "goto", {"to": "missing"})], status="draft")
    refused = marketer.post(f"/nurturing/sequences/{sequence.pk}/status/active/", **HX)
    assert refused.status_code == 422 and "steps[g].config.to" in refused.content.decode()

    Step.objects.filter(sequence=sequence).update(kind="add_tag", config={"tag": "x"})
    assert marketer.post(f"/nurturing/sequences/{sequence.pk}/status/active/", **HX).status_code == 200
    marketer.post(f"/nurturing/sequences/{sequence.pk}/status/paused/", **HX)
    assert Sequence.objects.get(pk=sequence.pk).status == "paused"


def test_enrol_a_segment_and_dry_run(marketer: Client) -> None:
    sequence = make_sequence([("e", "send_email", {"template": "hello"}), ("w", "wait", {"days": 3}),
                              ("t", "add_tag", {"tag": "x"})], status="draft")  # fmt: skip
    segment = Segment.objects.create(name="Finance", rule={"field": "industry", "op": "eq", "value": "金融"})
    new_lead(industry="金融", consent_email=True, first_name="Ann", last_name="Lee", company="Acme")

    dry = marketer.post(f"/nurturing/sequences/{sequence.pk}/dry-run/", {"segment": segment.pk}, **HX)
    body = dry.content.decode()
    assert "1 lead would enter now." in body and "Hello Ann" in body
    assert Enrollment.objects.count() == 0

    enrolled = marketer.post(f"/nurturing/sequences/{sequence.pk}/enroll/", {"segment": segment.pk}, **HX)
    assert "1 lead enrolled." in enrolled.content.decode()
    assert Enrollment.objects.count() == 1


def test_the_lead_page_shows_its_sequences_and_messages(marketer: Client) -> None:
    from nurturing.services.enrollments import enrollments_start
    from tests.nurturing.conftest import at
    from tests.nurturing.sequence_helpers import run

    sequence = make_sequence([("e", "send_email", {"template": "hello"}), ("w", "wait", {"days": 3})],
                             name="Webinar follow-up")  # fmt: skip
    lead = new_lead(consent_email=False)
    enrollments_start(sequence=sequence, leads=[lead.pk], now=at(2025, 6, 16, 10), trigger="manual")
    run(at(2025, 6, 16, 10))

    page = marketer.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="lead-sequences"' in page and "Webinar follow-up" in page
    assert "Suppressed" in page and "no_consent" in page


def test_enrol_one_lead_from_its_page_and_stop_it() -> None:
    pause_builtins()
    sequence = make_sequence([("w", "wait", {"days": 3})], name="Webinar follow-up")
    lead = new_lead()
    sdr = Client(HTTP_ACCEPT_LANGUAGE="en")
    sdr.force_login(user_with_role(Role.SDR))

    page = sdr.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="lead-enroll-form"' in page and "Not in any sequence." in page
    sdr.post(f"/nurturing/leads/{lead.pk}/enroll/", {"sequence": sequence.pk})
    enrollment = Enrollment.objects.get(lead=lead)
    again = sdr.post(f"/nurturing/leads/{lead.pk}/enroll/", {"sequence": sequence.pk}, follow=True)
    assert "already in" in again.content.decode()

    sdr.post(f"/nurturing/leads/{lead.pk}/enrollments/{enrollment.pk}/stop/")
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == ("exited", "manual_stop")


def test_a_marketer_edits_an_email_template_in_both_languages(marketer: Client) -> None:
    from nurturing.models.sequences import EmailTemplate

    data = {"slug": "webinar-thanks", "name": "Webinar thanks", "subject_zh": "感谢参加，{{ first_name }}",
            "body_zh": "资料在此。\n退订：{{ unsubscribe_url }}", "subject_en": "Thanks, {{ first_name }}",
            "body_en": "Here are the slides.\nUnsubscribe: {{ unsubscribe_url }}"}  # fmt: skip
    bad = marketer.post("/nurturing/templates/new/", {**data, "body_en": "No link {% if %}"})
    assert bad.status_code == 422
    assert "Template error" in bad.content.decode() and "unsubscribe_url" in bad.content.decode()

    assert marketer.post("/nurturing/templates/new/", data).status_code == 302
    template = EmailTemplate.objects.get(slug="webinar-thanks")
    assert template.translations["zh-hans"]["subject"] == "感谢参加，{{ first_name }}"
    assert "webinar-thanks" in marketer.get("/nurturing/templates/").content.decode()
