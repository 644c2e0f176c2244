"""Two editors moving steps at once: a layout save names the revision it started from, and one that would
change a layout changed since is refused with 409, the current layout and what it would put back."""

import copy

import pytest

from campaigns_app.models import AuditEntry, Campaign, Membership
from tests.conftest import client_for, make_user, seed_definition, team_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(alice, bob):
    return team_with("Lab", alice="admin", bob="editor")


@pytest.fixture
def campaign(alice_api, lab):
    body = {**seed_definition(step_seconds=0.01), "team": lab.pk, "visibility": "team"}
    answer = alice_api.post("/api/campaigns/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["layout_revision"] == 0
    return answer.json()


def url(campaign):
    return f"/api/campaigns/{campaign['id']}/"


def moved(graph, step_id, x, y):
    graph = copy.deepcopy(graph)
    next(s for s in graph["steps"] if s["id"] == step_id)["position"] = {"x": x, "y": y}
    return graph


def save_graph(api, campaign, graph, **extra):
    body = {"name": campaign["name"], "parameters": campaign["parameters"], "graph": graph, **extra}
    return api.put(url(campaign), body, format="json")


def position(api, campaign, step_id):
    return api.get(url(campaign)).json()["layout"]["positions"][step_id]


def test_each_layout_change_bumps_the_revision_and_other_saves_do_not(alice_api, campaign):
    first = save_graph(alice_api, campaign, moved(campaign["graph"], "s1", 5, 6), base_version=1, layout_revision=0)
    assert first.status_code == 200, first.json()
    assert first.json()["layout_revision"] == 1
    renamed = alice_api.patch(url(campaign), {"description": "same layout"}, format="json")
    assert renamed.json()["layout_revision"] == 1
    patched = alice_api.patch(
        url(campaign), {"layout": {"positions": {"s2": {"x": 1, "y": 2}}}, "layout_revision": 1}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["layout_revision"] == 2


def test_a_stale_save_that_would_put_back_moved_steps_is_a_409_naming_them(alice_api, bob, campaign):
    bob_api = client_for(bob)
    # Alice and Bob open revision 0. Bob moves s2 and saves first.
    bobs = save_graph(bob_api, campaign, moved(campaign["graph"], "s2", 900, 900), base_version=1, layout_revision=0)
    assert bobs.status_code == 200 and bobs.json()["layout_revision"] == 1
    # Alice moved s1; her save still has s2 where she loaded it, which would undo Bob's move.
    alices = save_graph(alice_api, campaign, moved(campaign["graph"], "s1", 10, 20), base_version=1, layout_revision=0)
    assert alices.status_code == 409
    body = alices.json()
    assert body["code"] == "layout_conflict"
    assert body["layout_revision"] == 1 and body["base_layout_revision"] == 0
    assert body["steps"] == ["s1", "s2"]
    assert "changed since revision 0" in body["detail"] and "s1, s2" in body["detail"]
    assert body["layout"]["positions"]["s2"] == {"x": 900, "y": 900}
    # Nothing of Alice's save landed.
    assert position(alice_api, campaign, "s2") == {"x": 900, "y": 900}
    assert position(alice_api, campaign, "s1") == campaign["layout"]["positions"]["s1"]
    assert AuditEntry.objects.filter(actor__username="alice", action="campaign.edit").count() == 0

    # Her editor merges: her s1, Bob's s2, and the revision it merged onto.
    merged = moved(moved(campaign["graph"], "s1", 10, 20), "s2", 900, 900)
    again = save_graph(alice_api, campaign, merged, base_version=1, layout_revision=1)
    assert again.status_code == 200, again.json()
    assert again.json()["layout_revision"] == 2
    assert position(alice_api, campaign, "s1") == {"x": 10, "y": 20}
    assert position(alice_api, campaign, "s2") == {"x": 900, "y": 900}


def test_a_stale_save_that_leaves_the_layout_alone_is_not_refused(alice_api, bob, campaign):
    bob_api = client_for(bob)
    bob_api.patch(
        url(campaign), {"layout": {"positions": {"s3": {"x": 1, "y": 1}}}, "layout_revision": 0}, format="json"
    )
    # A rename from revision 0 changes no position: nothing to conflict with.
    answer = alice_api.patch(url(campaign), {"name": "Renamed", "layout_revision": 0}, format="json")
    assert answer.status_code == 200 and answer.json()["name"] == "Renamed"
    assert answer.json()["layout_revision"] == 1


def test_notes_edited_by_someone_else_are_named_in_the_conflict(alice_api, bob, campaign):
    note = {"id": "note_1", "text": "Bob's", "x": 0, "y": 0, "width": 200, "height": 100}
    client_for(bob).patch(url(campaign), {"layout": {"notes": [note]}, "layout_revision": 0}, format="json")
    answer = alice_api.patch(url(campaign), {"layout": {"notes": []}, "layout_revision": 0}, format="json")
    assert answer.status_code == 409
    assert answer.json()["notes"] == ["note_1"] and "note(s) note_1" in answer.json()["detail"]
    assert len(alice_api.get(url(campaign)).json()["layout"]["notes"]) == 1


def test_a_save_without_a_revision_still_wins_and_a_definition_conflict_comes_first(alice_api, bob, campaign):
    client_for(bob).patch(url(campaign), {"layout": {"positions": {"s1": {"x": 7, "y": 7}}}}, format="json")
    # Scripts that send no revision keep last-write-wins.
    plain = save_graph(alice_api, campaign, moved(campaign["graph"], "s1", 3, 3))
    assert plain.status_code == 200 and position(alice_api, campaign, "s1") == {"x": 3, "y": 3}
    # A new version by Bob: a stale base_version is the definition's 409, whatever the layout revision.
    graph = copy.deepcopy(campaign["graph"])
    graph["steps"][0]["name"] = "Renamed by Bob"
    assert save_graph(client_for(bob), campaign, graph, base_version=1).status_code == 200
    stale = save_graph(alice_api, campaign, moved(campaign["graph"], "s1", 4, 4), base_version=1, layout_revision=0)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2 and "code" not in stale.json()


@pytest.mark.parametrize(
    "revision",
    ["abc", -1, 2**63, 1.5, True, [1], {"r": 1}, None, "", "1" * 2000],
)
def test_a_hostile_layout_revision_is_a_400_naming_it(alice_api, campaign, revision):
    answer = alice_api.patch(
        url(campaign), {"layout": {"positions": {"s1": {"x": 1, "y": 1}}}, "layout_revision": revision}, format="json"
    )
    assert answer.status_code == 400, answer.json()
    assert "layout_revision" in answer.json()
    assert Campaign.objects.get(pk=campaign["id"]).layout.get("revision", 0) == 0


def test_a_viewer_gets_the_403_not_the_layout(alice_api, campaign, lab):
    carol = make_user("carol")
    Membership.objects.create(team=lab, user=carol, role="viewer")
    answer = client_for(carol).patch(
        url(campaign), {"layout": {"positions": {"s1": {"x": 1, "y": 1}}}, "layout_revision": 99}, format="json"
    )
    assert answer.status_code == 403
    assert "layout" not in answer.json()
