"""The run page's log panel tails a step's output live; Cancel stops a run and Retry resumes it."""

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.conftest import allow_executables, make_user

from .editor_helpers import login

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = "for i in 1 2 3; do echo line-$i; sleep 0.4; done; echo oops >&2"


def test_the_log_panel_tails_a_step_live(page):
    fay = make_user("fay")
    allow_executables(fay)  # a site admin allowed her executable steps
    campaign = campaign_create(
        owner=fay,
        name="Talker",
        parameters=[],
        graph={
            "steps": [{"id": "talk", "name": "Talk", "kind": "executable", "argv": ["sh", "-c", SCRIPT]}],
            "edges": [],
        },
    )
    run = run_launch(campaign=campaign, user=fay)
    login(page, "fay", f"/runs/{run.pk}")
    page.click("[data-testid=timeline-row-talk]")
    page.wait_for_selector("[data-testid=log-lines]:has-text('line-1')", timeout=15000)
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=15000)
    page.wait_for_selector("[data-testid=log-lines]:has-text('[stderr] oops')")
    text = page.inner_text("[data-testid=log-lines]")
    assert text.count("line-2") == 1 and text.index("line-1") < text.index("line-3")
    assert page.console_errors == []


def test_cancel_then_retry_from_the_run_page(page):
    gus = make_user("gus")
    campaign = campaign_create(
        owner=gus,
        name="Slow",
        parameters=[],
        graph={
            "steps": [
                {"id": "wait", "name": "Wait", "kind": "function", "function": "sleep", "kwargs": {"seconds": 30}},
                {"id": "after", "name": "After", "kind": "function", "function": "noop"},
            ],
            "edges": [{"source": "wait", "target": "after"}],
        },
    )
    run = run_launch(campaign=campaign, user=gus)
    login(page, "gus", f"/runs/{run.pk}")
    page.wait_for_selector("[data-testid=step-wait][data-state=running]", timeout=15000)
    assert page.locator("[data-testid=run-retry]").is_disabled()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=run-cancel]")
    page.wait_for_selector("[data-testid=run-state][data-state=cancelled]", timeout=15000)
    assert page.locator("[data-testid=run-cancel]").is_disabled()

    page.click("[data-testid=run-retry]")
    page.wait_for_selector("[data-testid=run-state][data-state=running]", timeout=15000)
    page.wait_for_selector("[data-testid=step-wait][data-state=running]", timeout=15000)
    assert page.get_attribute("[data-testid=live-status]", "data-status") == "live"
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=run-cancel]")
    page.wait_for_selector("[data-testid=run-state][data-state=cancelled]", timeout=15000)
    assert page.console_errors == []
