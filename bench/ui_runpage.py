"""The run page of a 2000-step run in Chromium: its run graph, and "Show all" against the 40-lane capped view.

    .venv/bin/python -m bench.ui_runpage [--steps 2000] [--repeat 7] [--database-url URL]

Starts a private stack like ``bench/ui_timeline.py`` (build the frontend first), launches a campaign of
--steps independent ``noop`` steps and opens its run page at once, so the page follows the run live:
the main thread's time in long tasks (over 50 ms) from the page's load to the run's end is what the
live updates cost with the run graph present. Then it counts the graph's nodes in the DOM and measures,
--repeat times each, the time from a click on a graph node and on a timeline lane (each selects a step:
the graph, timeline, details and log follow), on "Show all" (every lane; past 200 only those in view are
in the DOM) and on "Show the first 40 lanes" (the capped view, the baseline) to the next frame after it,
then frame intervals while wheeling from the top of the page to the last lane. Ratios are against
the capped view measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bench.ui_common import Api, fmt, frames_during, logged_in_page, private_stack, ratio, wait_for_value

# From a click to React's commit, to the page laid out, and to the next frame painted.
CLICK_TO_FRAME = """async (selector) => {
  const t0 = performance.now();
  document.querySelector(selector).click();
  await Promise.resolve(); // React commits a click's update in a microtask queued before this one
  const rendered = performance.now() - t0;
  void document.body.offsetHeight; // style and layout of the whole page, forced here
  const laidOut = performance.now() - t0;
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return [rendered, laidOut, performance.now() - t0];
}"""
LANES_IN_DOM = "document.querySelectorAll('[data-testid=timeline] .tl-step').length"
GRAPH_NODES_IN_DOM = "document.querySelectorAll('[data-testid=run-graph] .react-flow__node').length"
# Sums the duration of every long task from the page's load on (FRAME_PROBE only counts them).
LONG_TASK_TIME = """
window.__longTaskMs = 0;
try { new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTaskMs += e.duration; })
      .observe({ entryTypes: ['longtask'] }); } catch (e) {}
"""
FIRST_GRAPH_NODE = """() => {
  const node = document.querySelector('[data-testid=run-graph] .react-flow__node');
  return node ? '[data-testid=run-graph] [data-id="' + node.dataset.id + '"]' : null;
}"""
FIRST_LANE = """() => {
  const lane = document.querySelector('[data-testid=timeline] .tl-step');
  return lane ? lane.dataset.testid : null;
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    steps = [{"id": f"s{i}", "name": f"Step {i}", "kind": "function", "function": "noop"} for i in range(args.steps)]
    with private_stack(args.database_url) as url:
        api = Api(url)
        campaign = api.call(
            "POST", "/api/campaigns/", {"name": "Run page bench", "graph": {"steps": steps, "edges": []}}
        )["id"]
        with logged_in_page(url) as page:
            page.add_init_script(LONG_TASK_TIME)
            started = time.monotonic()
            run = api.call("POST", f"/api/campaigns/{campaign}/runs/", {})["id"]
            page.goto(f"/runs/{run}")
            page.wait_for_selector("[data-testid=timeline-show-all]")
            load_s = time.monotonic() - started
            wait_for_value(
                page,
                "() => ['succeeded', 'failed'].includes("
                "document.querySelector('[data-testid=run-state]')?.dataset.state) || null",
                timeout_s=600,
            )
            run_s = time.monotonic() - started
            live_long_ms = page.evaluate("window.__longTaskMs")
            live_load = os.getloadavg()[0]
            page.wait_for_timeout(500)
            graph_nodes = page.evaluate(GRAPH_NODES_IN_DOM)
            capped_lanes = page.evaluate(LANES_IN_DOM)
            node = wait_for_value(page, FIRST_GRAPH_NODE)
            lane = f"[data-testid={wait_for_value(page, FIRST_LANE)}]"
            node_clicks, lane_clicks = [], []
            for _ in range(args.repeat):
                # Each click toggles the selection: odd clicks select the step, even ones clear it.
                node_clicks.append(page.evaluate(CLICK_TO_FRAME, node))
                lane_clicks.append(page.evaluate(CLICK_TO_FRAME, lane))
            graph_nodes_selected = page.evaluate(GRAPH_NODES_IN_DOM)
            show_all, capped = [], []
            for _ in range(args.repeat):
                show_all.append(page.evaluate(CLICK_TO_FRAME, "[data-testid=timeline-show-all]"))
                all_lanes = page.evaluate(LANES_IN_DOM)
                capped.append(page.evaluate(CLICK_TO_FRAME, "[data-testid=timeline-show-fewer]"))
            page.evaluate(CLICK_TO_FRAME, "[data-testid=timeline-show-all]")
            page.mouse.move(300, 500)

            def wheel_to_the_end():
                for _ in range(200):
                    page.mouse.wheel(0, 600)
                    page.wait_for_timeout(16)

            wheeling = frames_during(page, 2, wheel_to_the_end)
            load = os.getloadavg()[0]
            last_shown = wait_for_value(
                page, f"() => document.querySelector('[data-testid=timeline-row-s{args.steps - 1}]') ? true : null"
            )
            lanes_at_end = page.evaluate(LANES_IN_DOM)
            errors = list(page.console_errors)

    def med(samples, part):
        return statistics.median(sample[part] for sample in samples)

    med_all, med_capped = med(show_all, 2), med(capped, 2)
    react_all, react_capped = med(show_all, 0), med(capped, 0)
    layout_all, layout_capped = med(show_all, 1) - react_all, med(capped, 1) - react_capped
    print(f"run page bench: one run of {args.steps} noop steps, Chromium 1280×800")
    print(f"  run to the end, followed live by the run page: {run_s:.1f} s; run page to its timeline: {load_s:.2f} s")
    print(f"  main thread in long tasks while the page followed the run: {live_long_ms:.0f} ms (load {live_load:.1f})")
    print(f"  run graph: {graph_nodes} nodes in the DOM of {args.steps} ({graph_nodes_selected} after the clicks)")
    print(
        f"  click a graph node → frame {med(node_clicks, 2):.1f} ms (React {med(node_clicks, 0):.1f} ms); "
        f"click a timeline lane → frame {med(lane_clicks, 2):.1f} ms (React {med(lane_clicks, 0):.1f} ms)"
    )
    print(
        f"  capped view (baseline): {capped_lanes} lanes in the DOM, "
        f"to the next frame {med_capped:.1f} ms: React {react_capped:.1f} ms, layout {layout_capped:.1f} ms "
        f"(medians of {args.repeat})"
    )
    print(
        f"  Show all: {all_lanes} lanes in the DOM of {args.steps}, to the next frame {med_all:.1f} ms "
        f"({ratio(med_all, med_capped)} capped): React {react_all:.1f} ms ({ratio(react_all, react_capped)}), "
        f"layout {layout_all:.1f} ms ({ratio(layout_all, layout_capped)})"
    )
    print(f"  wheeling to the last lane: {fmt(wheeling)}")
    print(f"    last lane reached: {bool(last_shown)}, {lanes_at_end} lanes in the DOM there")
    print(f"  machine load (1 min) at the end: {load:.1f} on {os.cpu_count()} cores")
    print(f"  console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    main()
