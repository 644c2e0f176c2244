"""for_each steps, driven in-process: ensembles of child runs and function items, failures and retries of items only."""

import pytest

from campaigns_app.models import Run, StepItem
from campaigns_app.services import (
    campaign_create,
    run_launch,
    run_retry,
)
from tests.graphs import chain
from tests.services.workflow_drive import child_campaign, drain, fn, step, wf

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_ensemble_runs_one_child_per_item_and_returns_their_results_in_order(alice):
    kid = child_campaign(alice)
    parent = campaign_create(
        owner=alice,
        name="Ensemble",
        graph=chain(
            wf("ens", kid, for_each="{{ params.names }}", max_parallel=2, parameters={"who": "{{ item }}-{{ index }}"})
        ),
        parameters=[{"name": "names", "type": "json", "default": ["p", "q", "r"]}],
    )
    run = run_launch(campaign=parent, user=alice)
    assert Run.objects.filter(parent=run).count() == 2  # max_parallel
    drain()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert [r["b"]["got"] for r in step(run, "ens").result] == ["p-0", "q-1", "r-2"]
    assert list(StepItem.objects.filter(step_run__run=run).values_list("state", flat=True)) == ["succeeded"] * 3


def test_an_ensemble_item_failing_fails_the_step_and_a_retry_reruns_only_that_item(alice):
    kid = campaign_create(
        owner=alice,
        name="Picky",
        graph=chain(
            fn("a", "echo", who="{{ params.who }}"),
            {"id": "b", "kind": "function", "function": "fail", "kwargs": {"message": "{{ params.who }}", "times": 1}},
        ),
        parameters=[{"name": "who", "type": "string", "default": "x"}],
    )
    parent = campaign_create(
        owner=alice, name="Ensemble", graph=chain(wf("ens", kid, for_each=["ok"], parameters={"who": "{{ item }}"}))
    )
    run = run_launch(campaign=parent, user=alice)
    drain()
    ens = step(run, "ens")
    assert ens.state == "failed" and ens.error.startswith("item 0 failed: child run")
    first_child = StepItem.objects.get(step_run=ens, index=0).child_run_id
    run_retry(run_id=run.pk)
    drain()
    run.refresh_from_db()
    item = StepItem.objects.get(step_run=ens, index=0)
    assert run.state == "succeeded"
    assert item.child_run_id == first_child  # resumed, not a new child
    assert step(Run.objects.get(pk=first_child), "b").result == "succeeded on attempt 2"


def test_for_each_of_an_empty_list_succeeds_with_no_items_and_a_non_list_fails_naming_its_type(alice):
    kid = child_campaign(alice)
    parent = campaign_create(
        owner=alice,
        name="Edge",
        graph={
            "steps": [wf("none", kid, for_each="{{ params.names }}"), wf("bad", kid, for_each="{{ params.text }}")],
            "edges": [],
        },
        parameters=[
            {"name": "names", "type": "json", "default": []},
            {"name": "text", "type": "string", "default": "abc"},
        ],
    )
    run = run_launch(campaign=parent, user=alice)
    assert (step(run, "none").state, step(run, "none").result) == ("succeeded", [])
    assert step(run, "bad").state == "failed"
    assert step(run, "bad").error == "for_each gave string 'abc', not a list"


def test_a_function_for_each_runs_each_item_and_a_retry_reruns_only_the_failed_ones(alice):
    campaign = campaign_create(
        owner=alice,
        name="Items",
        graph=chain(
            fn("prep", "echo", files=[{"name": "a"}, {"name": "boom"}, {"name": "c"}]),
            {
                "id": "each",
                "kind": "function",
                "function": "echo",
                "for_each": "{{ steps.prep.result.files }}",
                "max_parallel": 2,
                "kwargs": {"name": "{{ item.name }}", "at": "{{ index }}"},
            },
            fn("after", "echo", got="{{ steps.each.result[2].name }}"),
        ),
    )
    run = run_launch(campaign=campaign, user=alice)
    drain()
    run.refresh_from_db()
    assert run.state == "succeeded"
    assert step(run, "each").result == [{"name": "a", "at": 0}, {"name": "boom", "at": 1}, {"name": "c", "at": 2}]
    assert step(run, "after").result == {"got": "c"}
    items = StepItem.objects.filter(step_run__run=run).order_by("index")
    assert [(i.state, i.attempts) for i in items] == [("succeeded", 1)] * 3


def test_a_failing_item_fails_the_step_skips_descendants_and_a_retry_runs_only_it(alice):
    # fail(times=N) fails while the attempt is at most N: item 0 never fails, item 1 on the first attempt only.
    campaign = campaign_create(
        owner=alice,
        name="Items",
        graph=chain(
            {
                "id": "each",
                "kind": "function",
                "function": "fail",
                "for_each": [0, 1],
                "kwargs": {"message": "item {{ index }}", "times": "{{ item }}"},
            },
            fn("after"),
        ),
    )
    run = run_launch(campaign=campaign, user=alice)
    drain()
    run.refresh_from_db()
    each = step(run, "each")
    assert (run.state, each.state, step(run, "after").state) == ("failed", "failed", "skipped")
    assert each.error.startswith("item 1 failed: RuntimeError: item 1")
    assert dict(StepItem.objects.filter(step_run=each).values_list("index", "state")) == {0: "succeeded", 1: "failed"}
    run_retry(run_id=run.pk)
    drain()
    run.refresh_from_db()
    items = {i.index: i for i in StepItem.objects.filter(step_run=each)}
    assert run.state == "succeeded"
    assert (items[0].attempts, items[1].attempts) == (1, 2)  # only the failed item ran again
    assert step(run, "each").result == ["succeeded on attempt 1", "succeeded on attempt 2"]
