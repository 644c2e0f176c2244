"""The dashboard lists the execution backends; the test stack's worker serves ``thread``."""

import pytest

from tests.conftest import make_user

from .conftest import screenshot
from .session import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_dashboard_shows_the_thread_backend_up(page):
    make_user("dora")
    login(page, "dora")
    page.goto("/dashboard")
    page.wait_for_selector("[data-testid=backends-panel]")
    # The worker publishes its status every few seconds and the panel refreshes every 10 s.
    entry = page.locator("[data-testid=backend-thread][data-status=up]")
    entry.wait_for(timeout=25000)
    assert "queue" in entry.inner_text()
    assert page.locator("[data-testid=backend-thread-error]").count() == 0
    screenshot(page, "dashboard-backends")
    assert page.console_errors == []
