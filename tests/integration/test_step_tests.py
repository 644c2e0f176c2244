"""A step tested alone from the editor runs once on a real worker, and its result, log and error are visible."""

import pytest

from campaigns_app.models import CampaignVersion
from tests.conftest import client_for, seed_definition

from .helpers import assert_gap_free, wait_for_runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def tried(api, campaign_id, step, **body):
    answer = api.post(f"/api/campaigns/{campaign_id}/test-step/", {"step": step, **body}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def test_the_step_runs_once_with_its_sample_values_and_shows_result_and_log(alice):
    api = client_for(alice)
    campaign = api.post("/api/campaigns/", seed_definition(step_seconds=0.05), format="json").json()
    step = {
        "id": "s2",
        "name": "Talk",
        "kind": "function",
        "function": "chatty",
        "kwargs": {"lines": "{{ steps.s1.result.count }}", "pause_s": 0},
    }
    run = tried(api, campaign["id"], step, upstream={"s1": {"count": 2}})
    [done] = wait_for_runs([run["id"]], 30)
    assert done.state == "succeeded"
    detail = api.get(f"/api/runs/{run['id']}/").json()
    assert [(s["step"], s["state"], s["attempts"], s["result"]) for s in detail["steps"]] == [("s2", "succeeded", 1, 2)]
    log = api.get(f"/api/runs/{run['id']}/steps/s2/log").content.decode()
    assert "line 0" in log and "line 1" in log and "line 2" not in log
    events = api.get(f"/api/runs/{run['id']}/events/").json()
    assert [e["state"] for e in events if e["type"] == "run.state"] == ["queued", "running", "succeeded"]
    assert_gap_free(run["id"])
    assert CampaignVersion.objects.filter(campaign_id=campaign["id"]).count() == 1
    assert api.get(f"/api/runs/?campaign={campaign['id']}").json()["results"] == []


def test_a_step_that_raises_shows_its_error(alice):
    api = client_for(alice)
    campaign = api.post("/api/campaigns/", seed_definition(step_seconds=0.05), format="json").json()
    step = {"id": "s3", "kind": "function", "function": "fail", "kwargs": {"message": "{{ params.name }} broke"}}
    run = tried(api, campaign["id"], step, parameters={"name": "Probe"})
    [done] = wait_for_runs([run["id"]], 30)
    assert done.state == "failed"
    [row] = api.get(f"/api/runs/{run['id']}/").json()["steps"]
    assert row["state"] == "failed" and "Probe broke" in row["error"]
