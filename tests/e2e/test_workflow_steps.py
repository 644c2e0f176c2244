"""Build a campaign of two workflow steps from the palette, launch it, and expand a child run on the run page."""

import re

import pytest

from campaigns_app.models import Campaign, Run
from campaigns_app.services import campaign_create
from tests.conftest import make_user

from .editor_helpers import (
    connect,
    drag_from_palette,
    keep_screenshot,
    login,
    open_editor,
    step_ids,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_workflow_steps_from_the_palette_run_their_children_and_one_expands_in_place(page):
    dora = make_user("dora")
    stage = campaign_create(
        owner=dora,
        name="Stage",
        parameters=[{"name": "who", "type": "string", "default": "x"}],
        graph={
            "steps": [
                {"id": "wait", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0.3}},
                {"id": "say", "kind": "function", "function": "echo", "kwargs": {"who": "{{ params.who }}"}},
            ],
            "edges": [{"source": "wait", "target": "say"}],
        },
    )
    campaign_create(
        owner=dora,
        name="Unrelated",
        graph={"steps": [{"id": "n", "kind": "function", "function": "noop"}], "edges": []},
    )
    login(page, "dora")
    open_editor(page)

    page.click("[data-testid=palette] .palette-search")
    page.keyboard.type("stage")
    item = f"palette-campaign-{stage.pk}"
    page.wait_for_selector(f"[data-testid={item}]")
    assert page.locator("[data-testid=palette-campaigns] .palette-item").count() == 1  # the search narrows it
    drag_from_palette(page, item, 120, 150)
    drag_from_palette(page, item, 420, 150)
    assert step_ids(page) == ["wf", "wf_2"]
    connect(page, "wf", "wf_2")

    page.click("[data-testid=editor-step-wf_2]")
    page.wait_for_selector("[data-testid=workflow-properties]")
    assert page.locator("[data-testid=workflow-campaign]").inner_text() == "Stage"
    page.click("[data-testid=workflow-param-who]")
    page.keyboard.press("Control+A")
    page.keyboard.type("second")
    page.click("[data-testid=campaign-name]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Two stages")
    page.click("[data-testid=editor-save]")
    page.wait_for_url(re.compile(r".*/campaigns/\d+/edit$"))

    parent = Campaign.objects.get(name="Two stages")
    steps = parent.current_version.graph["steps"]
    assert [(s["kind"], s["campaign"], s["version"]) for s in steps] == [("workflow", stage.pk, 1)] * 2
    assert steps[1]["parameters"] == {"who": "second"}

    page.click("[data-testid=editor-launch]")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r".*/runs/\d+$"))
    run = Run.objects.get(campaign=parent)
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]", timeout=30000)
    page.wait_for_selector("[data-testid=child-run-wf_2][data-state=succeeded]", timeout=10000)
    second = Run.objects.get(parent=run, parent_step_id="wf_2")
    assert page.locator(f"[data-testid=child-progress-{second.pk}]").inner_text() == "2/2"
    page.wait_for_selector("[data-testid=step-progress-wf_2]:has-text('2/2')")  # on the node too
    page.click(f"[data-testid=child-toggle-{second.pk}]")
    page.wait_for_selector(f"[data-testid=child-graph-{second.pk}] [data-testid=step-say][data-state=succeeded]")
    assert second.step_runs.get(step_id="say").result == {"who": "second"}
    keep_screenshot(page, "run-page-workflows")

    # The dashboard folds the children under their parent until asked.
    page.goto("/dashboard")
    page.wait_for_selector(f"[data-testid=dash-run-{run.pk}]")
    assert page.locator(f"[data-testid=dash-run-{second.pk}]").count() == 0
    assert page.locator(f"[data-testid=dash-fold-{run.pk}]").inner_text().endswith("2")
    page.click(f"[data-testid=dash-fold-{run.pk}]")
    page.wait_for_selector(f"[data-testid=dash-run-{second.pk}]")
    page.click(f"[data-testid=dash-fold-{run.pk}]")
    page.wait_for_selector(f"[data-testid=dash-run-{second.pk}]", state="detached")
    assert page.console_errors == []
