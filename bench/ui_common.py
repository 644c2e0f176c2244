"""Shared by the UI benches: a private stack and REST client (stack_common), a logged-in Chromium, frame timing."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import stack_common
from bench.stack_common import PASSWORD, USER, Api  # noqa: F401 - Api re-exported for the UI benches

CHROMIUM = "/usr/bin/chromium"

# Counts every animation frame's interval and every long task, from page load on.
FRAME_PROBE = """
window.__frames = []; window.__longTasks = 0;
(() => {
  let last = performance.now();
  const tick = (t) => { window.__frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  try { new PerformanceObserver((l) => { window.__longTasks += l.getEntries().length; })
        .observe({ entryTypes: ['longtask'] }); } catch (e) {}
})();
"""


@contextmanager
def private_stack(database_url: str | None = None, concurrency: int = 32) -> Iterator[str]:
    """The benches' private stack (stack_common) with one worker and no demo data; yields its URL."""
    with stack_common.private_stack(
        database_url, concurrency=concurrency, reset_database=False, demo_data=False
    ) as stack:
        yield stack.url


@contextmanager
def logged_in_page(base: str, width: int = 1280, height: int = 800):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-background-networking"]
        )
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=base)
        context.add_init_script(FRAME_PROBE)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto("/login")
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=current-user]")
        page.console_errors = errors
        yield page
        browser.close()


def wait_for_value(page, function: str, timeout_s: float = 60.0, every_s: float = 0.1):
    """Poll ``function`` (JavaScript function source) in the page until it returns something other than null.

    Not ``page.wait_for_function``: Playwright builds its predicate with ``new Function``, which the app's
    Content-Security-Policy refuses (no 'unsafe-eval'); ``page.evaluate`` calls the function over the DevTools
    protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(function)
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still null after {timeout_s:.0f} s: {function}")
        page.wait_for_timeout(every_s * 1000)


def frames_during(page, seconds: float, action=None) -> dict:
    """Frame intervals (ms) while ``action`` runs (or for ``seconds`` of idle streaming)."""
    page.evaluate("window.__frames = []; window.__longTasks = 0")
    started = time.monotonic()
    if action:
        action()
    remaining = seconds - (time.monotonic() - started)
    if remaining > 0:
        page.wait_for_timeout(remaining * 1000)
    frames = page.evaluate("window.__frames.slice(1)")
    return summarize(frames) | {"long_tasks": page.evaluate("window.__longTasks")}


def summarize(frames: list[float]) -> dict:
    if not frames:
        return {
            "frames": 0,
            "p50": float("nan"),
            "p95": float("nan"),
            "p99": float("nan"),
            "max": float("nan"),
            "fps": 0.0,
        }
    ordered = sorted(frames)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {
        "frames": len(frames),
        "p50": statistics.median(frames),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": ordered[-1],
        "fps": 1000 * len(frames) / sum(frames),
    }


def first_contentful_paint(page) -> float:
    return page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {startTime: NaN}).startTime")


def fmt(stats: dict) -> str:
    return (
        f"{stats['frames']:5d} frames  p50 {stats['p50']:6.1f} ms  p95 {stats['p95']:6.1f} ms  "
        f"p99 {stats['p99']:6.1f} ms  max {stats['max']:6.1f} ms  ({stats['fps']:.0f} fps, "
        f"{stats.get('long_tasks', 0)} long tasks)"
    )


def ratio(value: float, base: float) -> str:
    return f"×{value / base:.2f}" if base and base == base and value == value else "n/a"
