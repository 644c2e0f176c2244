"""The campaigns dashboard with 1000 runs × 4 steps in Chromium: time to first paint, frame times while events stream.

    .venv/bin/python -m bench.ui_timeline [--runs 1000] [--step-seconds 0.5] [--seconds 10] [--database-url URL]

Starts a private stack (embedded Redis, a fresh SQLite database unless --database-url, a Celery
worker with 32 threads, daphne serving frontend/dist — run ``npm run build:bench`` first: only that
build measures itself), creates a campaign of four chained sleeps and launches --runs instances of
it. Measured in headless Debian Chromium at 1280×800:

- baseline: the empty dashboard (first contentful paint, idle frame intervals);
- load: first contentful paint and the first canvas paint with bars, with every run in the feed;
- streaming: animation-frame intervals, canvas draw times and events received while the worker
  runs the steps (about 3 events per step);
- scrolling: frame intervals while scrolling through every row as events keep arriving.

Ratios are against the baseline measured in the same run. A frame interval near 16.7 ms is 60 fps.
"""

from __future__ import annotations

import argparse
import math
import time

from bench.ui_common import (
    Api,
    first_contentful_paint,
    fmt,
    frames_during,
    logged_in_page,
    private_stack,
    ratio,
    summarize,
    wait_for_value,
)
from campaigns_app.demo import seed_graph


def seed_campaign(api: Api, step_seconds: float) -> int:
    """The demo's seed campaign (four chained sleeps) under a name of the bench's own."""
    body = {
        "name": "Timeline bench",
        "parameters": [{"name": "name", "type": "string", "default": "x"}],
        "graph": seed_graph(step_seconds),
    }
    return api.call("POST", "/api/campaigns/", body)["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--step-seconds", type=float, default=0.5)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to sample frames while streaming")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    with private_stack(args.database_url) as url:
        api = Api(url)
        campaign = seed_campaign(api, args.step_seconds)
        with logged_in_page(url) as page:
            page.goto("/dashboard")
            page.wait_for_selector("[data-testid=dashboard-empty]")
            base_fcp = first_contentful_paint(page)
            base_frames = frames_during(page, 3)

            started = time.monotonic()
            for k in range(math.ceil(args.runs / 1000)):
                count = min(1000, args.runs - 1000 * k)
                api.call(
                    "POST",
                    f"/api/campaigns/{campaign}/runs/",
                    {"instances": [{"parameters": {"name": f"run {1000 * k + i}"}} for i in range(count)]},
                )
            launch_s = time.monotonic() - started

            page.goto("/dashboard")
            try:
                wait_for_value(page, "() => (window.__dashPerf ? true : null)", timeout_s=15)
            except TimeoutError:
                raise SystemExit("no window.__dashPerf: build frontend/dist with `npm run build:bench`") from None
            data_paint = wait_for_value(page, "() => window.__dashPerf.firstDataPaint ?? null")
            load_fcp = first_contentful_paint(page)
            rows = int(page.get_attribute("[data-testid=dashboard-timeline]", "data-rows"))

            events_before = page.evaluate("window.__dashPerf.events")
            page.evaluate("window.__dashPerf.draws = []")
            streaming = frames_during(page, args.seconds)
            events = page.evaluate("window.__dashPerf.events") - events_before
            draws = summarize(page.evaluate("window.__dashPerf.draws"))

            scroller = page.locator(".dash-scroll")
            box = scroller.bounding_box()
            page.mouse.move(box["x"] + 150, box["y"] + box["height"] / 2)

            def scroll_all():
                for _ in range(60):
                    page.mouse.wheel(0, rows * 22 / 60)
                    page.wait_for_timeout(40)

            scrolling = frames_during(page, 3, scroll_all)
            counts = {
                s: page.get_attribute(f"[data-testid=count-{s}]", "data-count")
                for s in ("queued", "running", "succeeded", "failed")
            }
            errors = list(page.console_errors)

    print(f"dashboard timeline bench: {args.runs} runs × 4 steps of {args.step_seconds} s, Chromium 1280×800")
    print(f"  launch of {args.runs} runs over the API: {launch_s:.2f} s; rows on the timeline: {rows}")
    print(f"  baseline (empty dashboard): first contentful paint {base_fcp:.0f} ms")
    print(f"    idle frames           {fmt(base_frames)}")
    print(
        f"  loaded: first contentful paint {load_fcp:.0f} ms ({ratio(load_fcp, base_fcp)}), "
        f"first paint of the bars {data_paint:.0f} ms after navigation"
    )
    print(f"  while events stream ({events} events in {args.seconds:.0f} s, {events / args.seconds:.0f}/s):")
    print(f"    frames                {fmt(streaming)}   p95 {ratio(streaming['p95'], base_frames['p95'])} baseline")
    print(
        f"    canvas draw per frame p50 {draws['p50']:.2f} ms  p95 {draws['p95']:.2f} ms  max {draws['max']:.2f} ms "
        f"({draws['frames']} draws)"
    )
    print("  scrolling through all rows while streaming:")
    print(f"    frames                {fmt(scrolling)}   p95 {ratio(scrolling['p95'], base_frames['p95'])} baseline")
    print(f"  run counts at the end: {counts}")
    print(f"  console errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


if __name__ == "__main__":
    main()
