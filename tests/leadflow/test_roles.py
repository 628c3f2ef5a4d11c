"""Roles are groups created by a migration; one helper answers every permission question."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from leadflow.roles import Action, Role, user_can, user_roles
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_the_migration_creates_one_group_per_role() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (Role.MARKETER, {Action.VIEW_ALL_LEADS, Action.MANAGE_MARKETING, Action.REOPEN_LEADS},
         {Action.MANAGE_ROUTING, Action.ADMINISTER}),
        (Role.SDR, {Action.VIEW_LEADS, Action.CHANGE_STAGE}, {Action.VIEW_ALL_LEADS, Action.MANAGE_MARKETING}),
        (Role.SALES, {Action.VIEW_LEADS, Action.CHANGE_STAGE}, {Action.VIEW_ALL_LEADS, Action.MERGE_LEADS}),
        (Role.SALES_MANAGER, {Action.VIEW_ALL_LEADS, Action.MANAGE_ROUTING, Action.VIEW_ANALYTICS},
         {Action.MANAGE_MARKETING, Action.ADMINISTER}),
        (Role.ADMIN, set(Action), set()),
    ],
)  # fmt: skip
def test_each_role_may_do_exactly_its_actions(role: Role, allowed: set[Action], denied: set[Action]) -> None:
    user = user_with_role(role)

    assert user_roles(user) == {role}
    assert all(user_can(user, action) for action in allowed)
    assert not any(user_can(user, action) for action in denied)


def test_a_user_without_a_role_or_inactive_may_do_nothing() -> None:
    inactive = user_with_role(Role.ADMIN, is_active=False)
    for user in (UserFactory(), inactive):
        assert not any(user_can(user, action) for action in Action)


def test_a_superuser_holds_every_role() -> None:
    assert user_roles(UserFactory(is_superuser=True)) == frozenset(Role)
