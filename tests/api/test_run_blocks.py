"""GET /api/runs/{id}/blocks/: each block's state folded on the server (graph/states.py), the one fold the
run page shows (the browser no longer folds block states itself)."""

import pytest

from campaigns_app.models import StepRun
from campaigns_app.services import campaign_create, run_launch

pytestmark = pytest.mark.django_db


def _blocked_run(owner):
    steps = [
        {"id": "a1", "name": "A one", "kind": "function", "function": "noop", "block": "A"},
        {"id": "a2", "name": "A two", "kind": "function", "function": "noop", "block": "A"},
        {"id": "b1", "name": "B one", "kind": "function", "function": "noop", "block": "B"},
        {"id": "c1", "name": "C one", "kind": "function", "function": "noop", "block": "C"},
        {"id": "loose", "name": "Loose", "kind": "function", "function": "noop"},
    ]
    blocks = [
        {"id": "A", "name": "Block A", "parent": None},
        {"id": "B", "name": "Block B", "parent": None},
        {"id": "C", "name": "Inner C", "parent": "B"},
    ]
    campaign = campaign_create(
        owner=owner, name="Blocks", parameters=[], graph={"steps": steps, "edges": [], "blocks": blocks}
    )
    return run_launch(campaign=campaign, user=owner)


def _set(run, **states):
    for step, state in states.items():
        StepRun.objects.filter(run=run, step_id=step).update(state=state)


def test_blocks_answer_the_server_fold_of_their_steps(alice, alice_api):
    run = _blocked_run(alice)
    # A failed step beside a running one: the block is still running (it can make progress); the
    # browser's old copy of the fold said "failed" here.
    _set(run, a1="failed", a2="running", b1="succeeded", c1="cancelled", loose="succeeded")
    answer = alice_api.get(f"/api/runs/{run.pk}/blocks/")
    assert answer.status_code == 200
    blocks = {b["id"]: b for b in answer.json()}
    assert blocks["A"]["state"] == "running"
    assert sorted(blocks["A"]["steps"]) == ["a1", "a2"]
    # B holds its nested block C: a cancel outranks the success.
    assert blocks["B"]["state"] == "cancelled" and sorted(blocks["B"]["steps"]) == ["b1", "c1"]
    assert blocks["C"]["state"] == "cancelled"
    # The same fold as the run detail's.
    detail = {b["id"]: b["state"] for b in alice_api.get(f"/api/runs/{run.pk}/").json()["blocks"]}
    assert detail == {k: b["state"] for k, b in blocks.items()}

    _set(run, a2="succeeded")
    assert {b["id"]: b["state"] for b in alice_api.get(f"/api/runs/{run.pk}/blocks/").json()}["A"] == "failed"


def test_a_run_without_blocks_has_none_and_others_runs_are_404(alice, alice_api, bob_api):
    steps = [{"id": "s", "name": "S", "kind": "function", "function": "noop"}]
    plain = run_launch(
        campaign=campaign_create(owner=alice, name="Plain", parameters=[], graph={"steps": steps, "edges": []}),
        user=alice,
    )
    assert alice_api.get(f"/api/runs/{plain.pk}/blocks/").json() == []
    assert bob_api.get(f"/api/runs/{_blocked_run(alice).pk}/blocks/").status_code == 404
    assert alice_api.get("/api/runs/999999/blocks/").status_code == 404
