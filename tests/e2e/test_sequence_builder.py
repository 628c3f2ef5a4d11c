"""A marketer builds a small sequence in a real browser (a field error on the way), dry-runs it on a segment,
then switches it on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from leadflow.roles import Role
from leads.segments.models import Segment
from nurturing.models.sequences import Sequence
from tests.e2e.helpers import sign_in
from tests.factories import LeadFactory, user_with_role
from tests.nurturing.sequence_helpers import template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_step(page: Any, kind: str, settings: dict[str, str]) -> None:
    """Fill the typed inputs of the chosen kind (selects by value) and add the step."""
    form = page.locator("#step-add-form")
    form.locator("select[name=kind]").select_option(kind)
    for name, value in settings.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("#step-add").click()


def test_marketer_builds_a_sequence_and_runs_its_dry_run(live_server: Any, browser_page: Any,
                                                          artifacts: Path) -> None:  # fmt: skip
    from playwright.sync_api import expect

    template(slug="webinar-thanks", subject="Thanks for joining, {{ first_name }}")
    segment = Segment.objects.create(name="金融行业", rule={"field": "industry", "op": "eq", "value": "金融"})
    LeadFactory(industry="金融", consent_email=True, first_name="Ann", last_name="Lee", company="Acme Finance")
    LeadFactory(industry="制造业", consent_email=True)
    marketer = user_with_role(Role.MARKETER, username="lin.xw")
    page = browser_page
    sign_in(page, f"{live_server.url}/login/", marketer.username)

    page.click("#nav-marketing")
    page.click("nav.mainnav a[href='/nurturing/sequences/']")
    page.click("#sequence-new")
    page.fill("#sequence-form input[name=name]", "Webinar follow-up")
    page.select_option("#sequence-form select[name=trigger_kind]", "manual")
    page.click("#sequence-save")
    expect(page.locator("h1")).to_have_text("Webinar follow-up")

    # The typed editor shows only the chosen kind's inputs; the JSON waits folded under "Advanced".
    add_form = page.locator("#step-add-form")
    add_form.locator("select[name=kind]").select_option("wait")
    expect(add_form.locator("fieldset[data-kind=wait]")).to_be_visible()
    expect(add_form.locator("fieldset[data-kind=send_email]")).to_be_hidden()
    expect(add_form.locator("textarea[name=config]")).to_be_hidden()

    add_step(page, "send_email", {"send_email_template": "webinar-thanks"})
    expect(page.locator("#step-table tbody tr[data-step]")).to_have_count(1)
    add_step(page, "wait", {"wait_amount": "-3", "wait_unit": "days"})
    amount = page.locator("#step-add-form .field:has([name=wait_amount])")
    expect(amount.locator(".field-error")).to_be_visible()
    expect(page.locator("#step-add-form fieldset[data-kind=wait]")).to_be_visible()  # still on the wait kind
    add_step(page, "wait", {"wait_amount": "3"})
    expect(page.locator("#step-table tbody tr[data-step]")).to_have_count(2)
    add_step(page, "create_task", {"create_task_title": "Call about the webinar", "create_task_due_hours": "24"})
    expect(page.locator("#step-table tbody tr[data-step]")).to_have_count(3)
    assert Sequence.objects.get(name="Webinar follow-up").steps.order_by("position")[1].config == {"days": 3}

    page.select_option("#dry-run-form select[name=segment]", str(segment.pk))
    page.click("#dry-run-button")
    expect(page.locator("#dry-run-count")).to_contain_text("1")
    plan = page.locator("#dry-run details").first
    expect(plan).to_contain_text("Ann")
    expect(plan).to_contain_text("Thanks for joining, Ann")
    expect(plan).to_contain_text("Call about the webinar")
    page.screenshot(path=str(artifacts / "sequence-dry-run.png"), full_page=True)

    page.click("#sequence-activate")
    expect(page.locator("#sequence-pause")).to_be_visible()
    assert Sequence.objects.get(name="Webinar follow-up").status == "active"
