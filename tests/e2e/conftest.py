"""A live stack (daphne + Celery worker on the test database) and headless Debian Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
from django.conf import settings

from scripts.stack import terminate
from tests.live import REPO, start_daphne, start_worker

# Playwright's sync API keeps an event loop running in the test thread, which
# Django's async-safety check would take for async code calling the ORM.
# Child processes (tests.live.child_env) never inherit this.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = REPO / "test-artifacts"


def _missing(what: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI=true: browser tests must run)")
    pytest.skip(what)


@pytest.fixture(scope="package")
def live_stack(django_db_setup, django_db_blocker, tmp_path_factory):
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is not installed (as root: apt-get install -y chromium)")
    if not (settings.FRONTEND_DIST / "index.html").exists():
        _missing("frontend is not built (make test builds it: cd frontend && npm ci && npm run build)")
    logs = tmp_path_factory.mktemp("live-logs")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    with django_db_blocker.unblock():
        worker, _ = start_worker(logs)
        try:
            daphne, url = start_daphne(logs)
        except Exception:
            terminate([worker])
            raise
    yield url
    terminate([daphne, worker])


@pytest.fixture(scope="package")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_stack):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_stack)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(autouse=True)
def fast_password_hashing():
    """The live daphne checks passwords with the default hashers, so keep them here."""
