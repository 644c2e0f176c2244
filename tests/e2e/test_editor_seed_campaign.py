"""Build the seed campaign from an empty canvas, launch A, B and C, watch all twelve steps succeed on the dashboard."""

import re

import pytest
from playwright.sync_api import expect

from campaigns_app.models import Campaign, Run
from tests.conftest import make_user

from .editor_helpers import (
    canvas_box,
    connect,
    drag_from_palette,
    edges_settle_at,
    keep_screenshot,
    login,
    open_editor,
    step_ids,
    type_into,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_build_the_seed_campaign_by_drag_and_drop_and_watch_three_instances_on_the_dashboard(page):
    make_user("dora")
    login(page, "dora")
    open_editor(page)
    assert page.locator("[data-testid=canvas-empty]").is_visible()

    box = canvas_box(page)
    for k in range(4):
        drag_from_palette(page, "palette-fn-sleep", 90 + k * 150, 120 + (k % 2) * 110)
    assert step_ids(page) == ["sleep", "sleep_2", "sleep_3", "sleep_4"]
    assert box["width"] > 500

    for k, step in enumerate(["sleep", "sleep_2", "sleep_3", "sleep_4"], start=1):
        page.click(f"[data-testid=editor-step-{step}]")
        page.wait_for_selector(f"[data-testid=step-properties][data-step={step}]")
        type_into(page, "[data-testid=step-name]", f"Step {k}")
        type_into(page, "[data-testid=kwarg-seconds]", "0.5")
    for source, target in (("sleep", "sleep_2"), ("sleep_2", "sleep_3"), ("sleep_3", "sleep_4")):
        connect(page, source, target)
    assert edges_settle_at(page, 3) == 3

    page.click("[data-testid=panel-tab-parameters]")
    page.click("[data-testid=param-add]")
    page.fill("[data-testid=param-name-0]", "name")
    page.fill("[data-testid=param-default-0]", "Campaign A")
    page.fill("[data-testid=param-description-0]", "Campaign name shown in logs")
    type_into(page, "[data-testid=campaign-name]", "Seed from scratch")
    page.click("[data-testid=tool-layout]")
    assert page.locator("[data-testid=unsaved]").is_visible()

    page.click("[data-testid=editor-save]")
    page.wait_for_url(re.compile(r".*/campaigns/\d+/edit$"))
    page.wait_for_selector("[data-testid=editor-version]:has-text('v1')")
    assert page.locator("[data-testid=unsaved]").count() == 0
    page.click("[data-testid=editor-step-sleep_2]")
    page.wait_for_selector("[data-testid=step-properties][data-step=sleep_2]")
    keep_screenshot(page, "editor")

    campaign = Campaign.objects.get(name="Seed from scratch")
    graph = campaign.current_version.graph
    assert [(s["id"], s["name"], s["function"], s["kwargs"]) for s in graph["steps"]] == [
        (f"sleep{suffix}", f"Step {k}", "sleep", {"seconds": 0.5})
        for k, suffix in enumerate(["", "_2", "_3", "_4"], start=1)
    ]
    assert graph["edges"] == [
        {"source": "sleep", "target": "sleep_2"},
        {"source": "sleep_2", "target": "sleep_3"},
        {"source": "sleep_3", "target": "sleep_4"},
    ]
    assert campaign.current_version.parameters[0]["name"] == "name"

    page.click("[data-testid=editor-launch]")
    page.click("[data-testid=instances-mode-lines]")
    page.select_option("[data-testid=instances-parameter]", "name")
    page.fill("[data-testid=instances-lines]", "Campaign A\nCampaign B\nCampaign C")
    page.click("[data-testid=launch-submit]")
    page.wait_for_url(re.compile(r".*/dashboard\?batch=\d+"))

    runs = list(Run.objects.filter(campaign=campaign).order_by("pk"))
    assert [r.parameters["name"] for r in runs] == ["Campaign A", "Campaign B", "Campaign C"]
    # Live states on the timeline, not only the end result.
    page.wait_for_selector("[data-testid=step-count-running]", timeout=15000)
    for run in runs:
        page.wait_for_selector(
            f"[data-testid=dash-run-{run.pk}][data-steps='succeeded,succeeded,succeeded,succeeded']", timeout=20000
        )
    page.wait_for_selector("[data-testid=step-count-succeeded][data-count='12']")
    assert page.get_attribute("[data-testid=count-succeeded]", "data-count") == "3"
    assert page.locator(f"[data-testid=dash-batch-{runs[0].batch_id}]").is_visible()
    assert int(page.get_attribute("[data-testid=dashboard-canvas]", "data-bars")) >= 12
    # Once every run has ended the backend's counts say so too, well before its 10 s refresh.
    expect(page.get_by_test_id("backend-thread")).to_contain_text("queued 0 · running 0", timeout=5000)
    keep_screenshot(page, "dashboard")

    page.click(f"[data-testid=dash-run-link-{runs[1].pk}]")
    page.wait_for_selector("[data-testid=run-state][data-state=succeeded]")
    page.click("[data-testid=timeline-row-sleep_2]")
    page.wait_for_selector("[data-testid=log-panel][data-step=sleep_2]")
    page.wait_for_selector("[data-testid=step-sleep_4][data-state=succeeded]")
    expect(page.get_by_test_id("log-lines")).not_to_have_text(re.compile(r"^Loading"))
    assert page.locator("[data-testid=run-cancel]").is_disabled()
    keep_screenshot(page, "run-page")
    assert page.console_errors == []
