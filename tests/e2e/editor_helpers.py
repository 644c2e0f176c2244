"""Driving the campaign editor like a user: drag from the palette, connect handles, use shortcuts."""

from __future__ import annotations

import os
import shutil

from .conftest import ARTIFACTS, screenshot
from .session import login  # noqa: F401 -- the editor tests import it from here with the other helpers

DOCS_SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"


def open_editor(page, campaign_id: int | None = None) -> None:
    page.goto(f"/campaigns/{campaign_id}/edit" if campaign_id else "/campaigns/new")
    page.wait_for_selector("[data-testid=editor-canvas] .react-flow__renderer")
    page.wait_for_selector("[data-testid=palette-fn-sleep]")


def canvas_box(page) -> dict:
    return page.locator("[data-testid=editor-canvas]").bounding_box()


def drag_from_palette(page, item: str, x: float, y: float) -> None:
    """HTML5 drag and drop of a palette item to (x, y) within the canvas."""
    page.drag_and_drop(f"[data-testid={item}]", "[data-testid=editor-canvas]", target_position={"x": x, "y": y})


def connect(page, source: str, target: str) -> None:
    """Drag from the source step's output handle to the target step's input handle."""
    out = page.locator(f"[data-testid=handle-out-{source}]").bounding_box()
    into = page.locator(f"[data-testid=handle-in-{target}]").bounding_box()
    page.mouse.move(out["x"] + out["width"] / 2, out["y"] + out["height"] / 2)
    page.mouse.down()
    steps = 8
    for k in range(1, steps + 1):
        page.mouse.move(
            out["x"] + (into["x"] - out["x"]) * k / steps + out["width"] / 2,
            out["y"] + (into["y"] - out["y"]) * k / steps + out["height"] / 2,
        )
    page.mouse.up()


def step_ids(page) -> list[str]:
    return sorted(page.eval_on_selector_all(".react-flow__node-step", "els => els.map(e => e.dataset.id)"))


def edge_count(page) -> int:
    return page.locator(".react-flow__edge").count()


def edges_settle_at(page, expected: int, timeout_ms: float = 5000) -> int:
    """The edges on the canvas once they show ``expected`` (or the timeout passes), as a person would look.

    React Flow draws an edge a frame after both its nodes are measured: read at once after an undo, the
    nodes are back but their edges not yet (seen once in CI).
    """
    try:
        page.wait_for_function(
            "n => document.querySelectorAll('.react-flow__edge').length === n", arg=expected, timeout=timeout_ms
        )
    except Exception:  # noqa: BLE001 - the count read below is what the assertion reports
        pass
    return edge_count(page)


def press(page, keys: str) -> None:
    """A shortcut, with the focus on the canvas (not in a form field)."""
    page.evaluate("document.activeElement && document.activeElement.blur && document.activeElement.blur()")
    page.keyboard.press(keys)


def keep_screenshot(page, name: str) -> None:
    """A test artifact; with STUDIO_UPDATE_DOC_SCREENSHOTS=1 also copied to docs/screenshots for the README.

    Opt-in, so a plain ``make test`` never leaves the committed pictures modified.
    """
    path = screenshot(page, name)
    if os.environ.get("STUDIO_UPDATE_DOC_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SCREENSHOTS / path.name)


def type_into(page, selector: str, text: str) -> None:
    """Click a field, select what it holds and type over it key by key, as a person does."""
    page.click(selector)
    page.keyboard.press("Control+a")
    if text:
        page.keyboard.type(text, delay=20)
    else:
        page.keyboard.press("Backspace")


def drag_palette_with_mouse(page, item: str, x: float, y: float) -> None:
    """Press on a palette item and move the mouse to (x, y) of the canvas in small steps, then let go."""
    source = page.locator(f"[data-testid={item}]").bounding_box()
    box = canvas_box(page)
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + x, box["y"] + y, steps=12)
    page.mouse.up()


def centre(page, selector: str) -> tuple[float, float]:
    b = page.locator(selector).bounding_box()
    return b["x"] + b["width"] / 2, b["y"] + b["height"] / 2


def mouse_drag(page, selector: str, dx: float, dy: float) -> None:
    """Press on an element, move the mouse in small steps, let go."""
    x, y = centre(page, selector)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=15)
    page.mouse.up()


def overlapping(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )
