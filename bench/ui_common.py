"""Shared by the UI benches: a private stack (like the browser tests' fixture), a logged-in Chromium, frame timing."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from scripts.stack import celery_worker_argv, ensure_redis, free_port, terminate, wait_for_http  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
USER, PASSWORD = "bench", "bench-password-1"

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
def private_stack(database_url: str | None = None, concurrency: int = 32):
    """Redis (embedded), a migrated database, a Celery worker and daphne, all private to this process."""
    tmp = Path(tempfile.mkdtemp(prefix="asyncflow-bench-"))
    redis_url, redis_proc = ensure_redis(None, log_path=tmp / "redis.log")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DATABASE_URL=database_url or f"sqlite:///{tmp / 'bench.sqlite3'}",
        REDIS_URL=redis_url,
        STUDIO_VAR_DIR=str(tmp),
        STUDIO_CHANNEL_PREFIX=f"bench-{uuid.uuid4().hex[:6]}",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
    )
    procs: list[subprocess.Popen] = []
    try:
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=REPO, env=env, check=True)
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model as g; "
                f"g().objects.filter(username='{USER}').exists() or "
                f"g().objects.create_user('{USER}', password='{PASSWORD}')",
            ],
            cwd=REPO,
            env=env,
            check=True,
        )
        worker_log = open(tmp / "worker.log", "w")
        worker = subprocess.Popen(
            celery_worker_argv(
                queues="thread,studio",
                concurrency=concurrency,
                name=f"bench-{uuid.uuid4().hex[:6]}@%h",
                loglevel="warning",
            ),
            cwd=REPO,
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(worker)
        port = free_port()
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "asyncflow_site.asgi:application"],
            cwd=REPO,
            env=env,
            stdout=open(tmp / "daphne.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        procs.append(daphne)
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/api/auth/me/", timeout=60, procs={"daphne": daphne, "worker": worker})
        yield url
    finally:
        terminate(procs)
        if redis_proc is not None:
            terminate([redis_proc])


class Api:
    def __init__(self, base: str):
        self.base = base
        credentials = {"username": USER, "password": PASSWORD}
        self.token = self.call("POST", "/api/auth/token/", credentials, auth=False)["token"]

    def call(self, method: str, path: str, body=None, auth: bool = True):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = f"Token {self.token}"
        request = urllib.request.Request(
            self.base + path,
            method=method,
            headers=headers,
            data=json.dumps(body).encode() if body is not None else None,
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            data = response.read()
            return json.loads(data) if data else None


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
