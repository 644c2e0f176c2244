"""Signing in through the login page, as a person does."""

from __future__ import annotations

import re


def login(page, username: str, then: str = "/") -> None:
    """Sign in as ``username`` (password ``<username>-password-1``, as tests.conftest.make_user sets it)."""
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/(campaigns)?$"), wait_until="commit")
    page.wait_for_selector(f"[data-testid=current-user]:has-text('{username}')")
    if then != "/":
        page.goto(then)
