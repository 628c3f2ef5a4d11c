"""What the browser tests share: signing in through the login page."""

from __future__ import annotations

from typing import Any

from tests.factories import PASSWORD


def sign_in(page: Any, login_url: str, username: str) -> None:
    """Open `login_url` (the login page, with a `next` if wanted) and sign in as a factory user."""
    page.goto(login_url)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].btn-primary")
