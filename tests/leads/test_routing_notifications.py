"""The new owner hears of it: a notification in the app and an email, in their language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from leadflow.roles import Role
from leads.choices import ChannelRoute
from leads.routing.choices import NotificationKind, TeamRole
from leads.routing.models import AssignmentRule, Notification, Team, UserPreference
from leads.routing.notifications import notifications_mark_read
from leads.routing.selectors import notifications_unread_count
from leads.routing.services import leads_route_new
from tests.factories import ChannelFactory, LeadFactory, user_with_role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 5, 14, 3, 0, tzinfo=dt.UTC)


def _routed_to(user: Any, django_capture_on_commit_callbacks: Any) -> Any:
    team = Team.objects.create(name="t", role=TeamRole.SDR)
    team.members.set([user])
    AssignmentRule.objects.create(name="华东 SDR", order=1, team=team)
    lead = LeadFactory(first_name="Lei", last_name="Li", source_channel=ChannelFactory(route=ChannelRoute.SDR))
    with django_capture_on_commit_callbacks(execute=True):
        leads_route_new(lead_ids=[lead.pk], now=NOW)
    return lead


def test_new_owner_gets_a_notification_and_an_email_in_the_site_language(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given an SDR without a language of their own (site default zh-hans)
    sdr = user_with_role(Role.SDR)
    # when a lead is routed to them
    lead = _routed_to(sdr, django_capture_on_commit_callbacks)
    # then one unread notification and one email, both in Chinese, naming the lead and the rule
    note = Notification.objects.get(user=sdr)
    assert note.kind == NotificationKind.LEAD_ASSIGNED and note.lead_id == lead.pk
    assert "分配给您" in note.message and "华东 SDR" in note.message
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [sdr.email]
    assert "新线索" in mailoutbox[0].subject and f"/leads/{lead.pk}/" in mailoutbox[0].body
    assert notifications_unread_count(user=sdr) == 1


def test_email_is_in_the_recipients_own_language(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given an SDR who chose English
    sdr = user_with_role(Role.SDR)
    UserPreference.objects.create(user=sdr, language="en")
    # when a lead is routed to them
    _routed_to(sdr, django_capture_on_commit_callbacks)
    # then the notification and the email are in English
    assert Notification.objects.get(user=sdr).message.startswith("Lead Lei Li was assigned to you")
    assert mailoutbox[0].subject == "New lead for you: Lei Li"


def test_marking_read_clears_the_unread_count() -> None:
    # given two unread notifications
    sdr = user_with_role(Role.SDR)
    for _ in range(2):
        Notification.objects.create(user=sdr, kind=NotificationKind.LEAD_ASSIGNED, message="x")
    # when they are marked read, twice
    assert notifications_mark_read(user=sdr, now=NOW) == 2
    assert notifications_mark_read(user=sdr, now=NOW) == 0
    # then nothing is unread
    assert notifications_unread_count(user=sdr) == 0
