"""Campaigns of workflows with a real worker: nesting, cancel and retry through a parent, for_each, ensembles."""

import pytest

from campaigns_app.models import Run, StepItem
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import client_for
from tests.graphs import chain

from .helpers import assert_gap_free, step, wait_for_runs, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def fn(step_id, function, **kwargs):
    return {"id": step_id, "name": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def wf(step_id, campaign, **extra):
    return {"id": step_id, "name": step_id, "kind": "workflow", "campaign": campaign.pk, **extra}


def campaign(owner, name, *steps, parameters=()):
    return campaign_create(owner=owner, name=name, graph=chain(*steps), parameters=list(parameters))


def test_workflows_nested_three_deep_run_to_the_end(alice):
    leaf = campaign(
        alice,
        "Leaf",
        fn("s1", "sleep", seconds=0.1),
        fn("s2", "echo", who="{{ params.who }}"),
        parameters=[{"name": "who", "type": "string", "default": "leaf"}],
    )
    middle = campaign(
        alice,
        "Middle",
        wf("leaf", leaf, parameters={"who": "{{ params.who }}"}),
        parameters=[{"name": "who", "type": "string", "default": "middle"}],
    )
    top = campaign(
        alice,
        "Top",
        wf("m1", middle, parameters={"who": "one"}),
        wf("m2", middle),
        fn("last", "echo", got="{{ steps.m1.result.leaf.s2.who }}"),
    )
    run = run_launch(campaign=top, user=alice)
    [run] = wait_for_runs([run.pk], timeout=60)
    assert run.state == "succeeded"
    assert step(run, "last").result == {"got": "one"}
    assert step(run, "m2").result == {"leaf": {"s1": 0.1, "s2": {"who": "middle"}}}
    grandchildren = Run.objects.filter(parent__parent=run)
    assert grandchildren.count() == 2 and all(g.state == "succeeded" for g in grandchildren)
    for r in [run, *Run.objects.filter(parent=run), *grandchildren]:
        assert_gap_free(r.pk)


def test_cancel_through_a_parent_stops_its_running_child(alice):
    slow = campaign(alice, "Slow", fn("wait", "sleep", seconds=30))
    parent = campaign(alice, "Parent", wf("sim", slow), fn("after", "noop"))
    run = run_launch(campaign=parent, user=alice)
    child = step(run, "sim").child_run
    wait_until(lambda: step(child, "wait").state == "running")
    answer = client_for(alice).post(f"/api/runs/{run.pk}/cancel/")
    assert answer.status_code == 200, answer.json()
    [run, child] = wait_for_runs([run.pk, child.pk], timeout=20)
    assert (run.state, child.state) == ("cancelled", "cancelled")
    assert (step(run, "sim").state, step(child, "wait").state) == ("cancelled", "cancelled")


def test_retry_through_a_parent_resumes_the_child_from_its_failure(alice):
    flaky = campaign(alice, "Flaky", fn("ok", "echo", x=1), fn("bad", "fail", message="first time", times=1))
    parent = campaign(alice, "Parent", wf("sim", flaky), fn("after", "echo", got="{{ steps.sim.result.bad }}"))
    run = run_launch(campaign=parent, user=alice)
    [run] = wait_for_runs([run.pk])
    assert (run.state, step(run, "sim").state, step(run, "after").state) == ("failed", "failed", "skipped")
    child_id = step(run, "sim").child_run_id
    assert client_for(alice).post(f"/api/runs/{run.pk}/retry/").status_code == 200
    [run] = wait_for_runs([run.pk])
    assert run.state == "succeeded"
    child = Run.objects.get(pk=child_id)
    assert (step(run, "sim").child_run_id, child.state) == (child_id, "succeeded")
    assert (step(child, "ok").attempts, step(child, "bad").attempts) == (1, 2)  # its success was kept
    assert step(run, "after").result == {"got": "succeeded on attempt 2"}


def test_retries_of_a_workflow_step_wait_their_delay_before_a_fresh_child(alice):
    broken = campaign(alice, "Broken", fn("bad", "fail", message="always"))
    parent = campaign(alice, "Parent", wf("sim", broken, retries=1, retry_delay_s=1.5))
    run = run_launch(campaign=parent, user=alice)
    [run] = wait_for_runs([run.pk], timeout=30)
    assert (run.state, step(run, "sim").state, step(run, "sim").attempts) == ("failed", "failed", 2)
    first, second = Run.objects.filter(parent=run).order_by("pk")
    # The backoff is a random point in the upper half of retry_delay_s; the worker held the message that long.
    assert (second.created_at - first.finished_at).total_seconds() >= 0.75
    assert first.state == second.state == "failed"
    assert_gap_free(run.pk)


def test_a_for_each_with_a_failure_and_a_retry_of_the_failed_items_only(alice):
    items = campaign(
        alice,
        "Items",
        fn("prep", "echo", times=[0, 1, 0, 1]),
        {
            **fn("each", "fail", message="item {{ index }}", times="{{ item }}"),
            "for_each": "{{ steps.prep.result.times }}",
            "max_parallel": 2,
        },
        fn("after", "noop"),
    )
    run = run_launch(campaign=items, user=alice)
    [run] = wait_for_runs([run.pk])
    each = step(run, "each")
    assert (run.state, each.state, step(run, "after").state) == ("failed", "failed", "skipped")
    states = dict(StepItem.objects.filter(step_run=each).values_list("index", "state"))
    assert states[1] == "failed" or states[3] == "failed"
    assert client_for(alice).post(f"/api/runs/{run.pk}/retry/").status_code == 200
    [run] = wait_for_runs([run.pk])
    assert run.state == "succeeded"
    attempts = dict(StepItem.objects.filter(step_run=each).values_list("index", "attempts"))
    assert attempts[0] == 1 and attempts[2] == 1  # the items that had succeeded did not run again
    assert step(run, "each").result[1] == "succeeded on attempt 2"
    logs = [e for e in run.events.filter(type="step.log", step_id="each")]
    assert all("item" in e.data for e in logs)


def test_an_ensemble_of_fifty_children(alice):
    member = campaign(
        alice,
        "Member",
        fn("s1", "sleep", seconds=0.05),
        fn("s2", "echo", who="{{ params.who }}"),
        parameters=[{"name": "who", "type": "string", "default": "?"}],
    )
    ensemble = campaign(
        alice,
        "Ensemble",
        wf("all", member, for_each="{{ params.names }}", parameters={"who": "{{ item }}"}),
        parameters=[{"name": "names", "type": "json", "default": [f"m{k}" for k in range(50)]}],
    )
    run = run_launch(campaign=ensemble, user=alice)
    assert Run.objects.filter(parent=run).count() == 50
    [run] = wait_for_runs([run.pk], timeout=120)
    assert run.state == "succeeded"
    assert [r["s2"]["who"] for r in step(run, "all").result] == [f"m{k}" for k in range(50)]
    assert Run.objects.filter(parent=run, state="succeeded").count() == 50


def test_timeout_s_on_a_workflow_step_cancels_the_child(alice):
    slow = campaign(alice, "Slow", fn("wait", "sleep", seconds=30))
    parent = campaign(alice, "Parent", wf("sim", slow, timeout_s=1))
    run = run_launch(campaign=parent, user=alice)
    child = step(run, "sim").child_run
    [run, child] = wait_for_runs([run.pk, child.pk], timeout=30)
    assert (run.state, child.state) == ("failed", "cancelled")
    assert step(run, "sim").error.startswith("timeout: still running after 1 s")
