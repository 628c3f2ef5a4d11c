"""The signed one-click unsubscribe link: GET confirms, POST unsubscribes (RFC 8058 one-click included)."""

from __future__ import annotations

import pytest
from django.test import Client

from leads.models import Lead
from nurturing.models.messages import Message, MessageStatus, Suppression
from nurturing.models.sequences import Enrollment, ExitReason
from nurturing.services.enrollments import enrollments_start
from nurturing.services.messages import unsubscribe_token
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins, run, template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
NOW = at(2025, 6, 16, 10)


@pytest.fixture
def enrolled() -> Lead:
    pause_builtins()
    template()
    sequence = make_sequence([("w", "wait", {"days": 1}), ("hello", "send_email", {"template": "hello"})])
    lead = new_lead(consent_email=True)
    enrollments_start(sequence=sequence, leads=[lead.pk], now=NOW, trigger="manual")
    return lead


def url(lead: Lead) -> str:
    return f"/nurturing/unsubscribe/{unsubscribe_token(lead_id=lead.pk, email=lead.email)}/"


def test_get_only_asks_for_confirmation(enrolled: Lead) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(url(enrolled))
    assert page.status_code == 200 and 'id="unsubscribe-confirm"' in page.content.decode()
    assert not Suppression.objects.exists()
    assert Lead.objects.get(pk=enrolled.pk).consent_email


def test_the_confirmation_button_unsubscribes_with_history_and_ends_marketing_sequences(enrolled: Lead) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    page = client.post(url(enrolled))

    assert page.status_code == 200 and "will receive no more marketing emails" in page.content.decode()
    assert Suppression.objects.get(email=enrolled.email).reason == "unsubscribed"
    lead = Lead.objects.get(pk=enrolled.pk)
    assert not lead.consent_email and lead.events.filter(kind="consent_changed").exists()
    assert Enrollment.objects.get(lead=lead).exit_reason == ExitReason.UNSUBSCRIBED
    run(at(2025, 6, 18, 10))
    assert not Message.objects.filter(lead=lead).exists()


def test_one_click_post_from_a_mail_client_needs_no_csrf_token(enrolled: Lead) -> None:
    response = Client(enforce_csrf_checks=True).post(url(enrolled), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Suppression.objects.get(email=enrolled.email).note == "one-click"


def test_a_message_queued_before_the_unsubscribe_is_never_sent(enrolled: Lead, mailoutbox: list) -> None:
    Enrollment.objects.filter(lead=enrolled).update(next_run_at=NOW)
    Enrollment.objects.filter(lead=enrolled).update(current_step=Enrollment.objects.get(lead=enrolled)
                                                    .sequence.steps.get(key="hello"))  # fmt: skip
    from nurturing.services.engine import enrollments_run_due

    enrollments_run_due(now=NOW)  # queued, not yet delivered
    Client().post(url(enrolled))
    run(NOW)

    message = Message.objects.get(lead=enrolled)
    assert (message.status, message.error) == (MessageStatus.SUPPRESSED, "suppressed")
    assert mailoutbox == []


def test_a_tampered_link_is_refused() -> None:
    lead = new_lead()
    token = unsubscribe_token(lead_id=lead.pk, email=lead.email)
    assert Client().post(f"/nurturing/unsubscribe/{token[:-2]}xx/").status_code == 404
    assert not Suppression.objects.exists()
