"""Issue 11's list and page defects as a person meets them: long names, version labels, glyphs, state colours.

Each check is of what is on screen (in the viewport, not covered, the colour painted), at 1024x700.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from campaigns_app.services import campaign_create, campaign_fork, run_launch
from tests.conftest import make_user, seed_definition, team_with

from .conftest import screenshot
from .editor_helpers import login, open_editor

pytestmark = pytest.mark.django_db(transaction=True)

# One word, so the browser cannot wrap it: a generated name as scripts make them.
LONG_NAME = "Segmentation_of_the_whole_brain_" * 6
# Glyphs the page's font does not ship: they come out as boxes or in a fallback font (icons are SVG).
FOREIGN_GLYPHS = ("⑂", "🚀", "↶", "↷", "⚠")

# Whether a person can see and press el: inside the viewport and the topmost element at its centre.
PRESSABLE = """el => {
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height) return 'has no size';
  if (r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight)
    return `outside the viewport: ${Math.round(r.left)}..${Math.round(r.right)} of ${innerWidth}`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit && (hit === el || el.contains(hit)) ? 'ok' : `covered by ${hit && hit.outerHTML.slice(0, 80)}`;
}"""


def pressable(page, selector: str) -> str:
    return page.locator(selector).evaluate(PRESSABLE)


def brightness(css_colour: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_colour)[:3])
    return (r + g + b) / 3


@pytest.fixture
def lab(live_stack):
    pat = make_user("pat")
    team = team_with("Imaging Lab", pat="admin")
    long = campaign_create(
        owner=pat, team=team, visibility="team", **seed_definition(step_seconds=0.05, name=LONG_NAME)
    )
    short = campaign_create(owner=pat, **seed_definition(step_seconds=0.05))
    # The dashboard's campaign filter lists the campaigns of the runs it shows.
    run_launch(campaign=long, user=pat, parameters={"name": "Long"})
    return {"pat": pat, "long": long, "short": short}


def test_a_long_name_is_cut_with_its_whole_text_in_the_title_and_every_rows_buttons_stay_pressable(page, lab):
    page.set_viewport_size({"width": 1024, "height": 700})
    long, short = lab["long"].pk, lab["short"].pk
    login(page, "pat", "/campaigns")
    page.wait_for_selector(f"[data-testid=edit-{long}]")
    screenshot(page, "defect-05-campaigns-long-name")
    for c in (long, short):
        for button in (f"edit-{c}", f"launch-{c}"):
            assert pressable(page, f"[data-testid={button}]") == "ok", f"Campaigns: {button}"
    cut = page.locator(f"[data-testid=campaign-list] [title='{LONG_NAME}']").first
    assert cut.is_visible() and cut.evaluate("e => getComputedStyle(e).textOverflow") == "ellipsis"
    assert cut.bounding_box()["width"] < 500

    page.goto("/library")
    page.wait_for_selector(f"[data-testid=fork-{long}]")
    screenshot(page, "defect-05-library-long-name")
    for c in (long, short):
        for button in (f"share-{c}", f"fork-{c}", f"library-launch-{c}"):
            assert pressable(page, f"[data-testid={button}]") == "ok", f"Library: {button}"
    # The team badge shows the team's name as it was written.
    assert page.inner_text(f"[data-testid=visibility-badge-{long}]") == "team Imaging Lab"

    page.goto("/dashboard")
    select = page.locator("[data-testid=dash-campaign-filter]")
    select.wait_for()
    assert select.bounding_box()["width"] <= 300
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0

    page.goto(f"/library/{long}")
    page.wait_for_selector("[data-testid=template-fork]")
    screenshot(page, "defect-05-template-long-name")
    assert pressable(page, "[data-testid=template-fork]") == "ok"
    assert page.get_attribute("[data-testid=template-name]", "title") == LONG_NAME
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert page.console_errors == []


def test_labels_read_as_words_in_the_teams_own_case_with_icons_that_need_no_missing_font(page, lab):
    page.set_viewport_size({"width": 1024, "height": 700})
    fork = campaign_fork(campaign=lab["short"], user=lab["pat"])
    faults = []
    login(page, "pat", f"/library/{lab['short'].pk}")
    row = page.locator("[data-testid=version-1]")
    row.wait_for()
    # "v1" and the "current" badge stand apart on screen, not as "v1current".
    gap = row.locator("td").first.evaluate(
        """td => {
          const badge = td.querySelector('.badge');
          const range = document.createRange();
          range.setStartBefore(td.firstChild);
          range.setEndBefore(badge);
          return badge.getBoundingClientRect().left - range.getBoundingClientRect().right;
        }"""
    )
    if gap < 4:
        faults.append(f"'v1' and 'current' {gap:.1f}px apart")
    # With one version there is nothing to compare: no "Changes from v1 to v1".
    if "Changes from v1 to v1" in page.inner_text("[data-testid=template-page]"):
        faults.append("heading 'Changes from v1 to v1'")
    screenshot(page, "defect-12-version-labels")

    page.goto("/library")
    lineage = page.locator(f"[data-testid=lineage-{fork.pk}]")
    lineage.wait_for()
    if lineage.locator("svg").count() != 1:
        faults.append(f"lineage without its SVG icon: {lineage.inner_text()!r}")
    badge = page.inner_text(f"[data-testid=visibility-badge-{lab['long'].pk}]")
    if badge != "team Imaging Lab":
        faults.append(f"team badge reads {badge!r}")
    shown = {"library": page.inner_text("body")}
    open_editor(page, lab["short"].pk)
    shown["editor"] = page.inner_text("body")
    screenshot(page, "defect-12-editor-icons")
    faults += [f"{where} shows {g!r}" for where, text in shown.items() for g in FOREIGN_GLYPHS if g in text]
    assert faults == [], "; ".join(faults)
    assert page.console_errors == []


def test_cancelled_and_skipped_look_different_the_live_badge_is_dark_and_cancel_requested_goes(page, live_stack):
    gus = make_user("gus")
    campaign = campaign_create(
        owner=gus,
        name="Mixed ends",
        parameters=[],
        graph={
            "steps": [
                {"id": "wait", "name": "Wait", "kind": "function", "function": "sleep", "kwargs": {"seconds": 30}},
                {"id": "bad", "name": "Bad", "kind": "function", "function": "fail", "kwargs": {"message": "no"}},
                {"id": "later", "name": "Later", "kind": "function", "function": "noop"},
            ],
            "edges": [{"source": "bad", "target": "later"}],
        },
    )
    run = run_launch(campaign=campaign, user=gus)
    faults = []
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1024, "height": 700})
    login(page, "gus", f"/runs/{run.pk}")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.wait_for_selector("[data-testid=step-later][data-state=skipped]", timeout=20000)
    page.wait_for_selector("[data-testid=step-wait][data-state=running]", timeout=20000)
    page.wait_for_selector("[data-testid=live-status][data-status=live]")
    live = page.locator("[data-testid=live-status]").evaluate("e => getComputedStyle(e).backgroundColor")
    if brightness(live) > 100:
        faults.append(f"live badge background {live} in dark mode")
    screenshot(page, "defect-12-live-badge-dark")

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=run-cancel]")
    page.wait_for_selector("[data-testid=step-wait][data-state=cancelled]", timeout=20000)
    page.wait_for_selector("[data-testid=run-state][data-state=cancelled], [data-testid=run-state][data-state=failed]")
    # The run has ended: "Cancel requested." is old news and goes.
    try:
        expect(page.get_by_text("Cancel requested.")).to_have_count(0)
    except AssertionError:
        faults.append("'Cancel requested.' still shown after the run ended")

    def painted(step: str) -> str:
        return page.locator(f"[data-testid=step-{step}]").evaluate("e => getComputedStyle(e).backgroundColor")

    if painted("wait") == painted("later"):
        faults.append(f"cancelled and skipped both painted {painted('wait')}")
    screenshot(page, "defect-12-cancelled-and-skipped")
    assert faults == [], "; ".join(faults)
    assert page.console_errors == []


def test_an_imported_graph_is_laid_out_by_dependency(page, live_stack, tmp_path):
    make_user("ivy")
    # Listed against their order, without positions, as a script would write the file.
    steps = [{"id": i, "name": i.upper(), "kind": "function", "function": "noop"} for i in ("d", "c", "e", "b", "a")]
    edges = [{"source": s, "target": t} for s, t in (("a", "b"), ("b", "c"), ("c", "d"), ("a", "e"))]
    path = tmp_path / "scripted.json"
    path.write_text(
        json.dumps({"format": "asyncflow-campaign", "name": "Scripted", "graph": {"steps": steps, "edges": edges}})
    )
    login(page, "ivy")
    open_editor(page)
    page.set_input_files("[data-testid=import-file]", str(path))
    page.wait_for_selector("[data-testid=editor-step-d]")
    screenshot(page, "defect-12-import-layout")

    def centres() -> dict[str, float]:
        boxes = {i: page.locator(f"[data-testid=editor-step-{i}]").bounding_box() for i in "abcde"}
        return {i: box["x"] + box["width"] / 2 for i, box in boxes.items()}

    # What a person reads once the canvas has settled (the nodes are measured and the view fitted after the
    # first paint), not a frame in between.
    x, previous = centres(), None
    for _ in range(20):
        if x == previous:
            break
        page.wait_for_timeout(100)
        x, previous = centres(), x
    # Each step right of what it waits for; b and e (both after a) in one column, well within a column's gap.
    assert x["a"] < x["b"] < x["c"] < x["d"], x
    assert abs(x["b"] - x["e"]) < 0.1 * (x["b"] - x["a"]), x
    assert page.console_errors == []


def started_shown(page) -> str:
    return re.search(r"Started\s+(.*?)\s+Finished", page.inner_text(".run-times"), re.S).group(1)


def test_after_a_retry_the_run_page_and_the_runs_list_tell_the_same_start_and_duration(page, live_stack):
    from campaigns_app.models import Run
    from campaigns_app.services import run_retry

    hal = make_user("hal")
    campaign = campaign_create(
        owner=hal,
        name="Flaky",
        parameters=[],
        graph={
            "steps": [{"id": "s1", "name": "Flaky", "kind": "function", "function": "fail", "kwargs": {"times": 1}}]
        },
    )
    run = run_launch(campaign=campaign, user=hal)
    login(page, "hal", f"/runs/{run.pk}")
    page.wait_for_selector("[data-testid=run-state][data-state=failed]", timeout=20000)
    first_start = started_shown(page)
    # The retry comes a few seconds after the first attempt, as a person's would.
    page.wait_for_timeout(2500)
    run_retry(run_id=run.pk, user=hal)
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=20000)
    assert Run.objects.get(pk=run.pk).state == "succeeded"
    page.reload()
    page.wait_for_selector("[data-testid=run-duration]")
    run_page = {"started": started_shown(page), "duration": page.inner_text("[data-testid=run-duration]")}
    screenshot(page, "defect-07-run-page-after-retry")

    page.goto("/runs")
    row = page.locator(f"tr:has(a[href='/runs/{run.pk}'])")
    row.wait_for()
    headers = [h.strip() for h in page.locator("table thead th").all_text_contents()]
    cells = row.locator("td").all_inner_texts()
    listed = {"started": cells[headers.index("Started")].strip(), "duration": cells[headers.index("Duration")].strip()}
    screenshot(page, "defect-07-runs-list-after-retry")
    # One meaning everywhere: the run's first start, and the wall time from it to the retry's end.
    assert run_page == listed and listed["started"] == first_start
    assert page.console_errors == []
