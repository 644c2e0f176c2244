"""For_each items waiting their retry delay, with a real worker: the wait, the other items meanwhile, a cancel."""

from datetime import datetime

import pytest

from campaigns_app.models import Run, RunEvent, StepItem
from campaigns_app.services import campaign_create, run_launch
from tests.conftest import client_for

from .helpers import assert_gap_free, step, wait_for_runs, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def due_at(event) -> datetime:
    """When the failed item's next attempt was due, as its ``step.item`` event says."""
    return datetime.fromisoformat(event.data["due_at"])


def items_campaign(owner, *, times, retry_delay_s, max_parallel=None):
    """One for_each step over ``times``, one retry: item i fails while the step's attempt is at most ``times[i]``."""
    each = {
        "id": "each",
        "name": "each",
        "kind": "function",
        "function": "fail",
        "for_each": times,
        "retries": 1,
        "retry_delay_s": retry_delay_s,
        "kwargs": {"message": "item {{ index }}", "times": "{{ item }}"},
    }
    if max_parallel:
        each["max_parallel"] = max_parallel
    after = {"id": "after", "name": "after", "kind": "function", "function": "noop", "kwargs": {}}
    graph = {"steps": [each, after], "edges": [{"source": "each", "target": "after"}]}
    return campaign_create(owner=owner, name="Items", graph=graph)


def item_events(run):
    return list(RunEvent.objects.filter(run=run, type="step.item", step_id="each").order_by("seq"))


def test_an_item_waits_its_retry_delay_while_the_other_items_run(alice):
    # Item 0 fails on both its attempts (the step's attempt 1); items 1 and 2 succeed.
    run = run_launch(campaign=items_campaign(alice, times=[1, 0, 0], retry_delay_s=1.5, max_parallel=1), user=alice)
    [run] = wait_for_runs([run.pk], timeout=30)
    assert (run.state, step(run, "each").state, step(run, "after").state) == ("failed", "failed", "skipped")
    states = dict(StepItem.objects.filter(step_run__run=run).values_list("index", "state"))
    assert states == {0: "failed", 1: "succeeded", 2: "succeeded"}
    events = item_events(run)
    waiting = next(e for e in events if e.state == "pending")
    retried = next(e for e in events if e.state == "running" and e.data == {"index": 0, "attempt": 2})
    # The backoff is a random point in the upper half of retry_delay_s; the item's next attempt came no sooner.
    assert 0.75 <= waiting.data["delay_s"] <= 1.5
    assert retried.at >= due_at(waiting)  # the due time stored with the failure, not a rounded delay
    # One thread for the step, and the waiting item did not hold it.
    assert {e.data["index"] for e in events if waiting.seq < e.seq < retried.seq and e.state == "succeeded"} == {1, 2}
    assert_gap_free(run.pk)


def test_a_cancel_during_an_items_retry_delay_cancels_the_step(alice):
    run = run_launch(campaign=items_campaign(alice, times=[1, 0], retry_delay_s=120), user=alice)
    each = step(run, "each")
    wait_until(lambda: StepItem.objects.filter(step_run=each, index=0, due_at__isnull=False).exists())
    answer = client_for(alice).post(f"/api/runs/{run.pk}/cancel/")
    assert answer.status_code == 200, answer.json()
    [run] = wait_for_runs([run.pk], timeout=20)
    assert (run.state, step(run, "each").state, step(run, "after").state) == ("cancelled", "cancelled", "cancelled")
    first = StepItem.objects.get(step_run=each, index=0)
    assert (first.state, first.attempts, first.due_at) == ("cancelled", 1, None)
    assert not [e for e in item_events(run) if e.state == "running" and e.data.get("attempt") == 2]
    assert_gap_free(run.pk)


def test_an_ensemble_item_waits_its_retry_delay_before_its_fresh_child(alice):
    member = campaign_create(
        owner=alice,
        name="Member",
        graph={
            "steps": [
                {
                    "id": "b",
                    "name": "b",
                    "kind": "function",
                    "function": "fail",
                    "kwargs": {"times": "{{ params.times }}"},
                }
            ],
            "edges": [],
        },
        parameters=[{"name": "times", "type": "integer", "default": 0}],
    )
    ensemble = {
        "id": "each",
        "name": "each",
        "kind": "workflow",
        "campaign": member.pk,
        "for_each": [1, 0],
        "retries": 1,
        "retry_delay_s": 1.5,
        "parameters": {"times": "{{ item }}"},
    }
    parent = campaign_create(owner=alice, name="Ensemble", graph={"steps": [ensemble], "edges": []})
    run = run_launch(campaign=parent, user=alice)
    [run] = wait_for_runs([run.pk], timeout=30)
    assert (run.state, step(run, "each").state) == ("failed", "failed")
    waiting = next(e for e in item_events(run) if e.data.get("will_retry"))
    assert 0.75 <= waiting.data["delay_s"] <= 1.5
    # The worker held the step's delayed message that long, then started the item's fresh child.
    first, second = Run.objects.filter(parent=run, parent_item=0).order_by("pk")
    assert second.created_at >= due_at(waiting)
    assert StepItem.objects.get(step_run__run=run, index=1).state == "succeeded"
    assert_gap_free(run.pk)
