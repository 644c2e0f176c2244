"""A campaign's layout (step positions, sticky notes): saved without a new version, checked like any input,
carried by new versions, forks, exports and imports."""

import copy
import json

import pytest

from campaigns_app.models import AuditEntry, CampaignVersion
from tests.conftest import client_for, seed_definition, team_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(alice_api):
    answer = alice_api.post("/api/campaigns/", seed_definition(step_seconds=0.01), format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def url(campaign):
    return f"/api/campaigns/{campaign['id']}/"


def put_graph(api, campaign, graph, **extra):
    body = {"name": campaign["name"], "parameters": campaign["parameters"], "graph": graph, **extra}
    return api.put(url(campaign), body, format="json")


def moved(graph, step_id, x, y):
    graph = copy.deepcopy(graph)
    next(s for s in graph["steps"] if s["id"] == step_id)["position"] = {"x": x, "y": y}
    return graph


NOTE = {"id": "note_1", "text": "# Why\nThe **seed** waits.", "x": 10, "y": -120, "width": 240, "height": 150}


def test_moving_a_step_in_the_graph_keeps_the_version_and_the_new_place(alice_api, campaign):
    answer = put_graph(alice_api, campaign, moved(campaign["graph"], "s2", 333, 444), base_version=1)
    assert answer.status_code == 200, answer.json()
    assert answer.json()["version"] == 1
    again = alice_api.get(url(campaign)).json()
    assert again["version"] == 1
    assert next(s for s in again["graph"]["steps"] if s["id"] == "s2")["position"] == {"x": 333, "y": 444}
    assert again["layout"]["positions"]["s2"] == {"x": 333, "y": 444}
    assert CampaignVersion.objects.filter(campaign_id=campaign["id"]).count() == 1
    assert alice_api.get(f"{url(campaign)}versions/").json()[-1]["number"] == 1


def test_a_layout_patch_moves_steps_and_adds_notes_without_a_version(alice_api, campaign):
    answer = alice_api.patch(
        url(campaign), {"layout": {"positions": {"s1": {"x": -50.5, "y": 20}}, "notes": [NOTE]}}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    body = alice_api.get(url(campaign)).json()
    assert body["version"] == 1
    assert body["graph"]["steps"][0]["position"] == {"x": -50.5, "y": 20}
    # Steps the patch does not name stay where they were.
    assert body["layout"]["positions"]["s2"] == {"x": 260, "y": 0}
    assert body["layout"]["notes"] == [{**NOTE}]
    edit = AuditEntry.objects.filter(about_campaign_id=campaign["id"], action="campaign.edit").latest("id")
    assert edit.details["fields"] == ["layout"]


def test_a_graph_change_makes_a_version_that_carries_the_layout(alice_api, campaign):
    graph = moved(campaign["graph"], "s3", 900, 90)
    graph["steps"][0]["kwargs"] = {"seconds": 0.02}
    answer = put_graph(alice_api, campaign, graph, layout={"notes": [NOTE]})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["version"] == 2
    v2 = alice_api.get(f"{url(campaign)}versions/2/").json()
    assert next(s for s in v2["graph"]["steps"] if s["id"] == "s3")["position"] == {"x": 900, "y": 90}
    # Version 1 still opens as it looked, and the diff does not call the move a change.
    v1 = alice_api.get(f"{url(campaign)}versions/1/").json()
    assert next(s for s in v1["graph"]["steps"] if s["id"] == "s3")["position"] == {"x": 520, "y": 0}
    diff = alice_api.get(f"{url(campaign)}diff/").json()
    assert [c["id"] for c in diff["steps"]["changed"]] == ["s1"]
    assert [c["field"] for c in diff["steps"]["changed"][0]["changes"]] == ["kwargs"]
    assert answer.json()["layout"]["notes"][0]["id"] == "note_1"


def test_a_removed_step_leaves_the_layout(alice_api, campaign):
    graph = copy.deepcopy(campaign["graph"])
    graph["steps"] = graph["steps"][:3]
    graph["edges"] = graph["edges"][:2]
    body = put_graph(alice_api, campaign, graph).json()
    assert body["version"] == 2 and set(body["layout"]["positions"]) == {"s1", "s2", "s3"}


def test_a_viewer_may_not_move_steps(alice, bob, alice_api):
    lab = team_with("Lab", alice="admin", bob="viewer")
    created = alice_api.post(
        "/api/campaigns/", {**seed_definition(0.01), "team": lab.pk, "visibility": "team"}, format="json"
    ).json()
    answer = client_for(bob).patch(url(created), {"layout": {"positions": {"s1": {"x": 1, "y": 1}}}}, format="json")
    assert answer.status_code == 403
    assert alice_api.get(url(created)).json()["layout"]["positions"]["s1"] == {"x": 0, "y": 0}


HOSTILE = [
    ("not an object", "layout must be an object", []),
    ("unknown field", "unknown field(s) colour", {"colour": 1}),
    ("positions as a list", "layout.positions must be an object", {"positions": [1, 2]}),
    ("unknown step", "no step 'ghost' in the graph", {"positions": {"ghost": {"x": 1, "y": 2}}}),
    ("text coordinates", "layout.positions['s1']: x and y must be numbers", {"positions": {"s1": {"x": "1", "y": 2}}}),
    ("boolean coordinate", "x and y must be numbers", {"positions": {"s1": {"x": True, "y": 2}}}),
    ("far away", "within ±1,000,000", {"positions": {"s1": {"x": 1e300, "y": 2}}}),
    ("extra key", "layout.positions['s1'] must be {x, y}", {"positions": {"s1": {"x": 1, "y": 2, "z": 3}}}),
    (
        "more positions than steps",
        "layout.positions has 10,000 entries",
        {"positions": {f"s{i}": {"x": 0, "y": 0} for i in range(10_000)}},
    ),
    ("deep", "layout.positions['s1'] must be {x, y}", {"positions": {"s1": json.loads("[" * 20 + "]" * 20)}}),
    ("deep notes", "layout.notes[0] must be an object", {"notes": [json.loads("[" * 20 + "]" * 20)]}),
    # Past STUDIO_MAX_JSON_DEPTH the body parser refuses it, naming where.
    (
        "deeper than the body may",
        "deeper than 32 levels (STUDIO_MAX_JSON_DEPTH) at layout.notes",
        {"notes": [json.loads("[" * 99 + "]" * 99)]},
    ),
    ("notes as text", "layout.notes must be a list", {"notes": "hello"}),
    ("note without id", "layout.notes[0]: id must be", {"notes": [{"text": "x", "x": 0, "y": 0}]}),
    ("note text a number", "note 'n': text must be a string", {"notes": [{"id": "n", "text": 5, "x": 0, "y": 0}]}),
    (
        "huge note",
        "note 'n': text is 10,001 characters, at most 10,000",
        {"notes": [{"id": "n", "text": "x" * 10_001, "x": 0, "y": 0}]},
    ),
    (
        "too many notes",
        "101 notes, at most 100",
        {"notes": [{"id": f"n{i}", "text": "", "x": 0, "y": 0} for i in range(101)]},
    ),
    (
        "twin notes",
        "note 'n': two notes have this id",
        {"notes": [{"id": "n", "text": "", "x": 0, "y": 0}, {"id": "n", "text": "", "x": 0, "y": 0}]},
    ),
    ("tiny note", "note 'n': width must be a number from 60", {"notes": [{"id": "n", "x": 0, "y": 0, "width": 1}]}),
    (
        "script colour",
        "note 'n': color '<script>' is not one of",
        {"notes": [{"id": "n", "x": 0, "y": 0, "color": "<script>"}]},
    ),
    ("NUL in text", "layout.notes[0].text holds a NUL", {"notes": [{"id": "n", "text": "a\x00b", "x": 0, "y": 0}]}),
]


@pytest.mark.parametrize(("label", "message", "layout"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_layout_is_a_400_naming_layout_and_nothing_is_saved(alice_api, campaign, label, message, layout):
    answer = alice_api.patch(url(campaign), {"layout": layout}, format="json")
    assert answer.status_code == 400, (label, answer.status_code)
    body = answer.json()
    said = [fault["message"] for fault in body["layout"]] if "layout" in body else [body["detail"]]
    assert any(message in text for text in said), said
    assert alice_api.get(url(campaign)).json()["layout"] == campaign["layout"]


def test_a_hostile_layout_with_a_graph_change_saves_no_version(alice_api, campaign):
    graph = copy.deepcopy(campaign["graph"])
    graph["steps"][0]["kwargs"] = {"seconds": 0.03}
    answer = put_graph(alice_api, campaign, graph, layout={"notes": [{"id": "n", "x": "left", "y": 0}]})
    assert answer.status_code == 400
    assert "note 'n': x must be a number" in answer.json()["layout"][0]["message"]
    assert alice_api.get(url(campaign)).json()["version"] == 1


def test_notes_travel_with_forks_exports_and_imports(alice_api, bob_api, alice, campaign):
    alice_api.patch(
        url(campaign), {"layout": {"notes": [NOTE], "positions": {"s4": {"x": 1000, "y": 7}}}}, format="json"
    )
    exported = alice_api.get(f"{url(campaign)}export/json/")
    document = json.loads(exported.content)
    assert document["layout"] == {"notes": [NOTE]}
    assert document["graph"]["steps"][3]["position"] == {"x": 1000, "y": 7}
    imported = alice_api.post("/api/campaigns/import/", {"document": exported.content.decode()}, format="json")
    assert imported.status_code == 201, imported.json()
    assert imported.json()["layout"]["notes"] == [NOTE]
    assert imported.json()["layout"]["positions"]["s4"] == {"x": 1000, "y": 7}
    # A document's notes are checked like any others.
    bad = {**document, "layout": {"notes": [{**NOTE, "text": "x" * 20_000}]}}
    refused = alice_api.post("/api/campaigns/import/", {"document": bad}, format="json")
    assert refused.status_code == 400 and "note 'note_1'" in refused.json()["layout"][0]["message"]

    lab = team_with("Lab", alice="admin", bob="editor")
    alice_api.patch(url(campaign), {"team": lab.pk, "visibility": "team"}, format="json")
    fork = bob_api.post(f"{url(campaign)}fork/", {}, format="json").json()
    assert fork["layout"]["notes"] == [NOTE]
    assert fork["layout"]["positions"]["s4"] == {"x": 1000, "y": 7}
    assert fork["graph"]["steps"][3]["position"] == {"x": 1000, "y": 7}


def test_a_file_without_notes_exports_without_a_layout(alice_api, campaign):
    document = json.loads(alice_api.get(f"{url(campaign)}export/json/").content)
    assert "layout" not in document


def test_restoring_a_version_puts_its_steps_back_and_keeps_the_notes(alice_api, campaign):
    graph = moved(campaign["graph"], "s1", 77, 77)
    graph["steps"][1]["kwargs"] = {"seconds": 0.04}
    put_graph(alice_api, campaign, graph, layout={"notes": [NOTE]})
    restored = alice_api.post(f"{url(campaign)}versions/1/restore/", {}, format="json")
    assert restored.status_code == 201, restored.json()
    body = restored.json()
    assert body["version"] == 3 and body["layout"]["positions"]["s1"] == {"x": 0, "y": 0}
    assert body["layout"]["notes"] == [NOTE]


def test_a_run_of_the_current_version_is_drawn_where_the_steps_sit_now(alice_api, campaign):
    run = alice_api.post(f"{url(campaign)}runs/", {}, format="json").json()
    alice_api.patch(url(campaign), {"layout": {"positions": {"s3": {"x": 5, "y": 500}}}}, format="json")
    shown = alice_api.get(f"/api/runs/{run['id']}/").json()["graph"]
    assert next(s for s in shown["steps"] if s["id"] == "s3")["position"] == {"x": 5, "y": 500}
    # Once the definition moves on, a run of the old version keeps the old version's drawing.
    graph = moved(alice_api.get(url(campaign)).json()["graph"], "s3", 7, 700)
    graph["steps"][0]["kwargs"] = {"seconds": 0.05}
    assert put_graph(alice_api, campaign, graph).json()["version"] == 2
    shown = alice_api.get(f"/api/runs/{run['id']}/").json()["graph"]
    assert next(s for s in shown["steps"] if s["id"] == "s3")["position"] == {"x": 520, "y": 0}
