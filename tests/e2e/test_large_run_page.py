"""A 300-step run page: blocks fold to a lane each, a for_each step's items open under it, and the
selected step's log stays in view however far down the timeline it was picked."""

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user

from .conftest import ARTIFACTS, screenshot
from .editor_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

ITEMS = [1, 2, 3, 4, 5]


def _large_graph() -> dict:
    steps = [{"id": "fan", "name": "Fan out", "kind": "function", "function": "noop", "for_each": ITEMS}]
    for i in range(1, 300):
        step = {"id": f"s{i}", "name": f"Step {i}", "kind": "function", "function": "noop"}
        if i <= 200:
            step["block"] = f"b{(i - 1) // 50}"
        steps.append(step)
    blocks = [{"id": f"b{b}", "name": f"Block {b}", "parent": None} for b in range(4)]
    return {"steps": steps, "edges": [], "blocks": blocks}


HEADER_PX = 56  # the app header is sticky: what is under it is not in view


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    view = page.viewport_size
    return box is not None and box["y"] >= HEADER_PX and box["y"] + box["height"] <= view["height"]


def test_a_300_step_run_keeps_the_log_in_view_and_opens_a_for_each_lane(page):
    hal = make_user("hal")
    campaign = campaign_create(owner=hal, name="Three hundred", parameters=[], graph=_large_graph())
    run = run_launch(campaign=campaign, user=hal)
    login(page, "hal", f"/runs/{run.pk}")
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=90000)

    # Four block lanes instead of 200 rows, and at most 40 lanes before "show all".
    assert page.locator("[data-testid^=timeline-block-]").count() == 4
    assert page.locator("[data-testid=timeline-block-b0]").inner_text().endswith("50/50")
    lanes = page.locator("[data-testid=timeline] .tl-step").count()
    assert lanes == 40
    page.click("[data-testid=timeline-show-all]")
    assert page.locator("[data-testid=timeline] .tl-step").count() == 1 + 4 + 99

    # Pick the last step, at the bottom of the timeline: its details and log are on screen beside it.
    row = page.locator("[data-testid=timeline-row-s299]")
    row.scroll_into_view_if_needed()
    row.click()
    page.wait_for_selector("[data-testid=log-panel][data-step=s299]")
    page.wait_for_selector("[data-testid=step-details][data-state=succeeded]")
    assert _in_viewport(page, "[data-testid=log-panel]")
    assert _in_viewport(page, "[data-testid=step-details]")
    assert page.evaluate("window.scrollY") > 800  # the row was far down the page, and the log came along
    page.screenshot(path=str(ARTIFACTS / "large-run-page-viewport.png"))

    # A block opens on click to its steps.
    page.locator("[data-testid=timeline-block-b1]").click()
    page.wait_for_selector("[data-testid=timeline-row-s51]")
    assert page.get_attribute("[data-testid=timeline-block-b1]", "aria-expanded") == "true"

    # The for_each step is one lane; its items open under it on click.
    toggle = page.locator("[data-testid=timeline-items-fan]")
    toggle.scroll_into_view_if_needed()
    assert toggle.inner_text().strip().endswith(f"{len(ITEMS)}/{len(ITEMS)}")
    assert page.locator("[data-testid^=timeline-item-fan-]").count() == 0
    toggle.click()
    items = page.locator("[data-testid^=timeline-item-fan-]")
    assert items.count() == len(ITEMS)
    assert all(items.nth(i).get_attribute("data-state") == "succeeded" for i in range(len(ITEMS)))
    assert page.get_attribute("[data-testid=timeline-items-fan]", "aria-expanded") == "true"
    screenshot(page, "large-run-page-items")
    assert page.console_errors == []
