"""Two editors move different steps of one campaign at once: the second save is not allowed to put the
first editor's step back. Its editor merges the two layouts and says so; both moves are stored."""

import pytest
from playwright.sync_api import expect

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition, team_with

from .conftest import ARTIFACTS
from .editor_helpers import login, mouse_drag, open_editor

pytestmark = pytest.mark.django_db(transaction=True)


def below(page, lower: str, upper: str) -> float:
    return (
        page.locator(f"[data-testid=editor-step-{lower}]").bounding_box()["y"]
        - (page.locator(f"[data-testid=editor-step-{upper}]").bounding_box()["y"])
    )


def test_two_editors_moving_different_steps_keep_both_moves(page, browser, live_stack):
    erin = make_user("erin")
    make_user("frank")
    lab = team_with("Lab", erin="admin", frank="editor")
    seed = campaign_create(owner=erin, team=lab, visibility="team", **seed_definition(step_seconds=1))
    start = {k: dict(v) for k, v in Campaign.objects.get(pk=seed.pk).layout["positions"].items()}

    other = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_stack)
    try:
        franks = other.new_page()
        franks.console_errors = []
        franks.on("console", lambda msg: msg.type == "error" and franks.console_errors.append(msg.text))
        login(page, "erin")
        open_editor(page, seed.pk)
        login(franks, "frank")
        open_editor(franks, seed.pk)

        # Both move a step on their own screen; Erin saves first.
        mouse_drag(page, "[data-testid=editor-step-s2]", 0, 160)
        mouse_drag(franks, "[data-testid=editor-step-s3]", 0, 160)
        page.click("[data-testid=editor-save]")
        expect(page.locator("[data-testid=editor-toast]")).to_contain_text("Saved the layout")

        # Frank's save started from the layout before Erin's move: it is merged, not last-write-wins.
        franks.click("[data-testid=editor-save]")
        toast = franks.locator("[data-testid=editor-toast]")
        expect(toast).to_contain_text("Someone else moved steps meanwhile: their moves are kept, and yours.")
        expect(franks.locator("[data-testid=unsaved]")).to_have_count(0)
        # Erin's step came down on Frank's canvas too.
        franks.wait_for_timeout(300)
        assert below(franks, "s2", "s1") > 100
        assert below(franks, "s3", "s1") > 100
        franks.screenshot(path=str(ARTIFACTS / "layout-merge-second-editor.png"))

        stored = Campaign.objects.get(pk=seed.pk).layout
        assert stored["positions"]["s2"]["y"] - start["s2"]["y"] > 100
        assert stored["positions"]["s3"]["y"] - start["s3"]["y"] > 100
        assert stored["positions"]["s1"] == start["s1"]
        assert stored["revision"] == 2
        # Chromium logs every 4xx answer; the 409 that started the merge is the only one.
        assert page.console_errors == []
        assert franks.console_errors == [
            "Failed to load resource: the server responded with a status of 409 (Conflict)"
        ]
    finally:
        other.close()
