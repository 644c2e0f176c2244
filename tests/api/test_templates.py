"""Template sharing: forks and their lineage, versions with diff and restore, stale edits, parameters,
the library's filters, and the executable-step restriction."""

import pytest

from campaigns_app.models import AuditEntry, Campaign, CampaignVersion, Run
from campaigns_app.services import campaign_create
from tests.conftest import client_for, seed_definition, team_with

pytestmark = pytest.mark.django_db


def fn(step_id, function="noop", **kwargs):
    return {"id": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def exe(step_id, *argv):
    return {"id": step_id, "kind": "executable", "argv": list(argv or ["echo", "hi"])}


@pytest.fixture
def lab(alice, bob):
    return team_with("Lab", alice="admin", bob="editor")


@pytest.fixture
def shared(alice, lab):
    return campaign_create(
        owner=alice, team=lab, visibility="team", tags=["demo", "sleep"], **seed_definition(step_seconds=0.01)
    )


# --- forks ------------------------------------------------------------------------------------------


def test_a_fork_is_a_private_copy_that_remembers_campaign_and_version(bob_api, shared, alice_api):
    alice_api.patch(f"/api/campaigns/{shared.pk}/", {"parameters": []}, format="json")
    answer = bob_api.post(f"/api/campaigns/{shared.pk}/fork/", {"name": "Bob's seed"}, format="json")
    assert answer.status_code == 201, answer.json()
    fork = answer.json()
    assert (fork["name"], fork["owner"], fork["visibility"], fork["team"]) == ("Bob's seed", "bob", "private", None)
    assert fork["forked_from"] == {
        "id": shared.pk,
        "version": 2,
        "name": "Seed campaign",
        "owner": "alice",
        "deleted": False,
    }
    assert fork["graph"] == alice_api.get(f"/api/campaigns/{shared.pk}/").json()["graph"]
    assert fork["version"] == 1 and fork["tags"] == ["demo", "sleep"]
    # Alice does not see Bob's private fork, nor is it listed among her campaign's forks.
    assert alice_api.get(f"/api/campaigns/{fork['id']}/").status_code == 404
    assert alice_api.get(f"/api/campaigns/{shared.pk}/lineage/").json()["forks"] == []
    assert [f["id"] for f in bob_api.get(f"/api/campaigns/{shared.pk}/lineage/").json()["forks"]] == [fork["id"]]


def test_forks_of_forks_show_the_whole_lineage(bob_api, alice_api, shared, lab):
    first = bob_api.post(f"/api/campaigns/{shared.pk}/fork/", {"team": lab.pk}, format="json").json()
    assert (first["visibility"], first["team"], first["name"]) == ("team", lab.pk, "Seed campaign (fork)")
    second = alice_api.post(f"/api/campaigns/{first['id']}/fork/", {}, format="json").json()
    lineage = alice_api.get(f"/api/campaigns/{second['id']}/lineage/").json()
    assert [(a["id"], a["version"], a["owner"]) for a in lineage["ancestors"]] == [
        (first["id"], 1, "bob"),
        (shared.pk, 1, "alice"),
    ]


def test_forking_into_a_team_needs_an_editor_role_there(charlie, shared, alice):
    public = campaign_create(owner=alice, visibility="public", **seed_definition())
    viewers = team_with("Viewers", charlie="viewer")
    answer = client_for(charlie).post(f"/api/campaigns/{public.pk}/fork/", {"team": viewers.pk}, format="json")
    assert answer.status_code == 400 and "only editors and admins" in answer.json()["team"][0]
    answer = client_for(charlie).post(f"/api/campaigns/{public.pk}/fork/", {"team": 999}, format="json")
    assert answer.status_code == 400 and "team" in answer.json()
    assert Campaign.objects.filter(owner=charlie).count() == 0


def test_a_deleted_source_leaves_the_fork_with_its_version_number(bob_api, alice_api, shared):
    fork = bob_api.post(f"/api/campaigns/{shared.pk}/fork/", {}, format="json").json()
    assert alice_api.delete(f"/api/campaigns/{shared.pk}/").status_code == 204
    again = bob_api.get(f"/api/campaigns/{fork['id']}/").json()
    assert again["forked_from"] == {"id": None, "version": 1, "name": None, "owner": None, "deleted": True}


# --- versions, diff, restore, conflicts -------------------------------------------------------------


def test_every_definition_change_is_a_new_version_and_the_diff_names_fields(alice_api, shared):
    url = f"/api/campaigns/{shared.pk}/"
    current = alice_api.get(url).json()
    graph = current["graph"]
    graph["steps"][1]["kwargs"] = {"seconds": 2}
    graph["steps"][1]["name"] = "Longer step"
    graph["steps"] = [s for s in graph["steps"] if s["id"] != "s4"] + [fn("s5")]
    graph["edges"] = [e for e in graph["edges"] if e["target"] != "s4"] + [{"source": "s3", "target": "s5"}]
    answer = alice_api.put(
        url,
        {"name": current["name"], "graph": graph, "parameters": current["parameters"], "base_version": 1},
        format="json",
    )
    assert answer.status_code == 200 and answer.json()["version"] == 2
    assert alice_api.patch(url, {"name": "Renamed"}, format="json").json()["version"] == 2

    versions = alice_api.get(f"{url}versions/").json()
    assert [(v["number"], v["created_by"], v["note"]) for v in versions] == [(2, "alice", ""), (1, "alice", "created")]
    diff = alice_api.get(f"{url}diff/?from=1&to=2").json()
    assert [s["id"] for s in diff["steps"]["added"]] == ["s5"]
    assert [s["id"] for s in diff["steps"]["removed"]] == ["s4"]
    assert diff["steps"]["changed"] == [
        {
            "id": "s2",
            "changes": [
                {"field": "kwargs", "from": {"seconds": 0.01}, "to": {"seconds": 2}},
                {"field": "name", "from": "Step 2", "to": "Longer step"},
            ],
        }
    ]
    assert diff["edges"] == {"added": [{"source": "s3", "target": "s5"}], "removed": [{"source": "s3", "target": "s4"}]}
    assert diff["summary"] == "1 step added, 1 removed, 1 changed; 1 edge added, 1 removed"
    assert alice_api.get(f"{url}diff/?from=1&to=9").status_code == 404
    assert alice_api.get(f"{url}diff/?from=x").status_code == 400


def test_restoring_an_old_version_adds_a_new_one_and_keeps_history(alice_api, shared):
    url = f"/api/campaigns/{shared.pk}/"
    alice_api.patch(url, {"parameters": []}, format="json")
    answer = alice_api.post(f"{url}versions/1/restore/", {}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["version"] == 3 and answer.json()["parameters"][0]["name"] == "name"
    assert CampaignVersion.objects.get(campaign=shared, number=3).note == "restored version 1"
    assert CampaignVersion.objects.filter(campaign=shared).count() == 3
    again = alice_api.post(f"{url}versions/3/restore/", {}, format="json")
    assert again.status_code == 400 and "same as the current version" in again.json()["version"][0]
    assert alice_api.post(f"{url}versions/7/restore/", {}, format="json").status_code == 400


def test_a_stale_edit_gets_409_with_the_current_version_and_the_changes(alice_api, bob_api, shared):
    url = f"/api/campaigns/{shared.pk}/"
    mine = alice_api.get(url).json()
    theirs = bob_api.get(url).json()
    theirs["graph"]["steps"].append(fn("extra"))
    assert bob_api.put(url, theirs | {"base_version": 1}, format="json").status_code == 200

    mine["graph"]["steps"][0]["kwargs"] = {"seconds": 3}
    answer = alice_api.put(url, mine | {"base_version": 1}, format="json")
    assert answer.status_code == 409
    body = answer.json()
    assert body["current_version"] == 2 and body["base_version"] == 1
    assert [s["id"] for s in body["changes"]["steps"]["added"]] == ["extra"]
    assert "extra" in [s["id"] for s in body["current"]["graph"]["steps"]]
    assert "changed since version 1" in body["detail"]
    # Nothing was lost or half-saved...
    assert CampaignVersion.objects.filter(campaign=shared).count() == 2
    # ...and overwriting is a deliberate second request against the current version.
    again = alice_api.put(url, mine | {"base_version": 2}, format="json")
    assert again.status_code == 200 and again.json()["version"] == 3
    assert [s["id"] for s in again.json()["graph"]["steps"]] == ["s1", "s2", "s3", "s4"]


# --- parameters -------------------------------------------------------------------------------------

TYPED = [
    {"name": "label", "type": "string", "required": True, "description": "shown in logs"},
    {"name": "count", "type": "integer", "default": 3},
    {"name": "ratio", "type": "number", "default": 0.5},
    {"name": "dry", "type": "boolean", "default": False},
    {"name": "mode", "type": "choice", "choices": ["fast", "slow"], "default": "fast"},
    {"name": "extra", "type": "json"},
]


@pytest.fixture
def typed(alice):
    return campaign_create(
        owner=alice,
        name="typed",
        parameters=TYPED,
        graph={"steps": [fn("a", "echo", label="{{ params.label }}", n="{{ params.count }}")], "edges": []},
    )


@pytest.mark.parametrize(
    ("given", "name", "message"),
    [
        ({}, "label", "is required"),
        ({"label": 1}, "label", "must be a string"),
        ({"label": "x", "count": 2.5}, "count", "must be an integer"),
        ({"label": "x", "count": True}, "count", "must be an integer"),
        ({"label": "x", "ratio": "half"}, "ratio", "must be a number"),
        ({"label": "x", "dry": "yes"}, "dry", "must be true or false"),
        ({"label": "x", "mode": "medium"}, "mode", "must be one of"),
        ({"label": "x", "colour": "red"}, "colour", "unknown parameter"),
    ],
)
def test_launch_refuses_bad_parameters_naming_each_and_creates_nothing(alice_api, typed, given, name, message):
    answer = alice_api.post(f"/api/campaigns/{typed.pk}/runs/", {"parameters": given}, format="json")
    assert answer.status_code == 400
    assert message in answer.json()["parameters"][name][0]
    assert Run.objects.count() == 0


def test_launch_fills_defaults_and_keeps_json_values(alice_api, typed):
    answer = alice_api.post(
        f"/api/campaigns/{typed.pk}/runs/", {"parameters": {"label": "x", "extra": {"a": [1, 2]}}}, format="json"
    )
    assert answer.status_code == 201
    assert answer.json()["parameters"] == {
        "label": "x",
        "count": 3,
        "ratio": 0.5,
        "dry": False,
        "mode": "fast",
        "extra": {"a": [1, 2]},
    }
    detail = alice_api.get(f"/api/campaigns/{typed.pk}/").json()
    assert detail["parameters"][0] == {
        "name": "label",
        "type": "string",
        "default": None,
        "description": "shown in logs",
        "required": True,
    }
    assert detail["last_used_at"] is not None


def test_parameter_declarations_are_checked_when_saving(alice_api):
    answer = alice_api.post(
        "/api/campaigns/",
        {
            "name": "bad",
            "parameters": [
                {"name": "mode", "type": "choice", "choices": []},
                {"name": "n", "type": "integer", "default": "x"},
            ],
            "graph": {"steps": [fn("a")], "edges": []},
        },
        format="json",
    )
    assert answer.status_code == 400
    messages = " ".join(f["message"] for f in answer.json()["parameters"])
    assert "'mode'" in messages and "'n': default must be an integer" in messages


# --- library ----------------------------------------------------------------------------------------


def test_library_searches_filters_and_sorts_by_recent_use(alice, bob, bob_api, lab, shared):
    other = campaign_create(
        owner=bob,
        name="Nightly cleanup",
        description="removes scratch files",
        visibility="public",
        tags=["ops"],
        graph={"steps": [fn("a")], "edges": []},
    )
    private = campaign_create(owner=alice, name="Alice's secret", graph={"steps": [fn("a")], "edges": []})

    def names(query):
        answer = bob_api.get(f"/api/campaigns/?{query}")
        assert answer.status_code == 200, answer.json()
        return [c["name"] for c in answer.json()["results"]]

    assert "Alice's secret" not in names("") and private.pk
    assert names("search=scratch") == ["Nightly cleanup"]
    assert names("search=SEED") == ["Seed campaign"]
    assert names(f"team={lab.pk}") == ["Seed campaign"]
    assert names("owner=bob") == ["Nightly cleanup"]
    assert names("tag=ops") == ["Nightly cleanup"] and names("tag=Demo") == ["Seed campaign"]
    assert names("visibility=public") == ["Nightly cleanup"]
    bob_api.post(f"/api/campaigns/{shared.pk}/runs/", {}, format="json")
    assert names("sort=recent")[0] == "Seed campaign"
    bob_api.post(f"/api/campaigns/{other.pk}/runs/", {}, format="json")
    assert names("sort=recent")[0] == "Nightly cleanup"
    assert names("sort=name") == ["Nightly cleanup", "Seed campaign"]
    for bad in ("sort=best", "visibility=secret", "team=x"):
        answer = bob_api.get(f"/api/campaigns/?{bad}")
        assert answer.status_code == 400 and bad.split("=")[0] in answer.json()


def test_sharing_fields_are_validated(alice_api, lab):
    body = seed_definition()
    answer = alice_api.post("/api/campaigns/", body | {"visibility": "team"}, format="json")
    assert answer.status_code == 400 and "needs a team" in answer.json()["visibility"][0]
    answer = alice_api.post("/api/campaigns/", body | {"visibility": "everyone"}, format="json")
    assert answer.status_code == 400 and "visibility" in answer.json()
    answer = alice_api.post("/api/campaigns/", body | {"tags": "a,b"}, format="json")
    assert answer.status_code == 400 and "tags" in answer.json()
    assert Campaign.objects.count() == 0
    answer = alice_api.post(
        "/api/campaigns/", body | {"visibility": "team", "team": lab.pk, "tags": [" x ", "X"]}, format="json"
    )
    assert answer.status_code == 201
    assert (answer.json()["team_name"], answer.json()["tags"]) == ("Lab", ["x"])
    assert answer.json()["permissions"] == {
        "launch": True,
        "edit": True,
        "manage": True,
        "fork": True,
        "run_executables": False,
    }


def test_a_team_editor_may_not_change_sharing(bob_api, shared):
    answer = bob_api.patch(f"/api/campaigns/{shared.pk}/", {"visibility": "public"}, format="json")
    assert answer.status_code == 403 and "who sees" in answer.json()["detail"]
    assert Campaign.objects.get(pk=shared.pk).visibility == "team"


# --- executable steps -------------------------------------------------------------------------------


def test_executable_steps_need_the_role_the_team_setting_names(alice, bob, charlie, lab):
    lab.may_run_executables = True  # a site admin allowed Lab
    lab.save()
    graph = {"steps": [fn("a"), exe("b")], "edges": [{"source": "a", "target": "b"}]}
    team_with("Ops", charlie="operator")
    lab.memberships.filter(user=bob).update(role="operator")
    # An operator of Lab may not save one into Lab (default: editors and admins)...
    answer = client_for(bob).post(
        "/api/campaigns/", {"name": "x", "graph": graph, "team": lab.pk, "visibility": "team"}, format="json"
    )
    assert answer.status_code == 400  # operators may not put campaigns in a team at all
    campaign = campaign_create(owner=alice, name="cmd", graph=graph, team=lab, visibility="team")
    launch = client_for(bob).post(f"/api/campaigns/{campaign.pk}/runs/", {}, format="json")
    assert launch.status_code == 403
    assert "executable step(s) 'b'" in launch.json()["detail"]
    assert "lets only editors and admins launch" in launch.json()["detail"]
    assert launch.json()["executable_steps"] == ["b"]
    # ...nor copy it into his own space to run it there.
    fork = client_for(bob).post(f"/api/campaigns/{campaign.pk}/fork/", {}, format="json")
    assert fork.status_code == 403 and "executable" in fork.json()["detail"]
    # Outsiders cannot slip one in through a private campaign either.
    answer = client_for(charlie).post("/api/campaigns/", {"name": "x", "graph": graph}, format="json")
    assert answer.status_code == 403 and "outside a team" in answer.json()["detail"]
    assert Run.objects.count() == 0 and Campaign.objects.count() == 1

    # The team's admin lowers the bar to operators: now Bob launches.
    assert (
        client_for(alice).patch(f"/api/teams/{lab.pk}/", {"executable_min_role": "operator"}, format="json").status_code
        == 200
    )
    assert client_for(bob).post(f"/api/campaigns/{campaign.pk}/runs/", {}, format="json").status_code == 201


def test_an_editor_may_not_add_an_executable_step_when_only_admins_may(alice, bob, lab, shared):
    lab.executable_min_role, lab.may_run_executables = "admin", True
    lab.save()
    url = f"/api/campaigns/{shared.pk}/"
    body = client_for(bob).get(url).json()
    body["graph"]["steps"].append(exe("cmd"))
    answer = client_for(bob).put(url, body, format="json")
    assert answer.status_code == 403 and "lets only admins save" in answer.json()["detail"]
    assert CampaignVersion.objects.filter(campaign=shared).count() == 1
    assert client_for(alice).put(url, body, format="json").status_code == 200
    assert AuditEntry.objects.filter(action="campaign.edit", actor=alice).count() == 1


def test_what_a_viewer_may_not_do_is_said_before_the_click_and_every_403_says_what_to_do(alice, bob, lab):
    lab.memberships.filter(user=bob).update(role="viewer")
    lab.may_run_executables = True
    lab.save()
    graph = {"steps": [fn("a"), exe("b")], "edges": [{"source": "a", "target": "b"}]}
    campaign = campaign_create(owner=alice, name="cmd", graph=graph, team=lab, visibility="team")
    body = client_for(bob).get(f"/api/campaigns/{campaign.pk}/").json()
    assert body["permissions"]["fork"] is False and body["permissions"]["edit"] is False
    assert body["denials"]["edit"].endswith(
        "not edit it (its owner and its team's editors and admins may): ask an admin of team 'Lab' for the editor role"
    )
    assert "ask a site admin to allow you executable steps" in body["denials"]["fork"]
    assert body["denials"]["launch"].endswith("ask an admin of team 'Lab' for the operator role")
    listed = next(c for c in client_for(bob).get("/api/campaigns/").json()["results"] if c["id"] == campaign.pk)
    assert listed["denials"] == body["denials"]

    edit = client_for(bob).put(f"/api/campaigns/{campaign.pk}/", {"name": "mine", "graph": graph}, format="json")
    assert edit.status_code == 403 and edit.json()["detail"] == body["denials"]["edit"]
    fork = client_for(bob).post(f"/api/campaigns/{campaign.pk}/fork/", {}, format="json")
    assert fork.status_code == 403 and fork.json()["detail"] == body["denials"]["fork"]
    assert client_for(alice).get(f"/api/campaigns/{campaign.pk}/").json()["denials"] == {
        "launch": None,
        "edit": None,
        "fork": None,
    }
