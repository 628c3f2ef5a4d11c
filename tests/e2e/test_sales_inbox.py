"""A sales rep works the MQL inbox in a real browser: accepts one MQL, rejects another with a reason, by
keyboard and mouse, without a page reload, while the SLA countdown ticks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from leadflow.roles import Role
from leads.choices import Stage
from leads.models import Lead, StageChange
from leads.services.stages import lead_transition
from nurturing.models import ClockStatus, PolicyCode, SlaClock
from tests.e2e.helpers import sign_in
from tests.factories import user_with_role
from tests.nurturing.conftest import new_lead, sla_policies_ensure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _mql(rep: Any, **kwargs: Any) -> Lead:
    """An MQL handed to `rep` three hours ago (the clock started by the stage-change signal)."""
    start = timezone.now() - dt.timedelta(hours=3)
    lead = new_lead(owner_sales=rep, bant_budget=True, bant_need=True, stage_changed_at=start - dt.timedelta(days=1),
                    **kwargs)  # fmt: skip
    return lead_transition(lead=lead, to=Stage.MQL, at=start, now=start)


def test_sales_rep_accepts_one_mql_and_rejects_another_with_a_reason(live_server: Any, browser_page: Any) -> None:
    from playwright.sync_api import expect

    sla_policies_ensure()
    rep = user_with_role(Role.SALES, username="wang.jianguo", first_name="建国", last_name="王")
    accepted = _mql(rep, last_name="陈", first_name="静", company="华东精密机械", title="采购经理")
    rejected = _mql(rep, last_name="赵", first_name="敏", company="宁波港联物流", title="数字化负责人")
    assert SlaClock.objects.filter(policy__code=PolicyCode.MQL_ACCEPT, closed_at__isnull=True).count() == 2

    page = browser_page
    sign_in(page, f"{live_server.url}/login/", rep.username)
    page.click(".mainnav a[href='/nurturing/inbox/']")
    expect(page.locator("#inbox-mql .inbox-item")).to_have_count(2)

    # The countdown ticks in the browser: about 21 hours left on a 24-hour clock started 3 hours ago
    first = page.locator(f"#inbox-lead-{accepted.pk}")
    expect(first.locator("time.countdown")).to_have_text(re.compile(r"^剩余 (20|21) 小时 \d+ 分$"))
    before = first.locator("time.countdown").inner_text()
    page.evaluate("window.__marker = 'no reload'")

    # Accept the first with the keyboard
    first.locator("button[data-move=sal]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#inbox .alert-success")).to_contain_text("陈静")
    expect(page.locator("#inbox-sal .inbox-item")).to_have_count(1)
    expect(page.locator("#inbox-mql .inbox-item")).to_have_count(1)

    # Reject the second with a reason and a note, in one form
    second = page.locator(f"#inbox-lead-{rejected.pk}")
    reject = second.locator("form.inbox-form-danger")
    reject.locator("select").select_option("bad_timing")
    reject.locator("input.inbox-note").fill("预算明年才批")
    reject.locator("button[data-move=lead]").click()
    expect(page.locator("#inbox .alert-success")).to_contain_text("赵敏")
    expect(page.locator("#inbox-mql .empty-state")).to_be_visible()
    assert page.evaluate("window.__marker") == "no reload"
    assert before

    accepted.refresh_from_db()
    rejected.refresh_from_db()
    change = StageChange.objects.filter(lead=rejected).latest("id")
    assert (accepted.stage, rejected.stage) == (Stage.SAL, Stage.LEAD)
    assert (change.reason, change.note) == ("bad_timing", "预算明年才批")
    statuses = dict(SlaClock.objects.filter(policy__code=PolicyCode.MQL_ACCEPT).values_list("lead_id", "status"))
    assert statuses == {accepted.pk: ClockStatus.MET, rejected.pk: ClockStatus.RETURNED}
