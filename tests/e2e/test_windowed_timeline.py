"""A 2000-step run page: "Show all" puts 2000 lanes on the page, but only the ones in view are in the DOM;
wheeling down like a person reaches the last step, whose details and log open beside it."""

import pytest

from .conftest import ARTIFACTS
from .large_runs import open_finished_run_of_noops

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = 2000
LANE_PX = 30  # LANE_HEIGHT in Timeline.tsx
HEADER_PX = 56  # the sticky app header covers the top of the viewport


def _visible(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= HEADER_PX and box["y"] + box["height"] <= page.viewport_size["height"]


def _lanes_in_dom(page) -> int:
    return page.locator("[data-testid=timeline] .tl-step").count()


def _wheel_to_the_bottom(page) -> None:
    """Wheel down over the timeline until the page stops scrolling."""
    page.mouse.move(300, 500)
    last = -1
    while page.evaluate("window.scrollY") != last:
        last = page.evaluate("window.scrollY")
        for _ in range(10):
            page.mouse.wheel(0, 2000)
        page.wait_for_timeout(100)


def test_show_all_on_a_2000_step_run_renders_only_the_lanes_in_view(page):
    open_finished_run_of_noops(page, STEPS)

    assert _lanes_in_dom(page) == 40
    page.click("[data-testid=timeline-show-all]")
    assert page.get_attribute("[data-testid=timeline-lanes]", "data-lanes") == str(STEPS)
    # Far fewer lanes in the DOM than steps, but the page is as tall as all of them.
    assert _lanes_in_dom(page) < 100
    assert page.evaluate("document.documentElement.scrollHeight") > STEPS * LANE_PX
    assert page.locator("[data-testid=timeline-row-s1999]").count() == 0

    _wheel_to_the_bottom(page)
    assert page.evaluate("window.scrollY") > (STEPS - 40) * LANE_PX
    last = "[data-testid=timeline-row-s1999]"
    page.wait_for_selector(last)
    assert _visible(page, last)
    assert page.locator(last).inner_text().strip() == "Step 1999"
    assert _lanes_in_dom(page) < 100
    assert page.locator("[data-testid=timeline-row-s0]").count() == 0

    page.click(last)
    page.wait_for_selector("[data-testid=log-panel][data-step=s1999]")
    page.wait_for_selector("[data-testid=step-details][data-state=succeeded]")
    assert "Step 1999" in page.inner_text("[data-testid=step-details]")
    assert _visible(page, "[data-testid=log-panel]")
    assert _visible(page, "[data-testid=step-details]")
    assert page.get_attribute(last, "class").split().count("is-selected") == 1
    page.screenshot(path=str(ARTIFACTS / "windowed-timeline-last-step.png"))

    # The keyboard walks the lanes too: Home goes back to the first lane, scrolling it into view.
    page.focus(last)
    page.keyboard.press("Home")
    page.wait_for_selector("[data-testid=timeline-row-s0]:focus")
    assert _visible(page, "[data-testid=timeline-row-s0]")
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("[data-testid=timeline-row-s1]:focus")
    assert _lanes_in_dom(page) < 100
    page.screenshot(path=str(ARTIFACTS / "windowed-timeline-home.png"))
    assert page.console_errors == []
