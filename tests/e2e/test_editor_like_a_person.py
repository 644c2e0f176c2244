"""The editor's first-task defects (issue 11), each checked as a person sees it: typed key by key, dragged by mouse."""

import pytest
from playwright.sync_api import expect

from campaigns_app.models import Campaign
from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition

from .conftest import screenshot
from .editor_helpers import (
    canvas_box,
    centre,
    drag_palette_with_mouse,
    edges_settle_at,
    login,
    open_editor,
    overlapping,
    press,
    step_ids,
    type_into,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seed(live_stack):
    return campaign_create(owner=make_user("erin"), **seed_definition(step_seconds=1))


def test_a_decimal_typed_key_by_key_is_kept_and_saved(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    page.click("[data-testid=editor-step-s2]")
    type_into(page, "[data-testid=kwarg-seconds]", "0.5")
    assert page.input_value("[data-testid=kwarg-seconds]") == "0.5"
    page.click("[data-testid=editor-step-s3]")
    type_into(page, "[data-testid=kwarg-seconds]", "1.5")
    assert page.input_value("[data-testid=kwarg-seconds]") == "1.5"
    screenshot(page, "defect-01-decimal-typed")
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v2')")
    steps = {s["id"]: s for s in Campaign.objects.get(pk=seed.pk).current_version.graph["steps"]}
    assert steps["s2"]["kwargs"] == {"seconds": 0.5} and steps["s3"]["kwargs"] == {"seconds": 1.5}
    page.click("[data-testid=editor-step-s2]")
    assert page.input_value("[data-testid=kwarg-seconds]") == "0.5"
    assert page.console_errors == []


def test_a_word_in_a_number_argument_is_named_as_you_type_and_refused_on_save(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    page.click("[data-testid=editor-step-s1]")
    type_into(page, "[data-testid=kwarg-seconds]", "abc")
    error = page.locator("[data-testid=kwargs-form] .field-error")
    assert error.is_visible() and error.inner_text() == """argument 'seconds' must be a number, got "abc\""""
    screenshot(page, "defect-02-inline-type-error")
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=problems-panel]")
    assert """step 's1': argument 'seconds' must be a number, got "abc\"""" in page.inner_text(
        "[data-testid=problems-panel]"
    )
    assert page.locator("[data-testid=editor-step-s1]").get_attribute("data-error") == "true"
    screenshot(page, "defect-02-refused-on-save")
    assert Campaign.objects.get(pk=seed.pk).version == 1
    type_into(page, "[data-testid=kwarg-seconds]", "2")
    assert error.count() == 0
    assert [e for e in page.console_errors if "400" not in e] == []


def test_handles_are_visible_grow_on_hover_and_a_refused_target_says_why_before_release(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    handle = page.locator("[data-testid=handle-out-s2]")
    assert float(handle.evaluate("e => getComputedStyle(e).opacity")) == 1
    before = handle.bounding_box()
    page.mouse.move(before["x"] + before["width"] / 2, before["y"] + before["height"] / 2)
    page.wait_for_timeout(200)
    after = handle.bounding_box()
    assert after["width"] > before["width"]
    screenshot(page, "defect-03-handle-hover")

    # Drag from s4's output over s1's input: s1 -> ... -> s4 exists, so this would close a cycle.
    start = page.locator("[data-testid=handle-out-s4]").bounding_box()
    target = page.locator("[data-testid=handle-in-s1]").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=15)
    reason = page.locator("[data-testid=connection-reason]")
    reason.wait_for()
    assert "cycle Step 1 → Step 2 → Step 3 → Step 4 → Step 1" in reason.text_content()
    colour = page.locator("[data-testid=handle-in-s1]").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(220, 38, 38)"
    screenshot(page, "defect-03-refused-while-dragging")
    page.mouse.up()
    assert edges_settle_at(page, 3) == 3

    # A target that is allowed shows green before release.
    start = page.locator("[data-testid=handle-out-s1]").bounding_box()
    target = page.locator("[data-testid=handle-in-s3]").bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=15)
    page.wait_for_selector("[data-testid=connection-line][data-status=valid]", state="attached")
    assert page.locator("[data-testid=connection-reason]").count() == 0
    assert (
        page.locator("[data-testid=handle-in-s3]").evaluate("e => getComputedStyle(e).backgroundColor")
        == "rgb(22, 163, 74)"
    )
    page.mouse.up()
    assert edges_settle_at(page, 4) == 4
    assert page.console_errors == []


def test_new_steps_land_under_the_cursor_or_on_the_next_free_place(page, live_stack):
    make_user("dora")
    page.set_viewport_size({"width": 1024, "height": 700})
    login(page, "dora")
    open_editor(page)
    box = canvas_box(page)
    toolbar = page.locator("[data-testid=editor-toolbar]").bounding_box()["height"]
    assert toolbar < 60
    drag_palette_with_mouse(page, "palette-fn-sleep", 150, 150)
    page.wait_for_selector("[data-testid=editor-step-sleep]")
    # The toolbar stays one line when "unsaved" appears, so the canvas does not move under the new step.
    assert page.locator("[data-testid=editor-toolbar]").bounding_box()["height"] == toolbar
    x, y = centre(page, "[data-testid=editor-step-sleep]")
    assert abs(x - (box["x"] + 150)) < 12 and abs(y - (box["y"] + 150)) < 12
    drag_palette_with_mouse(page, "palette-fn-noop", 360, 330)
    x, y = centre(page, "[data-testid=editor-step-noop]")
    assert abs(x - (box["x"] + 360)) < 12 and abs(y - (box["y"] + 330)) < 12

    for _ in range(3):
        page.dblclick("[data-testid=palette-fn-echo]")
    page.focus("[data-testid=palette-fn-echo]")
    page.keyboard.press("Enter")
    assert step_ids(page) == ["echo", "echo_2", "echo_3", "echo_4", "noop", "sleep"]
    boxes = [page.locator(f"[data-testid=editor-step-{i}]").bounding_box() for i in step_ids(page)]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not overlapping(a, b)
    screenshot(page, "defect-06-placement")
    assert page.console_errors == []


def test_a_cleared_name_stays_visible_and_says_what_is_missing(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    type_into(page, "[data-testid=campaign-name]", "")
    field = page.locator("[data-testid=campaign-name]")
    assert field.is_visible() and field.get_attribute("placeholder") == "Campaign name"
    assert field.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(220, 38, 38)"
    assert field.bounding_box()["width"] > 100
    assert page.inner_text("[data-testid=campaign-name-error]") == "A campaign needs a name"
    page.click("[data-testid=editor-step-s1]")
    type_into(page, "[data-testid=step-name]", "")
    assert "A step needs a name" in page.inner_text("[data-testid=step-properties]")
    screenshot(page, "defect-10-blank-names")
    page.click("[data-testid=editor-save]")
    panel = page.locator("[data-testid=problems-panel]")
    panel.wait_for()
    assert "Campaign name: This field may not be blank." in panel.inner_text()
    type_into(page, "[data-testid=campaign-name]", "Named again")
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=problems-panel]:has-text(\"step 's1': name may not be blank\")")
    assert Campaign.objects.get(pk=seed.pk).version == 1
    assert [e for e in page.console_errors if "400" not in e] == []


def test_block_paste_and_undo_over_the_first_save(page, seed):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, "erin")
    open_editor(page, seed.pk)
    page.dblclick("[data-testid=palette-block]")
    page.wait_for_selector("[data-testid=editor-toast]:has-text('Select the steps to put in a block first')")
    assert step_ids(page) == ["s1", "s2", "s3", "s4"]

    page.click("[data-testid=editor-step-s2]")
    press(page, "Control+c")
    press(page, "Control+v")
    press(page, "Control+v")
    expect(page.locator(".react-flow__node-step")).to_have_count(6)
    names = page.eval_on_selector_all(".editor-node-name", "els => els.map(e => e.textContent)")
    assert sorted(names) == ["Step 1", "Step 2", "Step 2 copy", "Step 2 copy 2", "Step 3", "Step 4"]

    open_editor(page)
    page.dblclick("[data-testid=palette-fn-noop]")
    type_into(page, "[data-testid=campaign-name]", "First save")
    page.click("[data-testid=editor-save]")
    page.wait_for_selector("[data-testid=editor-version]:has-text('v1')")
    assert page.locator("[data-testid=tool-undo]").is_enabled()
    page.click("[data-testid=tool-undo]")
    assert page.input_value("[data-testid=campaign-name]") != "First save"
    screenshot(page, "defect-12-undo-after-first-save")
    assert page.console_errors == []
