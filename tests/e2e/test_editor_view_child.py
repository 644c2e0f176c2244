"""A workflow step opens its child campaign read-only, with a way on to edit it."""

import pytest

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition

from .conftest import screenshot
from .editor_helpers import login, open_editor, press, step_ids

pytestmark = pytest.mark.django_db(transaction=True)


def test_workflow_step_opens_its_child_read_only_then_edit(page, live_stack):
    erin = make_user("erin")
    child = campaign_create(owner=erin, **seed_definition(step_seconds=0.1, name="Child"))
    parent = campaign_create(
        owner=erin,
        name="Parent",
        parameters=[],
        graph={
            "steps": [
                {
                    "id": "sim",
                    "name": "Simulate",
                    "kind": "workflow",
                    "campaign": child.pk,
                    "parameters": {},
                    "position": {"x": 0, "y": 0},
                }
            ],
            "edges": [],
        },
    )

    login(page, "erin")
    open_editor(page, parent.pk)
    page.click("[data-testid=editor-step-sim]")
    page.click("[data-testid=workflow-open]")
    page.wait_for_selector("[data-testid=view-only-banner]")
    page.wait_for_selector("[data-testid=editor-step-s1]")
    banner = page.locator("[data-testid=view-only-banner]")
    assert banner.is_visible() and "Read-only view of Child" in banner.inner_text()
    assert page.locator("[data-testid=editor-save]").is_disabled()
    screenshot(page, "editor-view-child")

    # Dragging a step does not move it, Delete does not remove it, and nothing is saved.
    node = page.locator("[data-testid=editor-step-s1]")
    before = node.bounding_box()
    page.mouse.move(before["x"] + 20, before["y"] + 20)
    page.mouse.down()
    page.mouse.move(before["x"] + 200, before["y"] + 150, steps=8)
    page.mouse.up()
    assert node.bounding_box()["x"] == pytest.approx(before["x"], abs=1)
    page.click("[data-testid=editor-step-s2]")
    press(page, "Delete")
    assert step_ids(page) == ["s1", "s2", "s3", "s4"]
    page.wait_for_selector("[data-testid=editor-toast]:has-text('read-only view')")

    page.click("[data-testid=view-only-edit]")
    page.wait_for_selector("[data-testid=view-only-banner]", state="detached")
    page.click("[data-testid=editor-step-s2]")
    press(page, "Delete")
    assert step_ids(page) == ["s1", "s3", "s4"]
    assert Campaign.objects.get(pk=child.pk).current_version.number == 1
