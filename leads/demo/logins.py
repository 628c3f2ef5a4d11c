"""The demo logins: one user per role with the demo password, and which of them still use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group, User

from leadflow.roles import Role
from leads.demo.catalog import DEMO_EMAIL_DOMAIN, USERS


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    name: str
    password: str | None  # None when the user's password is no longer the demo password


def demo_logins(*, password: str) -> list[Login]:
    """The demo logins, with `password` where it is still the user's password and None where it is not."""
    users = {user.username: user for user in User.objects.filter(username__in=[u[0] for u in USERS])}
    verified: dict[str, bool] = {}
    logins = []
    for username, role, last, first in USERS:
        user = users.get(username)
        if user is None:
            continue
        if user.password not in verified:  # the demo users share one hash: one slow check, not ten
            verified[user.password] = check_password(password, user.password)
        logins.append(Login(username, str(role), f"{last}{first}", password if verified[user.password] else None))
    return logins


def demo_users_ensure(*, password: str) -> dict[str, User]:
    """One user per demo login with its role group; a same-named user that is not a demo user is left alone."""
    encoded = make_password(password)
    groups = {role: Group.objects.get_or_create(name=str(role))[0] for role in Role}
    users: dict[str, User] = {}
    for username, role, last, first in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@{DEMO_EMAIL_DOMAIN}", "first_name": first, "last_name": last},
        )
        users[username] = user
        if not created and not user.email.endswith(f"@{DEMO_EMAIL_DOMAIN}"):
            continue
        user.password, user.first_name, user.last_name = encoded, first, last
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.is_active = True
        user.save()
        user.groups.add(groups[role])
    return users
