"""A run of many independent steps, finished and shown on its run page, for the large-run browser tests."""

from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user

from .editor_helpers import login


def open_finished_run_of_noops(page, steps: int) -> int:
    """Launch a campaign of ``steps`` independent ``noop`` steps (s0, s1, … named "Step 0", …) as ann, open its
    run page signed in as her and wait until the run has succeeded; returns the run's id."""
    ann = make_user("ann")
    graph = {
        "steps": [{"id": f"s{i}", "name": f"Step {i}", "kind": "function", "function": "noop"} for i in range(steps)],
        "edges": [],
    }
    campaign = campaign_create(owner=ann, name=f"{steps} steps", parameters=[], graph=graph)
    run = run_launch(campaign=campaign, user=ann)
    login(page, "ann", f"/runs/{run.pk}")
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=240000)
    return run.pk
