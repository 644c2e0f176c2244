"""Layout is not a version (issue 11): a step dragged by mouse stays where it was put after a reload, under the same
version; sticky notes are added, typed into, dragged, coloured and deleted like a person would, and show markdown
as text, never as HTML."""

import pytest
from playwright.sync_api import expect

from campaigns_app.models import Campaign, CampaignVersion
from campaigns_app.services import campaign_create
from tests.conftest import make_user, seed_definition

from .conftest import screenshot
from .editor_helpers import canvas_box, login, mouse_drag, open_editor, press

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seed(live_stack):
    return campaign_create(owner=make_user("erin"), **seed_definition(step_seconds=1))


def save(page) -> None:
    page.click("[data-testid=editor-save]")
    expect(page.locator("[data-testid=unsaved]")).to_have_count(0)


def test_a_step_dragged_by_mouse_keeps_its_place_after_a_reload_and_makes_no_version(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    before = page.locator("[data-testid=editor-step-s2]").bounding_box()
    mouse_drag(page, "[data-testid=editor-step-s2]", 0, 160)
    moved = page.locator("[data-testid=editor-step-s2]").bounding_box()
    assert moved["y"] - before["y"] > 100
    expect(page.locator("[data-testid=unsaved]")).to_be_visible()
    save(page)
    toast = page.locator("[data-testid=editor-toast]")
    expect(toast).to_contain_text("Saved the layout: still version 1")
    expect(page.locator("[data-testid=editor-version]")).to_have_text("v1")
    screenshot(page, "layout-01-step-moved-saved")

    campaign = Campaign.objects.get(pk=seed.pk)
    assert campaign.version == 1 and CampaignVersion.objects.filter(campaign=campaign).count() == 1
    stored = campaign.layout["positions"]["s2"]
    assert stored["y"] > 100 and stored["x"] == 260

    page.reload()
    page.wait_for_selector("[data-testid=editor-step-s2]")
    expect(page.locator("[data-testid=editor-version]")).to_have_text("v1")
    s1 = page.locator("[data-testid=editor-step-s1]").bounding_box()
    s2 = page.locator("[data-testid=editor-step-s2]").bounding_box()
    # The view is fitted anew on open, so compare the steps with each other, not with the screen.
    assert s2["y"] - s1["y"] > 60
    assert page.console_errors == []


def test_a_sticky_note_is_added_typed_dragged_coloured_saved_and_deleted(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    page.click("[data-testid=tool-note]")
    note = page.locator("[data-testid=editor-note-note_1]")
    expect(note).to_be_visible()
    # A new note opens for typing straight away.
    field = page.locator("[data-testid=editor-note-note_1-input]")
    expect(field).to_be_focused()
    page.keyboard.type("# Why this waits\nThe **seed** sleeps.\n- one\n", delay=10)
    page.keyboard.type('<img src=x onerror="window.pwned=1">', delay=10)
    # Keys typed into the note stay in it: no step was deleted or added by Backspace or N.
    page.keyboard.press("Backspace")
    page.keyboard.type(">")
    page.keyboard.press("Escape")
    body = page.locator("[data-testid=editor-note-note_1-body]")
    expect(body.locator("h3")).to_have_text("Why this waits")
    expect(body.locator("strong")).to_have_text("seed")
    expect(body.locator("li")).to_have_text("one")
    expect(body).to_contain_text('<img src=x onerror="window.pwned=1">')
    assert body.locator("img").count() == 0
    assert page.evaluate("window.pwned === undefined")
    assert page.locator(".react-flow__node-step").count() == 4

    before = note.bounding_box()
    mouse_drag(page, "[data-testid=editor-note-note_1-body]", 0, 220)
    after = note.bounding_box()
    assert after["y"] - before["y"] > 150
    page.click("[data-testid=editor-note-note_1-body]")
    page.click("[data-testid=editor-note-note_1-color-blue]")
    assert "note-blue" in (note.get_attribute("class") or "")
    screenshot(page, "notes-01-note-typed-and-moved")
    save(page)
    expect(page.locator("[data-testid=editor-toast]")).to_contain_text("still version 1")

    campaign = Campaign.objects.get(pk=seed.pk)
    assert campaign.version == 1
    (stored,) = campaign.layout["notes"]
    assert stored["text"].startswith("# Why this waits\nThe **seed** sleeps.") and stored["color"] == "blue"
    assert stored["text"].endswith('<img src=x onerror="window.pwned=1">')

    page.reload()
    page.wait_for_selector("[data-testid=editor-note-note_1]")
    expect(page.locator("[data-testid=editor-note-note_1-body] h3")).to_have_text("Why this waits")

    # Double-click to edit again, type at the end, then delete the note from its toolbar.
    page.dblclick("[data-testid=editor-note-note_1-body]")
    expect(page.locator("[data-testid=editor-note-note_1-input]")).to_be_focused()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nmore", delay=10)
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=editor-note-note_1-body]")).to_contain_text("more")
    page.click("[data-testid=editor-note-note_1-body]")
    page.click("[data-testid=editor-note-note_1-delete]")
    expect(page.locator("[data-testid=editor-note-note_1]")).to_have_count(0)
    save(page)
    assert Campaign.objects.get(pk=seed.pk).layout["notes"] == []
    assert Campaign.objects.get(pk=seed.pk).version == 1
    assert page.console_errors == []


def test_notes_come_from_the_palette_and_the_canvas_menu_and_go_with_the_delete_key(page, seed):
    login(page, "erin")
    open_editor(page, seed.pk)
    box = canvas_box(page)
    page.mouse.click(box["x"] + 120, box["y"] + box["height"] - 120, button="right")
    page.click("[data-testid=menu-addNote]")
    expect(page.locator("[data-testid=editor-note-note_1-input]")).to_be_focused()
    page.keyboard.type("from the menu")
    page.keyboard.press("Escape")
    page.dblclick("[data-testid=palette-note]")
    expect(page.locator("[data-testid=editor-note-note_2]")).to_be_visible()
    page.keyboard.press("Escape")
    page.click("[data-testid=editor-note-note_1-body]")
    press(page, "Delete")
    expect(page.locator("[data-testid=editor-note-note_1]")).to_have_count(0)
    expect(page.locator("[data-testid=editor-note-note_2]")).to_be_visible()
    assert page.locator(".react-flow__node-step").count() == 4

    # Resize the note by its corner handle, with the mouse.
    page.click("[data-testid=editor-note-note_2-body]")
    note = page.locator("[data-testid=editor-note-note_2]")
    before = note.bounding_box()
    corner = page.locator(".react-flow__node-note .react-flow__resize-control.handle.bottom.right")
    mouse_drag(page, ".react-flow__node-note .react-flow__resize-control.handle.bottom.right", 90, 70)
    expect(corner).to_be_visible()
    after = note.bounding_box()
    assert after["width"] - before["width"] > 50 and after["height"] - before["height"] > 40
    screenshot(page, "notes-02-palette-menu-resize")
    save(page)
    (stored,) = Campaign.objects.get(pk=seed.pk).layout["notes"]
    assert stored["id"] == "note_2" and stored["width"] > 260 and stored["height"] > 180
