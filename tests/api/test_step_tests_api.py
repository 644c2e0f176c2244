"""``POST /api/campaigns/{id}/test-step/``: one unsaved step run alone as a run of kind ``test``."""

import pytest

from campaigns_app.models import AuditEntry, CampaignVersion, Run, StepRun, Visibility
from tests.conftest import client_for, make_user, team_with

pytestmark = pytest.mark.django_db

ECHO = {"id": "s2", "name": "Report", "kind": "function", "function": "echo"}


def step_tried(api, campaign, step, **body):
    return api.post(f"/api/campaigns/{campaign.pk}/test-step/", {"step": step, **body}, format="json")


def test_the_step_as_sent_is_queued_alone_with_upstream_results_in_place(alice_api, seed_campaign):
    step = {**ECHO, "kwargs": {"got": "{{ steps.s1.result.files[0] }}", "who": "{{ params.name }}"}}
    answer = step_tried(alice_api, seed_campaign, step, parameters={"name": "B"}, upstream={"s1": {"files": ["a.h5"]}})
    assert answer.status_code == 201, answer.json()
    run = answer.json()
    assert run["kind"] == "test" and run["state"] == "queued" and run["parameters"] == {"name": "B"}
    assert [(s["step"], s["name"], s["state"]) for s in run["steps"]] == [("s2", "Report", "queued")]
    [sent] = run["graph"]["steps"]
    assert sent["kwargs"] == {"got": "a.h5", "who": "{{ params.name }}"}
    assert CampaignVersion.objects.filter(campaign=seed_campaign).count() == 1
    assert alice_api.get(f"/api/campaigns/{seed_campaign.pk}/").json()["version"] == 1


def test_a_test_run_is_audited_like_a_launch(alice_api, seed_campaign):
    run = step_tried(alice_api, seed_campaign, ECHO).json()
    entry = AuditEntry.objects.get(action="run.test")
    assert entry.actor_name == "alice" and entry.details["step"] == "s2" and str(run["id"]) in entry.target_repr


def test_test_runs_are_left_out_of_lists_and_the_dashboard_unless_asked_for(alice_api, seed_campaign):
    launched = alice_api.post(f"/api/campaigns/{seed_campaign.pk}/runs/", {}, format="json").json()
    tested = step_tried(alice_api, seed_campaign, ECHO).json()
    assert [r["id"] for r in alice_api.get("/api/runs/").json()["results"]] == [launched["id"]]
    listed = alice_api.get(f"/api/runs/?campaign={seed_campaign.pk}").json()["results"]
    assert [r["id"] for r in listed] == [launched["id"]]
    assert [r["id"] for r in alice_api.get("/api/runs/?kind=test").json()["results"]] == [tested["id"]]
    dashboard = alice_api.get("/api/dashboard/").json()
    assert [r["id"] for r in dashboard["runs"]] == [launched["id"]]
    detail = alice_api.get(f"/api/runs/{tested['id']}/")
    assert detail.status_code == 200 and detail.json()["kind"] == "test"
    assert alice_api.get(f"/api/runs/{tested['id']}/events/").status_code == 200


def test_only_the_owner_sees_a_test_run_even_on_a_shared_campaign(alice, bob, bob_api, alice_api, seed_campaign):
    team_with("Lab", alice="editor", bob="editor")
    seed_campaign.team = alice.memberships.get().team
    seed_campaign.visibility = Visibility.TEAM
    seed_campaign.save()
    tested = step_tried(alice_api, seed_campaign, ECHO).json()
    assert bob_api.get(f"/api/runs/{tested['id']}/").status_code == 404
    assert bob_api.get(f"/api/runs/{tested['id']}/events/").status_code == 404
    assert bob_api.get(f"/api/runs/{tested['id']}/steps/s2/log").status_code == 404
    assert bob_api.get("/api/runs/?kind=test").json()["results"] == []


def test_a_campaign_you_may_not_see_answers_404_and_nothing_is_run(bob_api, seed_campaign):
    assert step_tried(bob_api, seed_campaign, ECHO).status_code == 404
    assert Run.objects.count() == 0


def test_a_viewer_may_not_test_a_step_and_is_told_why(alice, seed_campaign):
    make_user("vera")
    team = team_with("Lab", alice="editor", vera="viewer")
    seed_campaign.team, seed_campaign.visibility = team, Visibility.TEAM
    seed_campaign.save()
    from django.contrib.auth import get_user_model

    answer = step_tried(client_for(get_user_model().objects.get(username="vera")), seed_campaign, ECHO)
    assert answer.status_code == 403 and "Lab" in str(answer.json())
    assert Run.objects.count() == 0


def test_an_executable_step_needs_the_right_to_run_it(alice_api, seed_campaign):
    step = {"id": "cmd", "kind": "executable", "argv": ["true"]}
    answer = step_tried(alice_api, seed_campaign, step)
    assert answer.status_code == 403 and "executable" in str(answer.json())
    assert Run.objects.count() == 0


def test_anonymous_is_401(seed_campaign):
    from rest_framework.test import APIClient

    assert step_tried(APIClient(), seed_campaign, ECHO).status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"step": {**ECHO, "function": "sleep", "kwargs": {"seconds": "abc"}}}, "s2", "must be a number"),
        ({"step": {"id": "s9", "kind": "function", "function": "nope"}}, "s9", "nope"),
        ({"step": "s1"}, "step", "must be a step object"),
        ({"step": {**ECHO, "kwargs": {"x": "{{ steps.s1.result }}"}}}, "upstream", "give a sample result"),
        ({"step": ECHO, "upstream": ["s1"]}, "upstream", "must be an object"),
        ({"step": ECHO, "parameters": {"nmae": "x"}}, "nmae", "unknown parameter"),
        ({"step": {"id": "w", "kind": "workflow", "campaign": 1}}, "step", "cannot be tested alone"),
        ({}, "step", "required"),
    ],
)
def test_bad_input_answers_400_naming_the_fault_and_runs_nothing(alice_api, seed_campaign, body, field, message):
    answer = alice_api.post(f"/api/campaigns/{seed_campaign.pk}/test-step/", body, format="json")
    assert answer.status_code == 400, answer.json()
    text = str(answer.json())
    assert field in text and message in text
    assert Run.objects.count() == 0 and StepRun.objects.count() == 0


def test_a_test_run_is_broadcast_to_its_run_page_only_never_to_a_dashboard(alice_api, seed_campaign):
    from campaigns_app.events import dashboard_groups_for_run

    launched = Run.objects.get(
        pk=alice_api.post(f"/api/campaigns/{seed_campaign.pk}/runs/", {}, format="json").json()["id"]
    )
    tested = Run.objects.get(pk=step_tried(alice_api, seed_campaign, ECHO).json()["id"])
    assert dashboard_groups_for_run(launched) != [] and dashboard_groups_for_run(tested) == []
