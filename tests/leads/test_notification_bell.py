"""The notification bell: the unread count on every page, the dropdown list loaded with htmx, marking one or
all read, and nobody seeing or touching another person's notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.test import Client

from leadflow.roles import Role
from leads.routing.choices import NotificationKind
from leads.routing.models import Notification
from tests.factories import LeadFactory, user_with_role

pytestmark = pytest.mark.django_db
AT = dt.datetime(2025, 5, 14, 3, 0, tzinfo=dt.UTC)


def _note(user: User, message: str, *, read: bool = False) -> Notification:
    return Notification.objects.create(user=user, lead=LeadFactory(), kind=NotificationKind.LEAD_ASSIGNED,
                                       message=message, created_at=AT, read_at=AT if read else None)  # fmt: skip


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_page_shows_the_unread_count() -> None:
    # given two unread notifications and one read
    sdr = user_with_role(Role.SDR)
    _note(sdr, "a"), _note(sdr, "b"), _note(sdr, "c", read=True)
    # when the SDR opens the lead list; then the bell says 2
    html = _client(sdr).get("/leads/").content.decode()
    assert 'id="notification-bell"' in html and 'data-unread="2"' in html


def test_the_dropdown_lists_only_my_notifications() -> None:
    sdr, other = user_with_role(Role.SDR), user_with_role(Role.SDR)
    _note(sdr, "Lead 王芳 was assigned to you"), _note(other, "not yours")
    fragment = _client(sdr).get("/notifications/", HTTP_HX_REQUEST="true").content.decode()
    assert "王芳" in fragment and "not yours" not in fragment and "<html" not in fragment


def test_marking_one_read_leaves_the_others_and_updates_the_count() -> None:
    sdr = user_with_role(Role.SDR)
    first, second = _note(sdr, "first"), _note(sdr, "second")
    response = _client(sdr).post("/notifications/read/", {"id": first.pk}, HTTP_HX_REQUEST="true")
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert 'data-unread="1"' in response.content.decode()


def test_marking_all_read_touches_only_my_notifications() -> None:
    sdr, other = user_with_role(Role.SDR), user_with_role(Role.SDR)
    mine, theirs = _note(sdr, "mine"), _note(other, "theirs")
    # when the SDR marks all read, and also posts the other person's id
    _client(sdr).post("/notifications/read/")
    _client(sdr).post("/notifications/read/", {"id": theirs.pk})
    mine.refresh_from_db(), theirs.refresh_from_db()
    # then only their own is read
    assert mine.read_at is not None and theirs.read_at is None


def test_the_count_fragment_and_the_page_need_a_login() -> None:
    anonymous = Client()
    assert anonymous.get("/notifications/").status_code == 302
    assert anonymous.post("/notifications/read/").status_code == 302
    sdr = user_with_role(Role.SDR)
    _note(sdr, "x")
    assert 'data-unread="1"' in _client(sdr).get("/notifications/count/").content.decode()
    assert _client(sdr).get("/notifications/").status_code == 200


def test_opening_a_notification_marks_it_read_and_goes_to_its_lead() -> None:
    sdr, other = user_with_role(Role.SDR), user_with_role(Role.SDR)
    note = _note(sdr, "open me")
    assert _client(other).get(f"/notifications/{note.pk}/open/").status_code == 404
    response = _client(sdr).get(f"/notifications/{note.pk}/open/")
    note.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"/leads/{note.lead_id}/"
    assert note.read_at is not None
