"""The campaign editor with a 500-step graph in Chromium: load, pan, zoom and drag frame times.

    .venv/bin/python -m bench.ui_editor [--steps 500]

Starts a private stack like ``bench/ui_timeline.py`` (build the frontend first), creates a 4-step
campaign (the baseline) and one of --steps steps (25 parallel chains with cross links), opens each
in the editor at 1280×800 and measures: time until every node is on the page (or, with
virtualisation, until the visible ones are), then animation-frame intervals while panning with
the middle button, zooming with the wheel, and dragging one step across the canvas. Ratios are
against the 4-step campaign measured in the same run.
"""

from __future__ import annotations

import argparse
import time

from bench.ui_common import Api, fmt, frames_during, logged_in_page, private_stack, ratio, wait_for_value


def graph_of(n: int) -> dict:
    width = 25
    steps = [
        {
            "id": f"s{i}",
            "name": f"Step {i}",
            "kind": "function",
            "function": "noop",
            "position": {"x": (i // width) * 240, "y": (i % width) * 90},
        }
        for i in range(n)
    ]
    edges = [{"source": f"s{i - width}", "target": f"s{i}"} for i in range(width, n)]
    edges += [{"source": f"s{i - width - 1}", "target": f"s{i}"} for i in range(width + 1, n, 7)]
    return {"steps": steps, "edges": edges}


def measure(page, campaign_id: int) -> dict:
    started = time.monotonic()
    page.goto(f"/campaigns/{campaign_id}/edit")
    page.wait_for_selector(".react-flow__node-step")
    wait_for_value(
        page,
        "() => document.querySelectorAll('.react-flow__node-step:not([style*=\"hidden\"])').length > 0 || null",
    )
    load_s = time.monotonic() - started
    box = page.locator("[data-testid=editor-canvas]").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2

    def pan():
        page.mouse.move(cx, cy)
        page.mouse.down(button="middle")
        for k in range(60):
            page.mouse.move(cx - 4 * k, cy - 2 * k)
        page.mouse.up(button="middle")

    def zoom():
        page.mouse.move(cx, cy)
        for k in range(30):
            page.mouse.wheel(0, -60 if k < 15 else 60)
            page.wait_for_timeout(30)

    def drag():
        node = page.locator(".react-flow__node-step").first.bounding_box()
        x, y = node["x"] + 40, node["y"] + 20
        page.mouse.move(x, y)
        page.mouse.down()
        for k in range(60):
            page.mouse.move(x + 4 * k, y + 3 * k)
        page.mouse.up()

    page.click("[data-testid=tool-fit]")
    page.wait_for_timeout(400)
    return {
        "load_s": load_s,
        "nodes": page.locator(".react-flow__node-step").count(),
        "pan": frames_during(page, 1.5, pan),
        "zoom": frames_during(page, 1.5, zoom),
        "drag": frames_during(page, 1.5, drag),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=500)
    args = parser.parse_args()
    with private_stack() as url:
        api = Api(url)
        small = api.call("POST", "/api/campaigns/", {"name": "Small", "graph": graph_of(4)})["id"]
        big = api.call("POST", "/api/campaigns/", {"name": "Big", "graph": graph_of(args.steps)})["id"]
        with logged_in_page(url) as page:
            small_result = measure(page, small)
            big_result = measure(page, big)
            errors = list(page.console_errors)
    print(f"editor bench: {args.steps} steps against 4, Chromium 1280×800")
    load_ratio = ratio(big_result["load_s"], small_result["load_s"])
    print(
        f"  open the editor: {big_result['load_s'] * 1000:.0f} ms ({load_ratio} the 4-step "
        f"campaign's {small_result['load_s'] * 1000:.0f} ms); {big_result['nodes']} nodes in the DOM after zoom to fit"
    )
    for what in ("pan", "zoom", "drag"):
        print(f"  {what:5s} 4 steps    {fmt(small_result[what])}")
        p95 = ratio(big_result[what]["p95"], small_result[what]["p95"])
        print(f"  {what:5s} {args.steps} steps  {fmt(big_result[what])}   p95 {p95}")
    print(f"  console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    main()
