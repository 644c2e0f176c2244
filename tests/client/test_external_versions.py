"""An attached script's run: versions stay as written while its graph grows, and the studio refuses to run it."""

from __future__ import annotations

import pytest

from campaigns_app.models import CampaignVersion, Run, StepRun
from campaigns_app.services.definitions import version_definition

pytestmark = [pytest.mark.django_db(transaction=True)]


def created(uid: str, name: str, depends_on=()) -> dict:
    return {"type": "created", "task": uid, "name": name, "depends_on": list(depends_on)}


def attach(api, key="session/block.000001"):
    response = api.post("/api/external-runs/", {"key": key, "title": "block"}, format="json")
    assert response.status_code == 201
    return response.json()


def report(api, run_id, events):
    response = api.post(f"/api/external-runs/{run_id}/events/", {"events": events}, format="json")
    assert response.status_code == 200, response.content
    return response


def test_each_report_that_adds_tasks_gives_the_run_a_new_version_and_leaves_the_old_one_as_it_was(alice_api):
    run_id = attach(alice_api)["id"]
    first_version = Run.objects.get(pk=run_id).version
    report(alice_api, run_id, [created("t1", "fetch")])
    after_one = Run.objects.get(pk=run_id).version
    assert version_definition(after_one.pk).steps.keys() == {"fetch_1"}  # warms the per-process cache

    report(alice_api, run_id, [created("t2", "train", depends_on=["t1"]), {"type": "started", "task": "t1"}])
    after_two = Run.objects.get(pk=run_id).version
    assert after_two.number == after_one.number + 1 == first_version.number + 2
    assert [s["id"] for s in after_two.graph["steps"]] == ["fetch_1", "train_1"]
    assert after_two.graph["edges"] == [{"source": "fetch_1", "target": "train_1"}]
    assert [s["id"] for s in CampaignVersion.objects.get(pk=after_one.pk).graph["steps"]] == ["fetch_1"]
    assert CampaignVersion.objects.get(pk=first_version.pk).graph == {"steps": [], "edges": []}
    assert version_definition(after_one.pk).steps.keys() == {"fetch_1"}

    report(alice_api, run_id, [{"type": "completed", "task": "t1"}])
    assert Run.objects.get(pk=run_id).version_id == after_two.pk  # no new task, no new version

    detail = alice_api.get(f"/api/runs/{run_id}/").json()
    assert detail["version"] == after_two.number
    assert [s["id"] for s in detail["graph"]["steps"]] == ["fetch_1", "train_1"]


def test_two_blocks_of_one_script_number_their_versions_without_collision(alice_api):
    one = attach(alice_api, "session/block.000001")
    two = alice_api.post(
        "/api/external-runs/", {"key": "session/block.000002", "campaign": one["campaign"]}, format="json"
    ).json()
    report(alice_api, one["id"], [created("a", "a")])
    report(alice_api, two["id"], [created("b", "b")])
    report(alice_api, one["id"], [created("c", "c")])
    numbers = list(CampaignVersion.objects.filter(campaign_id=one["campaign"]).values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert Run.objects.get(pk=one["id"]).version.graph["steps"][-1]["id"] == "c_1"
    assert [s["id"] for s in Run.objects.get(pk=two["id"]).version.graph["steps"]] == ["b_1"]


def test_cancel_and_retry_of_an_attached_scripts_run_answer_409_with_the_reason(alice_api):
    run_id = attach(alice_api)["id"]
    report(alice_api, run_id, [created("t1", "fetch"), {"type": "started", "task": "t1"}])

    cancel = alice_api.post(f"/api/runs/{run_id}/cancel/")
    assert cancel.status_code == 409
    assert "attached AsyncFlow script" in cancel.json()["detail"]
    assert StepRun.objects.get(run_id=run_id).state == "running"

    report(
        alice_api, run_id, [{"type": "failed", "task": "t1", "error": "boom"}, {"type": "finished", "state": "failed"}]
    )
    version_definition(Run.objects.get(pk=run_id).version_id)  # a warm cache used to turn retry into a 500
    retry = alice_api.post(f"/api/runs/{run_id}/retry/")
    assert retry.status_code == 409
    assert "attached AsyncFlow script" in retry.json()["detail"]
    assert StepRun.objects.get(run_id=run_id).state == "failed"

    bulk = alice_api.post("/api/runs/retry/", {"ids": [run_id]}, format="json")
    assert bulk.status_code == 200
    assert "attached AsyncFlow script" in bulk.json()["skipped"][str(run_id)]
