"""Real-browser tests: Debian's Chromium driven by Playwright's sync API against pytest-django's live_server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connections

from tests.conftest import CHROMIUM

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one unless told.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[Any]:
    """A fresh Chromium profile that asks for Chinese first, as a browser in China would."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS,
            headless=True, locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1440, "height": 900},
        )  # fmt: skip
        context.set_default_timeout(15_000)
        page = context.pages[0] if context.pages else context.new_page()
        try:
            yield page
        finally:
            context.close()
            # Inside sync_playwright the test runs in another context, so the ORM opened a connection of its
            # own there; close it here, or it outlives the test and blocks dropping the test database.
            connections.close_all()
