"""A user logs in, launches the seed campaign and watches it finish live."""

import re

import pytest

from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition

from .conftest import screenshot
from .session import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_launch_the_seed_campaign_and_see_every_step_succeed_live(page):
    user = make_user("carol")
    # Steps long enough that the run is still running once the page has loaded on a busy machine (at 0.5 s a
    # loaded CI machine could finish the run before the first paint, and a person would never see it run either).
    campaign = campaign_create(owner=user, **seed_definition(step_seconds=1.5))

    login(page, "carol")
    page.wait_for_selector("text=Seed campaign")
    page.click(f"[data-testid=launch-{campaign.pk}]")
    page.fill("input[name=name]", "Campaign B")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r".*/runs/\d+$"), wait_until="commit")

    # The page must go through live states, not only show the end result.
    page.wait_for_selector("[data-testid=run-state][data-state=running]", timeout=15000)
    for step in ("s1", "s2", "s3", "s4"):
        page.locator(f"[data-testid=step-{step}][data-state=succeeded]").first.wait_for(timeout=15000)
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=15000)
    assert page.get_attribute("[data-testid=live-status]", "data-status") == "live"
    assert "Campaign B" in page.content()
    screenshot(page, "run-page")
    assert page.console_errors == []
