"""Editing in the browser: undo/redo, copy/paste between campaigns, cycles refused, server errors on nodes, blocks."""

import pytest

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition

from .editor_helpers import connect, edges_settle_at, login, open_editor, press, step_ids

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_campaigns(live_stack):
    erin = make_user("erin")
    source = campaign_create(owner=erin, **seed_definition(step_seconds=0.5))
    target = campaign_create(
        owner=erin,
        name="Target",
        parameters=[],
        graph={
            "steps": [
                {"id": "s1", "name": "Only", "kind": "function", "function": "noop", "position": {"x": 0, "y": 0}}
            ],
            "edges": [],
        },
    )
    return source, target


def test_undo_redo_and_copy_paste_between_two_campaigns(page, two_campaigns):
    source, target = two_campaigns
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "erin")
    open_editor(page, source.pk)
    assert step_ids(page) == ["s1", "s2", "s3", "s4"]

    page.click("[data-testid=editor-step-s3]")
    press(page, "Delete")
    assert step_ids(page) == ["s1", "s2", "s4"] and edges_settle_at(page, 1) == 1
    press(page, "Control+z")
    assert step_ids(page) == ["s1", "s2", "s3", "s4"] and edges_settle_at(page, 3) == 3
    press(page, "Control+Shift+z")
    assert step_ids(page) == ["s1", "s2", "s4"]
    page.click("[data-testid=tool-undo]")
    assert step_ids(page) == ["s1", "s2", "s3", "s4"]
    assert page.locator("[data-testid=unsaved]").count() == 0

    # Typing in a field is one undo step, not one per key.
    page.click("[data-testid=editor-step-s1]")
    page.fill("[data-testid=step-name]", "Renamed")
    press(page, "Control+z")
    assert page.input_value("[data-testid=step-name]") == "Step 1"

    press(page, "Control+a")
    press(page, "Control+c")
    page.wait_for_selector("[data-testid=editor-toast]:has-text('Copied 4 step(s)')")
    clip = page.evaluate("navigator.clipboard.readText()")
    assert '"format":"asyncflow-steps"' in clip

    open_editor(page, target.pk)
    assert step_ids(page) == ["s1"]
    press(page, "Control+v")
    page.wait_for_selector("[data-testid=editor-toast]:has-text('Pasted 4 step(s)')")
    # s1 is taken here, so the pasted s1 is renamed and its edge follows it.
    assert step_ids(page) == ["s1", "s1_2", "s2", "s3", "s4"]
    assert edges_settle_at(page, 3) == 3
    press(page, "Control+z")
    assert step_ids(page) == ["s1"]
    press(page, "Control+y")
    assert step_ids(page) == ["s1", "s1_2", "s2", "s3", "s4"]
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v2')")

    graph = Campaign.objects.get(pk=target.pk).current_version.graph
    assert [s["id"] for s in graph["steps"]] == ["s1", "s1_2", "s2", "s3", "s4"]
    assert graph["edges"] == [
        {"source": "s1_2", "target": "s2"},
        {"source": "s2", "target": "s3"},
        {"source": "s3", "target": "s4"},
    ]
    assert page.console_errors == []


def test_a_cycle_is_refused_at_once_naming_the_path(page, two_campaigns):
    source, _ = two_campaigns
    login(page, "erin")
    open_editor(page, source.pk)
    connect(page, "s4", "s1")
    toast = page.locator("[data-testid=editor-toast][data-tone=error]")
    toast.wait_for()
    assert "cycle Step 1 → Step 2 → Step 3 → Step 4 → Step 1" in toast.inner_text()
    assert edges_settle_at(page, 3) == 3
    assert page.locator("[data-testid=unsaved]").count() == 0
    connect(page, "s1", "s3")
    assert edges_settle_at(page, 4) == 4
    assert page.console_errors == []


def test_server_validation_errors_show_on_the_step_and_blocks_are_saved(page, two_campaigns):
    source, _ = two_campaigns
    login(page, "erin")
    open_editor(page, source.pk)

    page.click("[data-testid=editor-step-s2]")
    page.fill("[data-testid=kwarg-seconds]", "")
    page.fill("[data-testid=res-walltime]", "ninety minutes")
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-toast][data-tone=error]")
    node = page.locator("[data-testid=editor-step-s2]")
    assert node.get_attribute("data-error") == "true"
    assert "needs seconds" in page.inner_text("[data-testid=problems-panel]")
    assert "walltime" in page.inner_text("[data-testid=step-properties-errors]")
    assert page.locator("[data-testid=editor-step-s1]").get_attribute("data-error") == "false"
    assert Campaign.objects.get(pk=source.pk).version == 1

    page.fill("[data-testid=kwarg-seconds]", "0.25")
    page.fill("[data-testid=res-walltime]", "01:30")
    page.fill("[data-testid=res-cores]", "2")
    # Box-select steps 2 and 3 by dragging on empty canvas, then group them.
    b2 = page.locator("[data-testid=editor-step-s2]").bounding_box()
    b3 = page.locator("[data-testid=editor-step-s3]").bounding_box()
    page.mouse.move(b2["x"] - 15, b2["y"] - 30)
    page.mouse.down()
    page.mouse.move(b3["x"] + b3["width"] / 2, b3["y"] + b3["height"] + 15, steps=6)
    page.mouse.move(b3["x"] + b3["width"] + 15, b3["y"] + b3["height"] + 30, steps=6)
    page.mouse.up()
    selected = page.eval_on_selector_all(".react-flow__node-step.selected", "els => els.map(e => e.dataset.id)")
    assert sorted(selected) == ["s2", "s3"]
    press(page, "Control+g")
    page.wait_for_selector("[data-testid=editor-block-block]")
    page.fill("[data-testid=block-name]", "Middle")
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v2')")
    assert page.locator("[data-testid=editor-step-s2]").get_attribute("data-error") == "false"

    graph = Campaign.objects.get(pk=source.pk).current_version.graph
    assert graph["blocks"] == [{"id": "block", "name": "Middle", "parent": None}]
    steps = {s["id"]: s for s in graph["steps"]}
    assert [steps[i].get("block") for i in ("s1", "s2", "s3", "s4")] == [None, "block", "block", None]
    assert steps["s2"]["kwargs"] == {"seconds": 0.25}
    assert steps["s2"]["resources"] == {"walltime": "01:30", "cores": 2}

    page.click("[data-testid=editor-block-block]", position={"x": 30, "y": 10})
    page.click("[data-testid=block-ungroup]")
    assert page.locator("[data-testid=editor-block-block]").count() == 0
    press(page, "Control+z")
    page.wait_for_selector("[data-testid=editor-block-block]")
    assert [e for e in page.console_errors if "400" not in e] == []


def test_export_import_unsaved_guard_help_and_dark_theme(page, two_campaigns, tmp_path):
    source, _ = two_campaigns
    login(page, "erin")
    open_editor(page, source.pk)
    assert page.locator(".react-flow__minimap").is_visible()
    press(page, "?")
    page.wait_for_selector("[data-testid=shortcuts-help]:has-text('Ctrl+Shift+Z')")
    press(page, "Escape")
    assert page.locator("[data-testid=shortcuts-help]").count() == 0

    with page.expect_download() as download:
        page.click("[data-testid=tool-export]")
    exported = tmp_path / "seed.json"
    download.value.save_as(exported)
    assert '"format": "asyncflow-campaign"' in exported.read_text()

    open_editor(page)
    page.set_input_files("[data-testid=import-file]", str(exported))
    page.wait_for_selector("[data-testid=editor-step-s4]")
    assert step_ids(page) == ["s1", "s2", "s3", "s4"] and edges_settle_at(page, 3) == 3
    assert page.input_value("[data-testid=campaign-name]") == "Seed campaign"
    page.fill("[data-testid=campaign-name]", "Imported copy")

    # Leaving with unsaved changes asks first; saying no keeps the editor.
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.click("[data-testid=nav-runs]")
    for _ in range(100):
        if messages:
            break
        page.wait_for_timeout(50)
    assert messages and "unsaved changes" in messages[0]
    assert "/campaigns/new" in page.url
    assert page.locator("[data-testid=editor-step-s4]").is_visible()

    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v1')")
    imported = Campaign.objects.get(name="Imported copy")
    assert imported.current_version.graph["edges"] == source.current_version.graph["edges"]
    page.click("[data-testid=nav-runs]")
    page.wait_for_url("**/runs")

    page.click("[data-testid=theme-toggle]")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    open_editor(page, imported.pk)
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(15, 20, 27)"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.console_errors == []


def test_a_conflicting_save_offers_reload_or_overwrite(page, two_campaigns):
    """Someone saves while the editor is open: saving answers 409; reload shows theirs, overwrite keeps ours."""
    from campaigns_app.services import campaign_update

    source, _ = two_campaigns
    login(page, "erin")
    open_editor(page, source.pk)
    bodies = []
    page.on("request", lambda r: r.method == "PUT" and bodies.append(r.post_data_json))

    theirs = source.current_version.graph
    theirs = {**theirs, "steps": [{**s, "kwargs": {"seconds": 2}} if s["id"] == "s2" else s for s in theirs["steps"]]}
    campaign_update(campaign=source, user=source.owner, graph=theirs)

    page.click("[data-testid=editor-step-s1]")
    page.fill("[data-testid=step-name]", "Mine")
    page.click("[data-testid=editor-save]")
    dialog = page.locator("[data-testid=conflict-dialog]")
    dialog.wait_for()
    assert "steps changed: s2 (kwargs)" in dialog.inner_text()
    assert bodies[0]["base_version"] == 1

    page.click("[data-testid=conflict-reload]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v2')")
    page.click("[data-testid=editor-step-s1]")
    assert page.input_value("[data-testid=step-name]") == "Step 1"

    # Edit again, and this time someone saves in between once more: overwrite.
    page.fill("[data-testid=step-name]", "Mine")
    campaign_update(
        campaign=source,
        user=source.owner,
        description="touched",
        graph={**theirs, "steps": [{**s, "kwargs": {"seconds": 3}} if s["id"] == "s2" else s for s in theirs["steps"]]},
    )
    page.click("[data-testid=editor-save]")
    dialog.wait_for()
    page.click("[data-testid=conflict-overwrite]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v4')")
    assert bodies[-1]["base_version"] == 3
    steps = Campaign.objects.get(pk=source.pk).current_version.graph["steps"]
    # Ours wins: v2 (reloaded) plus the rename, not the 3 s of the version it overwrote.
    assert steps[0]["name"] == "Mine" and steps[1]["kwargs"] == {"seconds": 2}
    assert [e for e in page.console_errors if "409" not in e] == []
