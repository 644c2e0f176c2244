"""The placeholder menu offers the fields of the last run's results, picked with the mouse."""

import pytest

from campaigns_app.models import Run
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import make_user
from tests.integration.helpers import wait_until

from .conftest import screenshot
from .editor_helpers import login, open_editor

pytestmark = pytest.mark.django_db(transaction=True)


def test_placeholder_menu_offers_the_last_runs_result_fields(page, live_stack):
    erin = make_user("erin")
    campaign = campaign_create(
        owner=erin,
        name="Results",
        parameters=[],
        graph={
            "steps": [
                {
                    "id": "prep",
                    "name": "Prepare",
                    "kind": "function",
                    "function": "echo",
                    "kwargs": {"seconds": 0.25, "files": [{"name": "a.txt"}]},
                    "position": {"x": 0, "y": 0},
                },
                {
                    "id": "wait",
                    "name": "Wait",
                    "kind": "function",
                    "function": "sleep",
                    "kwargs": {"seconds": 0.1},
                    "position": {"x": 300, "y": 0},
                },
            ],
            "edges": [{"source": "prep", "target": "wait"}],
        },
    )
    run = run_launch(campaign=campaign, user=erin)
    wait_until(lambda: Run.objects.get(pk=run.pk).state == "succeeded")

    login(page, "erin")
    open_editor(page, campaign.pk)
    page.click("[data-testid=editor-step-wait]")
    page.click("[data-testid=placeholder-kwarg-seconds]")
    option = page.locator(".ph-list button", has_text="{{ steps.prep.result.seconds }}")
    option.wait_for()
    assert option.is_visible() and "last run: 0.25" in option.inner_text()
    nested = page.locator(".ph-list button", has_text="{{ steps.prep.result.files[0].name }}")
    assert nested.is_visible() and '"a.txt"' in nested.inner_text()
    screenshot(page, "placeholder-result-fields")

    option.click()
    field = page.locator("[data-testid=kwarg-seconds]")
    assert field.input_value() == "{{ steps.prep.result.seconds }}"
    assert page.locator(".ph-list").count() == 0
