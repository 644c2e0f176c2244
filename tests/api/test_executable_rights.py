"""Who may run executable steps: a right a site admin grants to a team or a user, never one a user takes.

Issue 10's repro: a user in no team made a team (becoming its admin) and that was enough to save and launch
``cat var/secret_key`` in a campaign outside any team.
"""

from __future__ import annotations

import json

import pytest

from campaigns_app.models import (
    AuditEntry,
    Campaign,
    CampaignVersion,
    Run,
    Team,
    UserCapabilities,
)
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import allow_executables, client_for, make_user, team_with

pytestmark = pytest.mark.django_db

STEAL = {"id": "steal", "kind": "executable", "argv": ["cat", "var/secret_key"]}


def body(**extra):
    return {"name": "cmd", "graph": {"steps": [STEAL], "edges": []}, **extra}


@pytest.fixture
def staff(db):
    return make_user("sam", is_staff=True)


def test_making_a_team_gives_no_right_to_run_executable_steps(charlie):
    api = client_for(charlie)
    team = api.post("/api/teams/", {"name": "mine"}, format="json")
    assert team.status_code == 201 and team.json()["role"] == "admin" and team.json()["may_run_executables"] is False

    answer = api.post("/api/campaigns/", body(), format="json")
    assert answer.status_code == 403, answer.json()
    assert answer.json()["executable_steps"] == ["steal"]
    assert "ask a site admin to allow you executable steps" in answer.json()["detail"]

    answer = api.post("/api/campaigns/", body(team=team.json()["id"], visibility="team"), format="json")
    assert answer.status_code == 403
    assert "ask a site admin to allow executable steps for team 'mine'" in answer.json()["detail"]
    assert Campaign.objects.count() == 0 and Run.objects.count() == 0


def test_only_a_site_admin_may_allow_a_team_executable_steps(charlie, staff):
    api = client_for(charlie)
    taken = api.post("/api/teams/", {"name": "mine", "may_run_executables": True}, format="json")
    assert taken.status_code == 403 and "only a site admin" in taken.json()["may_run_executables"][0]
    assert not Team.objects.exists()

    team_id = api.post("/api/teams/", {"name": "mine"}, format="json").json()["id"]
    taken = api.patch(f"/api/teams/{team_id}/", {"may_run_executables": True}, format="json")
    assert taken.status_code == 403 and "may_run_executables" in taken.json()
    # A name change in the same request is refused with it: nothing half-saved.
    taken = api.patch(f"/api/teams/{team_id}/", {"name": "ours", "may_run_executables": True}, format="json")
    assert taken.status_code == 403
    assert Team.objects.values_list("name", "may_run_executables").get() == ("mine", False)
    assert api.patch(f"/api/teams/{team_id}/", {"may_run_executables": "yes please"}, format="json").status_code == 400

    # A site admin who is not in the team sees it and allows it, and the trail says who did.
    granted = client_for(staff).patch(f"/api/teams/{team_id}/", {"may_run_executables": True}, format="json")
    assert granted.status_code == 200 and granted.json()["may_run_executables"] is True
    entry = AuditEntry.objects.get(action="team.edit")
    assert (entry.actor_name, entry.details) == ("sam", {"may_run_executables": [False, True]})
    # ...but does not otherwise run the team: renaming stays with its admins.
    assert client_for(staff).patch(f"/api/teams/{team_id}/", {"name": "x"}, format="json").status_code == 403

    created = api.post("/api/campaigns/", body(team=team_id, visibility="team"), format="json")
    assert created.status_code == 201, created.json()
    # Outside the team, charlie still may not.
    assert api.post("/api/campaigns/", body(), format="json").status_code == 403


def test_in_an_allowed_team_the_role_still_counts(alice, bob, charlie):
    lab = team_with("Lab", may_run_executables=True, alice="admin", bob="editor", charlie="operator")
    assert (
        client_for(bob).post("/api/campaigns/", body(team=lab.pk, visibility="team"), format="json").status_code == 201
    )
    campaign = Campaign.objects.get()
    launch = client_for(charlie).post(f"/api/campaigns/{campaign.pk}/runs/", {}, format="json")
    assert launch.status_code == 403
    assert "team 'Lab' lets only editors and admins launch such campaigns" in launch.json()["detail"]
    assert client_for(bob).post(f"/api/campaigns/{campaign.pk}/runs/", {}, format="json").status_code == 201


def test_a_site_admin_allows_one_user_executable_steps_outside_any_team(alice, bob, staff):
    url = f"/api/users/{alice.pk}/"
    refused = client_for(bob).patch(url, {"may_run_executables": True}, format="json")
    assert refused.status_code == 403 and "only site admins" in refused.json()["detail"]
    assert client_for(bob).get(url).status_code == 403
    assert not UserCapabilities.objects.filter(may_run_executables=True).exists()

    granted = client_for(staff).patch(url, {"may_run_executables": True}, format="json")
    assert granted.json() == {"id": alice.pk, "username": "alice", "may_run_executables": True}
    assert UserCapabilities.objects.get(user=alice).granted_by.username == "sam"
    assert AuditEntry.objects.filter(action="user.capabilities", actor_name="sam").count() == 1
    assert client_for(alice).post("/api/campaigns/", body(), format="json").status_code == 201
    assert client_for(bob).post("/api/campaigns/", body(), format="json").status_code == 403
    assert client_for(staff).get("/api/users/999999/").status_code == 404
    assert client_for(staff).get(f"/api/users/{2**70}/").status_code == 404


def test_me_says_what_the_user_may_do_with_executable_steps_and_why_not(alice, staff):
    allowed = team_with("Allowed", may_run_executables=True, alice="viewer")
    allowed.executable_min_role = "viewer"
    allowed.save()
    team_with("Plain", alice="admin")
    me = client_for(alice).get("/api/auth/me/").json()
    assert me["executables"] == {"allowed": False, "reason": me["executables"]["reason"]}
    assert "ask a site admin to allow you executable steps" in me["executables"]["reason"]
    by_name = {t["name"]: t for t in me["teams"]}
    assert by_name["Allowed"]["executables"] == {"allowed": True, "reason": None}
    assert by_name["Plain"]["may_run_executables"] is False
    assert "ask a site admin to allow executable steps for team 'Plain'" in by_name["Plain"]["executables"]["reason"]
    assert client_for(staff).get("/api/auth/me/").json()["executables"] == {"allowed": True, "reason": None}

    allow_executables(alice)
    assert client_for(alice).get("/api/auth/me/").json()["executables"]["allowed"] is True


def test_a_right_taken_back_stops_launch_retry_fork_import_and_restore(alice):
    allow_executables(alice)
    api = client_for(alice)
    campaign = campaign_create(owner=alice, name="cmd", graph={"steps": [STEAL], "edges": []})
    api.patch(
        f"/api/campaigns/{campaign.pk}/",
        {"graph": {"steps": [{**STEAL, "argv": ["true"]}], "edges": []}},
        format="json",
    )
    run = run_launch(campaign=campaign, user=alice)
    Run.objects.filter(pk=run.pk).update(state="failed")
    document = api.get(f"/api/campaigns/{campaign.pk}/export/json/").content.decode()
    UserCapabilities.objects.filter(user=alice).update(may_run_executables=False)

    answers = {
        "launch": api.post(f"/api/campaigns/{campaign.pk}/runs/", {}, format="json"),
        "retry": api.post(f"/api/runs/{run.pk}/retry/", {}, format="json"),
        "fork": api.post(f"/api/campaigns/{campaign.pk}/fork/", {}, format="json"),
        "import": api.post("/api/campaigns/import/", {"document": json.loads(document)}, format="json"),
        "restore": api.post(f"/api/campaigns/{campaign.pk}/versions/1/restore/", {}, format="json"),
    }
    for verb, answer in answers.items():
        assert answer.status_code == 403, (verb, answer.json())
        assert f"may {verb} campaigns with executable steps" in answer.json()["detail"], verb
    assert Campaign.objects.count() == 1 and Run.objects.count() == 1
    assert CampaignVersion.objects.filter(campaign=campaign).count() == 2


def test_the_campaign_tells_the_ui_whether_executable_steps_may_run_in_it(alice, bob):
    lab = team_with("Lab", alice="admin", bob="editor")
    shared = campaign_create(
        owner=alice,
        name="s",
        graph={"steps": [{"id": "a", "kind": "function", "function": "noop"}], "edges": []},
        team=lab,
        visibility="team",
    )
    detail = client_for(bob).get(f"/api/campaigns/{shared.pk}/").json()
    assert detail["permissions"]["run_executables"] is False
    assert "for team 'Lab'" in detail["executables"]["reason"]
    lab.may_run_executables = True
    lab.save()
    detail = client_for(bob).get(f"/api/campaigns/{shared.pk}/").json()
    assert detail["executables"] == {"allowed": True, "reason": None}


def test_the_admin_site_allows_a_team_and_a_user(alice, client):
    root = make_user("root", is_staff=True, is_superuser=True)
    lab = team_with("Lab", alice="admin")
    client.force_login(root)
    changelist = client.post(
        "/admin/campaigns_app/team/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(lab.pk),
            "form-0-may_run_executables": "on",
            "_save": "Save",
        },
    )
    assert changelist.status_code == 302, changelist.content[:500]
    lab.refresh_from_db()
    assert lab.may_run_executables is True
    assert AuditEntry.objects.get(action="team.edit").details["via"] == "admin site"

    page = client.get(f"/admin/auth/user/{alice.pk}/change/")
    assert b"rights beyond the user" in page.content.lower() and b"may_run_executables" in page.content
