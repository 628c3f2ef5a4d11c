"""Fixtures for nurturing tests: signals are sent on commit, so tests that follow them run the commit hooks."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from leadflow.roles import Role
from leads.models import Lead
from tests.factories import LeadFactory, user_with_role

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def sla_policies_ensure() -> None:
    """The policies the migration seeds (a transactional test elsewhere may have flushed them)."""
    from nurturing.models import SlaPolicy

    seed = importlib.import_module("nurturing.migrations.0002_seed_sla_policies")
    for code, name, deadline, unit, recycle, description in seed.POLICIES:
        SlaPolicy.objects.get_or_create(code=code, defaults={
            "name": name, "deadline": deadline, "unit": unit, "recycle_on_breach": recycle, "description": description,
        })  # fmt: skip


@pytest.fixture(autouse=True)
def _sla_policies(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("django_db_blocker")
        sla_policies_ensure()


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Callable[[], AbstractContextManager[Any]]:
    """`with committed(): ...` runs the block's on-commit hooks (the lead signals) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def shanghai() -> Iterator[None]:
    with timezone.override("Asia/Shanghai"):
        yield


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A time in Shanghai (the business time zone of the tests)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def new_lead(**kwargs: Any) -> Lead:
    """A bare lead row (LeadFactory, typed)."""
    return cast(Lead, LeadFactory(**kwargs))


@pytest.fixture
def marketer() -> Client:
    """A signed-in marketer, the built-in SOPs paused and one email template (the sequence builder's pages);
    the pages' wording is asserted in English."""
    from tests.nurturing.sequence_helpers import pause_builtins, template

    pause_builtins()
    template()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(Role.MARKETER))
    return client
