"""The run graph of a 2000-step run: only the nodes in view are in the DOM, it opens readable at the first
steps, a click on a node there selects its lane and log, a lane selected far down brings its node into view,
and dragging the graph or fitting it shows other steps."""

import pytest

from .conftest import ARTIFACTS
from .large_runs import open_finished_run_of_noops

pytestmark = pytest.mark.django_db(transaction=True)

STEPS = 2000
FEW = 60  # far fewer than the steps: what is in view, with some to spare
GRAPH = "[data-testid=run-graph]"


def _graph_nodes_in_dom(page) -> list[str]:
    return page.eval_on_selector_all(f"{GRAPH} .react-flow__node", "nodes => nodes.map(n => n.dataset.id)")


def _inside_graph(page, step: str) -> bool:
    """The step's node is drawn whole inside the graph's pane, at a size its name can be read at."""
    node = page.locator(f"[data-testid=step-{step}]")
    if node.count() == 0:
        return False
    pane, box = page.locator(GRAPH).bounding_box(), node.bounding_box()
    return (
        box is not None
        and box["width"] >= 100
        and pane["x"] <= box["x"]
        and box["x"] + box["width"] <= pane["x"] + pane["width"]
        and pane["y"] <= box["y"]
        and box["y"] + box["height"] <= pane["y"] + pane["height"]
    )


def test_a_2000_step_run_graph_draws_only_the_steps_in_view_and_follows_the_selection(page):
    open_finished_run_of_noops(page, STEPS)

    page.wait_for_selector("[data-testid=step-s0]")
    assert len(_graph_nodes_in_dom(page)) < FEW
    assert _inside_graph(page, "s0")
    assert page.locator("[data-testid=step-s0]").inner_text().startswith("Step 0")
    assert "2000 steps" in page.inner_text("[data-testid=run-graph-large]")
    page.screenshot(path=str(ARTIFACTS / "large-run-graph-opened.png"))

    page.click("[data-testid=step-s0]")
    page.wait_for_selector("[data-testid=log-panel][data-step=s0]")
    page.wait_for_selector("[data-testid=timeline-row-s0].is-selected")
    assert "Step 0" in page.inner_text("[data-testid=step-details]")
    assert "is-selected" in page.get_attribute("[data-testid=step-s0]", "class")

    # A lane chosen far down the timeline: its node, never drawn so far, comes into the graph's view.
    page.click("[data-testid=timeline-show-all]")
    page.mouse.move(300, 500)
    for _ in range(60):
        page.mouse.wheel(0, 2000)
    page.wait_for_selector("[data-testid=timeline-row-s1999]")
    assert "s1999" not in _graph_nodes_in_dom(page)
    page.click("[data-testid=timeline-row-s1999]")
    page.wait_for_selector("[data-testid=log-panel][data-step=s1999]")
    page.wait_for_selector("[data-testid=step-s1999].is-selected")
    assert _inside_graph(page, "s1999")
    assert "s0" not in _graph_nodes_in_dom(page)
    assert len(_graph_nodes_in_dom(page)) < FEW

    # Back at the top of the page, a drag of the graph shows the steps above s1999 and drops it from the DOM.
    page.keyboard.press("Control+Home")
    page.evaluate("window.scrollTo(0, 0)")
    pane = page.locator(GRAPH).bounding_box()
    x, y = pane["x"] + pane["width"] - 60, pane["y"] + 40
    for _ in range(3):
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x, y + pane["height"] - 60, steps=8)
        page.mouse.up()
    page.wait_for_selector("[data-testid=step-s1990]")
    assert _inside_graph(page, "s1990")
    assert "s1999" not in _graph_nodes_in_dom(page)
    assert len(_graph_nodes_in_dom(page)) < FEW
    page.screenshot(path=str(ARTIFACTS / "large-run-graph-dragged.png"))

    # Fitting the whole graph shows its middle steps, still only those in view.
    page.click(f"{GRAPH} .react-flow__controls-fitview")
    page.wait_for_selector("[data-testid=step-s1000]")
    assert "s1990" not in _graph_nodes_in_dom(page)
    assert len(_graph_nodes_in_dom(page)) < FEW
    page.screenshot(path=str(ARTIFACTS / "large-run-graph-fitted.png"))
    assert page.console_errors == []
