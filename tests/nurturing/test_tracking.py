"""Open pixel and click redirect: each records a touchpoint once, and the step's figures count them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from leads.models import Touchpoint
from nurturing.models.messages import Message
from nurturing.models.sequences import Sequence
from nurturing.selectors.sequences import sequence_step_figures
from nurturing.services.enrollments import enrollments_start
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins, run, template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
NOW = at(2025, 6, 16, 10)


def test_opens_and_clicks_are_recorded_once_and_counted_on_the_step() -> None:
    pause_builtins()
    template(body="Read the guide: https://example.com/guide?from=mail")
    sequence: Sequence = make_sequence([("hello", "send_email", {"template": "hello"})])
    lead = new_lead(consent_email=True)
    enrollments_start(sequence=sequence, leads=[lead.pk], now=NOW, trigger="manual")
    run(NOW)

    html, _type = mail.outbox[0].alternatives[0]
    pixel = re.search(r'<img src="http://127.0.0.1:8000(/nurturing/t/o/[^"]+)"', html).group(1)
    click = re.search(r'<a href="http://127.0.0.1:8000(/nurturing/t/c/[^"]+)">https://example.com/guide', html).group(1)
    assert "/nurturing/unsubscribe/" in html and "/nurturing/t/c/" not in html.split("unsubscribe")[0][-40:]
    # The pixel and redirect record at the real clock: the mail went out a minute before they are opened.
    Message.objects.filter(lead=lead).update(sent_at=timezone.now() - dt.timedelta(minutes=1))
    client = Client()

    assert client.get(pixel)["Content-Type"] == "image/gif"
    client.get(pixel)
    redirect = client.get(click)
    client.get(click)
    assert redirect.status_code == 302 and redirect["Location"] == "https://example.com/guide?from=mail"
    assert sorted(Touchpoint.objects.filter(lead=lead).values_list("kind", flat=True)) == ["email_click",
                                                                                         "email_open"]
    figures = sequence_step_figures(sequence=sequence)[0]
    assert (figures.sent, figures.opened, figures.clicked) == (1, 1, 1)


def test_a_tampered_click_link_redirects_nowhere() -> None:
    assert Client().get("/nurturing/t/c/not-a-token/").status_code == 404
    assert Client().get("/nurturing/t/o/not-a-token/").status_code == 200  # the pixel still loads
    assert not Touchpoint.objects.exists()
