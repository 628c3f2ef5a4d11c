"""`manage.py issue_token <username>` prints a fresh API key that authenticates that user."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def issue_token(username: str) -> str:
    out = StringIO()
    call_command("issue_token", username, stdout=out)
    return out.getvalue().strip()


def test_prints_the_key_of_a_new_token_for_the_user() -> None:
    user = UserFactory(username="crm-sync")

    key = issue_token("crm-sync")

    assert len(key) == 40
    authenticated, _ = TokenAuthentication().authenticate_credentials(key)
    assert authenticated == user


def test_a_second_call_replaces_the_old_key() -> None:
    user = UserFactory(username="crm-sync")
    old = issue_token("crm-sync")

    new = issue_token("crm-sync")

    assert new != old
    assert list(Token.objects.filter(user=user).values_list("key", flat=True)) == [new]


def test_unknown_user_is_a_clear_error_and_creates_nothing() -> None:
    with pytest.raises(CommandError, match='No user named "ghost"'):
        issue_token("ghost")

    assert not Token.objects.exists()


def test_inactive_user_gets_no_token() -> None:
    UserFactory(username="left-the-company", is_active=False)

    with pytest.raises(CommandError, match="inactive"):
        issue_token("left-the-company")

    assert not Token.objects.exists()
