"""Every page, as a person opens it: logged out and in, light and dark, 1440×900 and 1024×700.

A page fails on any console error, any failed request (network error or HTTP 4xx/5xx), any request to
another host (HPC sites are often air-gapped), and any horizontal overflow. A screenshot of each checked
moment goes to test-artifacts/.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

import pytest

from campaigns_app.models import Run
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user, seed_definition, team_with

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

SIZES = {"wide": (1440, 900), "small": (1024, 700)}
# One unbroken word, as generated names are: the browser cannot wrap it, so only truncation keeps rows whole.
LONG_NAME = "A_campaign_whose_name_goes_on_and_on_" * 5


@pytest.fixture
def world(live_stack):
    pat = make_user("pat")
    team = team_with("Imaging Lab", pat="admin")
    campaign = campaign_create(
        owner=pat, team=team, visibility="team", tags=["demo"], **seed_definition(step_seconds=0.05)
    )
    campaign_create(owner=pat, **seed_definition(step_seconds=0.05, name=LONG_NAME))
    run = run_launch(campaign=campaign, user=pat, parameters={"name": "Campaign A"})
    deadline = time.monotonic() + 30
    while Run.objects.get(pk=run.pk).state not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
    return {"campaign": campaign, "run": run, "team": team}


class Watcher:
    """What a page did that a person (or an air-gapped site) would mind."""

    def __init__(self, page, base: str):
        self.host = urlparse(base).netloc
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        page.on("request", self._request)

    def _failed(self, request):
        # Navigating away aborts requests still under way (the dashboard's feed, a socket): not a fault.
        if request.failure and "ERR_ABORTED" in request.failure:
            return
        self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _response(self, response):
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _request(self, request):
        parsed = urlparse(request.url)
        if parsed.scheme in ("data", "blob", "about"):
            return
        if parsed.netloc != self.host:
            self.problems.append(f"request to another host: {request.url}")

    def take(self) -> list[str]:
        found, self.problems = self.problems, []
        return found


def settle(page, ready: str | None) -> None:
    page.wait_for_load_state("load")
    if ready:
        page.wait_for_selector(ready, timeout=15000)
    page.locator(".page-loading").first.wait_for(state="detached")
    page.wait_for_timeout(400)


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


# Buttons a person could not press: in the viewport, but clipped away or covered by something else at their centre.
HIDDEN_BUTTONS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('button, a.btn, select, input:not([type=hidden]):not([type=file])')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('.swagger-ui, .react-flow__panel, .modal-backdrop, [hidden]')) continue;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    // Below the fold is a scroll away; pushed off to the side (a long name widening a table) is a fault.
    if (y < 0 || y > innerHeight) continue;
    if (x < 0 || x > innerWidth) {
      out.push('off to the side: ' + (el.dataset.testid || el.textContent || el.tagName).trim().slice(0, 40));
      continue;
    }
    const hit = document.elementFromPoint(x, y);
    const label = el.closest('label');
    if (hit && (hit === el || el.contains(hit) || (label && label.contains(hit)))) continue;
    out.push((el.dataset.testid || el.getAttribute('aria-label') || el.textContent || el.tagName).trim().slice(0, 40));
  }
  return out;
}"""


def check(page, watcher: Watcher, name: str, found: dict) -> None:
    screenshot(page, f"pages/{name}")
    problems = watcher.take()
    extra = overflow(page)
    if extra > 0:
        problems.append(f"horizontal overflow of {extra}px")
    hidden = page.evaluate(HIDDEN_BUTTONS)
    if hidden:
        problems.append(f"clipped or covered: {hidden}")
    if problems:
        found[name] = problems


def pages_logged_in(world) -> list[tuple[str, str, str | None]]:
    c, r, t = world["campaign"].pk, world["run"].pk, world["team"].pk
    return [
        ("campaigns", "/campaigns", "[data-testid=campaign-list]"),
        ("editor-new", "/campaigns/new", "[data-testid=palette-fn-sleep]"),
        ("editor", f"/campaigns/{c}/edit", "[data-testid=editor-step-s4]"),
        ("dashboard", "/dashboard", "[data-testid=live-status]"),
        ("runs", "/runs", f"a[href='/runs/{r}']"),
        ("run", f"/runs/{r}", "[data-testid=step-s4]"),
        ("library", "/library", f"[data-testid=library-{c}]"),
        ("template", f"/library/{c}", "[data-testid=template-name]"),
        ("teams", "/teams", None),
        ("team", f"/teams?team={t}", None),
        ("audit", "/audit", None),
        ("account", "/account", None),
        ("not-found", "/no-such-page", None),
        ("api-docs", "/api/docs/", ".swagger-ui .information-container"),
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_loads_cleanly_offline_without_overflow(browser, live_stack, world, theme, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_stack, color_scheme=theme)
    page = context.new_page()
    watcher = Watcher(page, live_stack)
    found: dict[str, list[str]] = {}
    try:
        page.goto("/campaigns")
        page.wait_for_url(re.compile(r".*/login"))
        settle(page, "input[name=username]")
        check(page, watcher, f"{size}-{theme}-logged-out-redirect", found)
        page.goto("/login")
        settle(page, "input[name=username]")
        check(page, watcher, f"{size}-{theme}-login", found)

        page.click("input[name=username]")
        page.keyboard.type("pat")
        page.click("input[name=password]")
        page.keyboard.type("pat-password-1")
        page.keyboard.press("Enter")
        page.wait_for_selector("[data-testid=current-user]")
        assert page.evaluate("document.documentElement.dataset.theme") == theme
        for name, path, ready in pages_logged_in(world):
            page.goto(path)
            settle(page, ready)
            check(page, watcher, f"{size}-{theme}-{name}", found)
    finally:
        context.close()
    assert found == {}, "\n".join(f"{page}: {problems}" for page, problems in found.items())
