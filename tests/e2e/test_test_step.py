"""Testing one step from the editor's properties panel: typed samples, one click, the result shown inline."""

import time

import pytest
from playwright.sync_api import expect

from campaigns_app.demo import SEED_PARAMETERS
from campaigns_app.models import Campaign, Run
from campaigns_app.services import campaign_create
from tests.conftest import make_user

from .conftest import screenshot
from .editor_helpers import login, open_editor, type_into

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def campaign(live_stack):
    graph = {
        "steps": [
            {"id": "s1", "name": "Make", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0.05}},
            {
                "id": "s2",
                "name": "Report",
                "kind": "function",
                "function": "echo",
                "kwargs": {"got": "{{ steps.s1.result }}", "who": "{{ params.name }}"},
                "position": {"x": 260, "y": 0},
            },
        ],
        "edges": [{"source": "s1", "target": "s2"}],
    }
    return campaign_create(owner=make_user("tess"), name="Probe", parameters=SEED_PARAMETERS, graph=graph)


def test_a_step_tested_with_typed_samples_shows_its_result_and_saves_nothing(page, campaign):
    login(page, "tess")
    open_editor(page, campaign.pk)
    page.click("[data-testid=editor-step-s2]")
    upstream = page.locator("[data-testid=test-upstream-s1]")
    upstream.scroll_into_view_if_needed()
    type_into(page, "[data-testid=test-upstream-s1]", "41.5")
    type_into(page, "[data-testid=test-param-name]", "Tried by hand")
    button = page.get_by_role("button", name="Test this step")
    expect(button).to_be_visible()
    button.click()
    result = page.locator("[data-testid=test-step-result]")
    expect(result).to_be_visible(timeout=30000)
    expect(result).to_contain_text('"got": 41.5')
    expect(result).to_contain_text('"who": "Tried by hand"')
    expect(page.locator("[data-testid=test-step-state]")).to_have_text("succeeded")
    result.scroll_into_view_if_needed()
    assert result.evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }")
    screenshot(page, "test-step-result")
    assert Campaign.objects.get(pk=campaign.pk).version == 1
    assert list(Run.objects.values_list("kind", flat=True)) == ["test"]
    assert page.console_errors == []


def test_the_samples_start_from_the_last_runs_results_and_render_into_the_tested_step(page, campaign):
    from campaigns_app.services import run_launch

    tess = campaign.owner
    first = run_launch(campaign=campaign, user=tess, parameters={"name": "Last time"})
    deadline = time.monotonic() + 60
    while Run.objects.get(pk=first.pk).state != "succeeded":
        assert time.monotonic() < deadline, "the first run did not finish"
        time.sleep(0.2)

    login(page, "tess")
    open_editor(page, campaign.pk)
    page.click("[data-testid=editor-step-s2]")
    upstream = page.locator("[data-testid=test-upstream-s1]")
    upstream.scroll_into_view_if_needed()
    # s1 slept 0.05 s and returned it: that result, and the run's parameters, are the samples.
    expect(upstream).to_have_value("0.05")
    expect(page.locator("[data-testid=test-param-name]")).to_have_value("Last time")
    page.get_by_role("button", name="Test this step").click()
    result = page.locator("[data-testid=test-step-result]")
    expect(result).to_be_visible(timeout=30000)
    expect(result).to_contain_text('"got": 0.05')
    expect(result).to_contain_text('"who": "Last time"')
    screenshot(page, "test-step-from-last-run")
    assert sorted(Run.objects.values_list("kind", flat=True)) == ["campaign", "test"]
    assert Campaign.objects.get(pk=campaign.pk).version == 1
    assert page.console_errors == []


def test_run_this_step_from_the_right_click_menu_tests_it_in_its_panel(page, campaign):
    login(page, "tess")
    open_editor(page, campaign.pk)
    # The properties panel is collapsed: the menu entry must open it to show what the test did.
    page.click("[data-testid=panel-collapse]")
    expect(page.locator("[data-testid=test-step]")).to_have_count(0)

    box = page.locator("[data-testid=editor-step-s1]").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, button="right")
    entry = page.locator("[data-testid=menu-test]")
    expect(entry).to_be_visible()
    expect(entry).to_have_text("Run this step (test)")
    screenshot(page, "context-menu-run-this-step")
    entry.click()

    result = page.locator("[data-testid=test-step-result]")
    expect(result).to_be_visible(timeout=30000)
    expect(page.locator("[data-testid=test-step-state]")).to_have_text("succeeded")
    # sleep returns the seconds it slept: the step ran as saved, with nothing typed.
    expect(result).to_have_text("0.05")
    assert result.evaluate("e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }")
    screenshot(page, "test-step-from-menu")
    assert list(Run.objects.values_list("kind", flat=True)) == ["test"]
    assert Campaign.objects.get(pk=campaign.pk).version == 1
    assert page.console_errors == []
