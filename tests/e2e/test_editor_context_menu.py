"""The editor's right-click menu, used with the mouse and the keyboard as a person would."""

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user, seed_definition

from .conftest import screenshot
from .editor_helpers import canvas_box, edge_count, edges_settle_at, login, open_editor, step_ids

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seed_campaign(live_stack):
    return campaign_create(owner=make_user("erin"), **seed_definition(step_seconds=0.5))


def right_click(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button="right")
    page.wait_for_selector("[data-testid=context-menu]")


def menu_inside_viewport(page) -> bool:
    box = page.locator("[data-testid=context-menu]").bounding_box()
    view = page.viewport_size
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= view["width"]
        and (box["y"] + box["height"] <= view["height"])
    )


def test_step_menu_duplicates_groups_and_deletes_by_keyboard(page, seed_campaign):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "erin")
    open_editor(page, seed_campaign.pk)
    assert step_ids(page) == ["s1", "s2", "s3", "s4"]

    right_click(page, "[data-testid=editor-step-s2]")
    menu = page.locator("[data-testid=context-menu]")
    assert menu.is_visible() and menu_inside_viewport(page)
    assert page.locator("[data-testid=menu-openLog]").is_disabled()  # no run yet
    screenshot(page, "context-menu-step")

    # The first entry has the focus; Escape closes the menu without doing anything.
    page.keyboard.press("Escape")
    assert menu.count() == 0
    assert step_ids(page) == ["s1", "s2", "s3", "s4"]

    # Enter on the focused first entry duplicates the step.
    right_click(page, "[data-testid=editor-step-s2]")
    page.keyboard.press("Enter")
    assert len(step_ids(page)) == 5 and menu.count() == 0

    # Arrow keys walk the entries, skipping the disabled log link and wrapping: Up from the top is Delete.
    right_click(page, "[data-testid=editor-step-s3]")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.dataset.testid") == "menu-delete"
    page.keyboard.press("Enter")
    assert "s3" not in step_ids(page)

    right_click(page, "[data-testid=editor-step-s1]")
    page.locator("[data-testid=menu-copyId]").click()
    page.wait_for_selector("[data-testid=editor-toast]:has-text('Copied the id s1')")
    assert page.evaluate("navigator.clipboard.readText()") == "s1"

    right_click(page, "[data-testid=editor-step-s1]")
    page.locator("[data-testid=menu-group]").click()
    page.wait_for_selector(".react-flow__node-block")
    assert page.locator(".react-flow__node-block").is_visible()
    right_click(page, "[data-testid=editor-step-s1]")
    page.locator("[data-testid=menu-ungroup]").click()
    page.wait_for_selector(".react-flow__node-block", state="detached")


def test_canvas_menu_adds_a_step_where_clicked_and_closes_on_outside_click(page, seed_campaign):
    login(page, "erin")
    open_editor(page, seed_campaign.pk)
    box = canvas_box(page)

    # Near the bottom-right corner the menu flips so it stays on screen.
    corner = (box["x"] + box["width"] - 8, box["y"] + box["height"] - 8)
    page.mouse.click(*corner, button="right")
    page.wait_for_selector("[data-testid=context-menu]")
    assert menu_inside_viewport(page)
    page.mouse.click(box["x"] + 20, box["y"] + 20)
    assert page.locator("[data-testid=context-menu]").count() == 0

    before = step_ids(page)
    at = (box["x"] + 60, box["y"] + box["height"] - 90)
    page.mouse.click(*at, button="right")
    page.locator("[data-testid=menu-addStep]").click()
    added = [s for s in step_ids(page) if s not in before]
    assert len(added) == 1
    node = page.locator(f"[data-testid=editor-step-{added[0]}]").bounding_box()
    assert node["x"] <= at[0] <= node["x"] + node["width"] and node["y"] <= at[1] <= node["y"] + node["height"]
    screenshot(page, "context-menu-added-step")

    edges = edge_count(page)
    point = page.evaluate(
        """() => { const p = document.querySelector('.react-flow__edge path');
                   const m = p.getPointAtLength(p.getTotalLength() / 2); const c = p.getScreenCTM();
                   return {x: m.x * c.a + c.e, y: m.y * c.d + c.f}; }"""
    )
    page.mouse.click(point["x"], point["y"], button="right")
    page.wait_for_selector("[data-testid=menu-delete]")
    page.keyboard.press("Enter")
    assert edges_settle_at(page, edges - 1) == edges - 1


def test_a_step_menu_opens_that_steps_log_in_the_campaigns_last_run(page, seed_campaign):
    run = run_launch(campaign=seed_campaign, user=seed_campaign.owner)
    login(page, "erin")
    open_editor(page, seed_campaign.pk)
    right_click(page, "[data-testid=editor-step-s2]")
    entry = page.locator("[data-testid=menu-openLog]")
    assert entry.is_enabled() and entry.is_visible()
    entry.click()
    page.wait_for_url(f"**/runs/{run.pk}?step=s2")
    page.wait_for_selector("[data-testid=log-panel][data-step=s2]")
    page.wait_for_selector("[data-testid=step-details][data-state=succeeded]", timeout=30000)
    assert "is-selected" in page.get_attribute("[data-testid=timeline-row-s2]", "class")
    assert "is-selected" in page.get_attribute("[data-testid=step-s2]", "class")
    screenshot(page, "context-menu-opened-log")
    assert page.console_errors == []
