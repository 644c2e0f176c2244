"""Alice shares a campaign with her team; Bob, a viewer, finds it in the library, forks it and runs the fork."""

import re

import pytest

from campaigns_app.models import Campaign, Run
from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition, team_with

from .conftest import screenshot
from .session import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teammate_finds_a_shared_campaign_forks_it_and_launches_the_fork(page):
    alice, bob = make_user("alice"), make_user("bob")
    team_with("Lab", alice="admin", bob="viewer")
    campaign = campaign_create(owner=alice, **seed_definition(step_seconds=0.2, name="Shared seed"))

    login(page, "alice")
    page.click("[data-testid=nav-library]")
    page.click(f"[data-testid=share-{campaign.pk}]")
    page.check("[data-testid=visibility-team]")
    page.select_option("#share-team", label="Lab")
    page.click("[data-testid=share-submit]")
    page.wait_for_selector(f"[data-testid=visibility-badge-{campaign.pk}]:has-text('team Lab')")
    assert Campaign.objects.get(pk=campaign.pk).visibility == "team"
    page.click("[data-testid=logout]")
    page.wait_for_url(re.compile(r".*/login$"))

    login(page, "bob")
    page.click("[data-testid=nav-library]")
    page.fill("[data-testid=library-search]", "shared")
    page.wait_for_url(re.compile(r".*search=shared.*"))
    row = page.locator(f"[data-testid=library-{campaign.pk}]")
    row.wait_for()
    # A viewer may look and copy, not launch.
    assert row.locator(f"[data-testid=library-launch-{campaign.pk}]").count() == 0
    row.locator(f"[data-testid=fork-{campaign.pk}]").click()
    page.fill("#fork-name", "Bob's seed")
    page.click("[data-testid=fork-submit]")
    page.wait_for_url(re.compile(r".*/library/\d+$"))
    fork = Campaign.objects.get(name="Bob's seed")
    assert (fork.owner_id, fork.forked_from_id, fork.forked_from_version) == (bob.pk, campaign.pk, 1)
    page.wait_for_selector(f"[data-testid=lineage-{fork.pk}]:has-text('forked from Shared seed v1 by alice')")
    screenshot(page, "fork-page")

    page.click("[data-testid=template-launch]")
    page.fill("input[name=name]", "Bob's run")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r".*/runs/\d+$"), wait_until="commit")
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=20000)
    run = Run.objects.get()
    assert (run.campaign_id, run.owner_id, run.parameters) == (fork.pk, bob.pk, {"name": "Bob's run"})
    screenshot(page, "fork-run")
    assert page.console_errors == []
