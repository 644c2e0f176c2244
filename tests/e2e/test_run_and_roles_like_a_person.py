"""Why a step failed, what a role allows, and the editor's panels, as a person sees them (issue 11)."""

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user, team_with

from .conftest import screenshot
from .editor_helpers import canvas_box, login, open_editor

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_failed_step_shows_why_first_on_the_node_in_the_details_and_in_the_log(page):
    ida = make_user("ida")
    campaign = campaign_create(
        owner=ida,
        name="Breaks",
        parameters=[],
        graph={
            "steps": [
                {"id": "ok", "name": "Fine", "kind": "function", "function": "noop"},
                {
                    "id": "bad",
                    "name": "Disk check",
                    "kind": "function",
                    "function": "fail",
                    "kwargs": {"message": "disk full"},
                },
            ],
            "edges": [{"source": "ok", "target": "bad"}],
        },
    )
    run = run_launch(campaign=campaign, user=ida)
    page.set_viewport_size({"width": 1024, "height": 700})
    login(page, "ida", f"/runs/{run.pk}")
    page.wait_for_selector("[data-testid=run-state][data-state=failed]", timeout=20000)
    badge = page.locator("[data-testid=step-error-badge-bad]")
    badge.wait_for()
    assert badge.get_attribute("title").startswith("RuntimeError: disk full")
    assert page.locator("[data-testid=step-error-badge-ok]").count() == 0

    page.click("[data-testid=step-bad]")
    error = page.locator("[data-testid=step-error]")
    error.wait_for()
    card = page.locator(".details-card").bounding_box()
    box = error.bounding_box()
    # First in the card, in view without scrolling it.
    assert box["y"] < card["y"] + 120 and box["y"] + 20 < card["y"] + card["height"]
    text = error.inner_text()
    assert text.startswith("RuntimeError: disk full") and "in fail" in text and "backends" not in text
    page.wait_for_selector("[data-testid=log-lines]:has-text('Traceback')", timeout=10000)
    log = page.inner_text("[data-testid=log-lines]")
    assert "RuntimeError: disk full" in log and "(no output)" not in log
    assert page.inner_text("[data-testid=run-retry-step]") == "Retry Disk check"
    screenshot(page, "defect-09-failed-step")
    assert page.console_errors == []


def test_a_viewer_sees_before_the_click_that_fork_and_edit_are_not_theirs_and_whom_to_ask(page):
    jo = make_user("jo")
    make_user("kim")
    lab = team_with("Imaging Lab", jo="admin", kim="viewer")
    lab.may_run_executables = True
    lab.save()
    campaign = campaign_create(
        owner=jo,
        name="Commands",
        parameters=[],
        team=lab,
        visibility="team",
        graph={"steps": [{"id": "run", "name": "Run", "kind": "executable", "argv": ["echo", "hi"]}], "edges": []},
    )
    login(page, "kim", "/library")
    fork = page.locator(f"[data-testid=fork-{campaign.pk}]")
    fork.wait_for()
    # The reason is on the button before the click; the fork dialog then says it for each place it could go.
    assert "ask a site admin to allow you executable steps" in fork.get_attribute("title")
    page.goto(f"/library/{campaign.pk}")
    page.wait_for_selector("[data-testid=template-denials]")
    assert "ask a site admin" in page.get_attribute("[data-testid=template-fork]", "title")
    assert "ask an admin of team 'Imaging Lab' for the editor role" in page.inner_text("[data-testid=denial-edit]")
    assert "Imaging Lab" in page.inner_text("[data-testid=template-denials]")
    screenshot(page, "defect-08-viewer-roles")
    assert page.console_errors == []


def test_palette_and_properties_collapse_and_the_minimap_hides(page):
    make_user("lee")
    page.set_viewport_size({"width": 1024, "height": 700})
    login(page, "lee")
    open_editor(page)
    # On a small screen the minimap starts hidden; a button in the canvas controls brings it back.
    assert page.locator(".react-flow__minimap").count() == 0
    page.click("[data-testid=minimap-toggle]")
    assert page.locator(".react-flow__minimap").is_visible()
    minimap = page.locator(".react-flow__minimap").bounding_box()
    canvas = canvas_box(page)
    assert minimap["width"] * minimap["height"] < 0.1 * canvas["width"] * canvas["height"]
    page.click("[data-testid=minimap-toggle]")
    assert page.locator(".react-flow__minimap").count() == 0

    before = canvas_box(page)["width"]
    page.click("[data-testid=palette-collapse]")
    page.click("[data-testid=panel-collapse]")
    assert page.locator("[data-testid=palette]").count() == 0
    assert page.locator("[data-testid=side-panel]").count() == 0
    assert canvas_box(page)["width"] > before + 400
    screenshot(page, "editor-panels-collapsed")
    page.reload()
    page.wait_for_selector("[data-testid=palette-expand]")
    page.click("[data-testid=palette-expand]")
    page.click("[data-testid=panel-expand]")
    page.wait_for_selector("[data-testid=palette-fn-sleep]")
    assert page.locator("[data-testid=side-panel]").is_visible()
    assert page.console_errors == []
