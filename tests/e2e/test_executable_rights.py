"""What a person without the right to run executable steps sees before the server would refuse them.

Charlie made his own team (so he is its admin): that gives no right.  The editor's palette says so, and a
public campaign with an executable step cannot be launched or forked by him, each saying whom to ask.  Once a
site admin allows him, the same palette item works and the campaign saves.
"""

import pytest
from playwright.sync_api import expect

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create, team_create
from tests.conftest import allow_executables, make_user, seed_definition

from .conftest import screenshot
from .editor_helpers import canvas_box, drag_from_palette, login, open_editor, step_ids

pytestmark = pytest.mark.django_db(transaction=True)

ASK = "ask a site admin to allow you executable steps"


def test_the_editor_and_dialogs_say_why_executable_steps_are_not_allowed(page):
    alice, charlie = make_user("alice"), make_user("charlie")
    allow_executables(alice)
    public = campaign_create(
        owner=alice,
        name="Public command",
        visibility="public",
        graph={"steps": [{"id": "cmd", "name": "Cmd", "kind": "executable", "argv": ["echo", "hi"]}], "edges": []},
    )
    team_create(user=charlie, name="mine")

    login(page, "charlie")
    open_editor(page)
    item = page.locator("[data-testid=palette-executable]")
    assert item.get_attribute("aria-disabled") == "true"
    assert ASK in page.inner_text("[data-testid=palette-executable-reason]")
    assert ASK in item.get_attribute("title")
    box = canvas_box(page)
    drag_from_palette(page, "palette-executable", box["width"] / 2, box["height"] / 2)
    assert step_ids(page) == []
    screenshot(page, "executables-not-allowed-palette")

    page.click("[data-testid=nav-library]")
    page.click(f"[data-testid=library-launch-{public.pk}]")
    blocked = page.locator("[data-testid=launch-blocked]")
    assert "You may not launch this campaign: it has executable steps (cmd)" in blocked.inner_text()
    assert ASK in blocked.inner_text()
    assert page.locator("[data-testid=launch-submit]").is_disabled()
    page.keyboard.press("Escape")
    page.click(f"[data-testid=fork-{public.pk}]")
    assert "You may not fork this campaign" in page.inner_text("[data-testid=fork-blocked]")
    assert page.locator("[data-testid=fork-submit]").is_disabled()
    # Forking into his own team is refused too, with the team's own reason.
    page.select_option("#fork-team", label="Team mine (shared with the team)")
    assert "allow executable steps for team 'mine'" in page.inner_text("[data-testid=fork-blocked]")
    screenshot(page, "executables-not-allowed-fork")
    assert Campaign.objects.filter(owner=charlie).count() == 0
    assert page.console_errors == []


def test_once_a_site_admin_allows_it_the_executable_item_works(page):
    charlie = make_user("charlie")
    allow_executables(charlie)
    login(page, "charlie")
    open_editor(page)
    item = page.locator("[data-testid=palette-executable]")
    assert item.get_attribute("aria-disabled") is None
    box = canvas_box(page)
    drag_from_palette(page, "palette-executable", box["width"] / 2, box["height"] / 2)
    expect(page.locator(".react-flow__node-step")).to_have_count(1)
    assert page.locator("[data-testid=executables-notice]").count() == 0
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v1')")
    saved = Campaign.objects.get(owner=charlie)
    assert [s["kind"] for s in saved.current_version.graph["steps"]] == ["executable"]


def test_a_site_admin_allows_a_team_on_the_teams_page_and_its_editor_may_then_use_executables(page):
    make_user("sam", is_staff=True)
    charlie = make_user("charlie")
    mine = team_create(user=charlie, name="mine")
    campaign = campaign_create(owner=charlie, team=mine, visibility="team", **seed_definition(name="Ours"))

    login(page, "charlie")
    open_editor(page, campaign.pk)
    assert "allow executable steps for team 'mine'" in page.inner_text("[data-testid=palette-executable-reason]")
    page.click("[data-testid=nav-teams]")
    card = page.locator("[data-testid=team-mine]")
    assert "not allowed. A site admin may allow them" in card.locator("[data-testid=team-executables]").inner_text()
    assert card.locator("[data-testid=team-allow-executables]").count() == 0  # the team's admin has no switch
    page.click("[data-testid=logout]")

    login(page, "sam")
    page.click("[data-testid=nav-teams]")
    card = page.locator("[data-testid=team-mine]")
    card.locator("[data-testid=team-allow-executables]").click()
    card.locator("[data-testid=team-executables]:has-text('allowed by a site admin, for editor, admin')").wait_for()
    page.click("[data-testid=logout]")

    login(page, "charlie")
    open_editor(page, campaign.pk)
    assert page.locator("[data-testid=palette-executable]").get_attribute("aria-disabled") is None
    assert page.locator("[data-testid=palette-executable-reason]").count() == 0
