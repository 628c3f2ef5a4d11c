"""Shared fixtures, and the gate for tests that need real backends.

On a laptop a test marked `postgres`, `browser` or `integration` skips with the reason when the backend
is missing; with LEADFLOW_REQUIRE_BACKENDS=1 (CI) a missing backend fails the test instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from django.db import connection

REQUIRE_BACKENDS = os.environ.get("LEADFLOW_REQUIRE_BACKENDS") == "1"
CHROMIUM = os.environ.get("LEADFLOW_CHROMIUM", "/usr/bin/chromium")


def _missing_backend(marker: str) -> str | None:
    if marker in ("postgres", "integration") and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    if marker == "integration" and not os.environ.get("CELERY_BROKER_URL"):
        return "needs Redis: set CELERY_BROKER_URL=redis://..."
    if marker == "browser":
        if not shutil.which(CHROMIUM):
            return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return "needs the playwright package"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs two workers), the integration tests share one worker: each starts
    Celery workers on the shared Redis queue, and two of them at once would take each other's tasks."""
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.xdist_group("integration"))


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in ("postgres", "browser", "integration"):
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_backend(marker)
        if reason is None:
            continue
        if REQUIRE_BACKENDS:
            pytest.fail(f"{marker} backend required in CI but missing: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _tasks_in_process(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tasks run in the test's process, as in the embedded default, even when CI sets CELERY_BROKER_URL:
    nothing consumes a unit test's queue. Integration tests keep the broker: their real worker runs them."""
    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    from leadflow.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
