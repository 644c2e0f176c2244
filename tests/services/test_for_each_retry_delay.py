"""A failed for_each item with retries left waits the step's ``retry_delay_s`` before its next attempt.

The wait is read from the stored item events (``step.item``, in seq order), never from the test's own clock.
"""

import threading
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from campaigns_app.models import Run, RunEvent, StepItem, StepRun
from campaigns_app.services import campaign_create, run_cancel, run_launch, step_run_execute
from campaigns_app.services.recovery import steps_in_this_process, steps_pass_cancel_requests

pytestmark = pytest.mark.django_db(transaction=True)


def due_at(event) -> datetime:
    """When the failed item's next attempt was due, as its ``step.item`` event says."""
    return datetime.fromisoformat(event.data["due_at"])


def items_campaign(owner, *, times, retry_delay_s, max_parallel=None, retries=1):
    """One for_each step over ``times``: item i fails while the step's attempt is at most ``times[i]`` (None: always).

    ``context.attempt`` is the step's, so an item retried within one step attempt fails the same way again.
    """
    step = {
        "id": "each",
        "kind": "function",
        "function": "fail",
        "for_each": times,
        "retries": retries,
        "retry_delay_s": retry_delay_s,
        "kwargs": {"message": "item {{ index }}", "times": "{{ item }}"},
    }
    if max_parallel:
        step["max_parallel"] = max_parallel
    return campaign_create(owner=owner, name="Items", graph={"steps": [step], "edges": []})


def item_events(run):
    return list(RunEvent.objects.filter(run=run, type="step.item", step_id="each").order_by("seq"))


def test_a_failed_item_waits_its_retry_delay_before_its_next_attempt(alice):
    run = run_launch(campaign=items_campaign(alice, times=[None], retry_delay_s=1), user=alice)
    step_run_execute(step_run_id=StepRun.objects.get(run=run).pk)
    run.refresh_from_db()
    each = StepRun.objects.get(run=run)
    assert (run.state, each.state) == ("failed", "failed")
    assert each.error.startswith("item 0 failed: RuntimeError: item 0")
    events = item_events(run)
    assert [(e.state, e.data.get("attempt")) for e in events] == [
        ("running", 1),
        ("pending", 1),
        ("running", 2),
        ("failed", 2),
    ]
    failed, second = events[1], events[2]
    # The backoff is a random point in the upper half of retry_delay_s, and the item started no earlier.
    assert failed.data["will_retry"] is True
    assert 0.5 <= failed.data["delay_s"] <= 1.0
    assert second.at >= due_at(failed)  # the due time stored with the failure, not a rounded delay
    item = StepItem.objects.get(step_run=each)
    assert (item.state, item.attempts, item.due_at) == ("failed", 2, None)


def test_other_items_run_while_one_waits_its_retry_delay(alice):
    # One thread for the step: a waiting item that held it would keep items 1 and 2 from running.
    campaign = items_campaign(alice, times=[None, 0, 0], retry_delay_s=2, max_parallel=1)
    run = run_launch(campaign=campaign, user=alice)
    step_run_execute(step_run_id=StepRun.objects.get(run=run).pk)
    run.refresh_from_db()
    assert run.state == "failed"
    events = item_events(run)
    waiting = next(e for e in events if e.state == "pending")
    retried = next(e for e in events if e.state == "running" and e.data == {"index": 0, "attempt": 2})
    during = [(e.data["index"], e.state) for e in events if waiting.seq < e.seq < retried.seq]
    assert during == [(1, "running"), (1, "succeeded"), (2, "running"), (2, "succeeded")]
    assert retried.at >= due_at(waiting)  # the due time stored with the failure, not a rounded delay


def test_a_cancel_during_an_items_retry_delay_cancels_the_item_and_the_step(alice):
    run = run_launch(campaign=items_campaign(alice, times=[None, 0], retry_delay_s=120), user=alice)
    step_run = StepRun.objects.get(run=run)
    worker = threading.Thread(target=step_run_execute, kwargs={"step_run_id": step_run.pk})
    worker.start()
    for _ in range(200):
        if StepItem.objects.filter(step_run=step_run, index=0, due_at__isnull=False).exists():
            break
        time.sleep(0.05)
    waiting = StepItem.objects.get(step_run=step_run, index=0)
    assert (waiting.state, waiting.attempts) == ("pending", 1)
    assert waiting.due_at is not None
    run_cancel(run_id=run.pk)
    steps_pass_cancel_requests(steps_in_this_process.snapshot())  # the worker's watchdog, on its next round
    worker.join(10)
    assert not worker.is_alive()
    run.refresh_from_db()
    assert (run.state, StepRun.objects.get(pk=step_run.pk).state) == ("cancelled", "cancelled")
    items = {i.index: i for i in StepItem.objects.filter(step_run=step_run)}
    assert (items[0].state, items[0].attempts, items[0].due_at) == ("cancelled", 1, None)
    assert items[1].state == "succeeded"
    # The cancelled item never started its second attempt.
    assert not [e for e in item_events(run) if e.state == "running" and e.data.get("attempt") == 2]


def ensemble_campaign(owner, *, times, retry_delay_s, max_parallel=None, **extra):
    """A for_each over a workflow step, one retry per item: item i's child fails when ``times[i]`` is at least 1."""
    member = campaign_create(
        owner=owner,
        name="Member",
        graph={
            "steps": [
                {
                    "id": "b",
                    "kind": "function",
                    "function": "fail",
                    "kwargs": {"message": "m", "times": "{{ params.times }}"},
                }
            ],
            "edges": [],
        },
        parameters=[{"name": "times", "type": "integer", "default": 0}],
    )
    ens = {
        "id": "each",
        "kind": "workflow",
        "campaign": member.pk,
        "for_each": times,
        "retries": 1,
        "retry_delay_s": retry_delay_s,
        "parameters": {"times": "{{ item }}"},
        **extra,
    }
    if max_parallel:
        ens["max_parallel"] = max_parallel
    return campaign_create(owner=owner, name="Ensemble", graph={"steps": [ens], "edges": []})


def drain_children() -> None:
    """Run every queued step (the children's), as workers would, until nothing is queued."""
    for _ in range(100):
        queued = list(StepRun.objects.filter(state="queued").values_list("pk", flat=True))
        if not queued:
            return
        for pk in queued:
            step_run_execute(step_run_id=pk)


def deliver_delayed_message(run):
    """The ensemble step's delayed message, as the worker gets it once its countdown is over."""
    each = StepRun.objects.get(run=run, step_id="each")
    step_run_execute(step_run_id=each.pk, expected=(run.pk, "each", each.attempts + 1))


def test_an_ensemble_item_waits_its_retry_delay_before_its_fresh_child(alice):
    run = run_launch(campaign=ensemble_campaign(alice, times=[1, 0], retry_delay_s=1), user=alice)
    drain_children()
    each = StepRun.objects.get(run=run, step_id="each")
    first = StepItem.objects.get(step_run=each, index=0)
    assert (each.state, first.state, first.attempts) == ("running", "pending", 1)
    assert first.due_at is not None
    # A message that comes early (a duplicate) starts nothing before the item is due.
    deliver_delayed_message(run)
    assert StepItem.objects.get(pk=first.pk).state == "pending"
    time.sleep(max(0.0, (first.due_at - timezone.now()).total_seconds()) + 0.05)
    deliver_delayed_message(run)
    drain_children()
    run.refresh_from_db()
    assert (run.state, StepRun.objects.get(pk=each.pk).state) == ("failed", "failed")
    events = item_events(run)
    waiting = next(e for e in events if e.data.get("index") == 0 and e.data.get("will_retry"))
    retried = next(e for e in events if e.state == "running" and e.data["index"] == 0 and e.data["attempt"] == 2)
    assert 0.5 <= waiting.data["delay_s"] <= 1.0
    assert retried.at >= due_at(waiting)  # the due time stored with the failure, not a rounded delay
    children = list(Run.objects.filter(parent=run, parent_item=0).order_by("pk"))
    assert len(children) == 2  # a fresh child for the retry
    assert children[1].created_at >= due_at(waiting)


def test_a_cancel_while_an_ensemble_item_waits_its_delay_cancels_the_step_at_once(alice):
    run = run_launch(campaign=ensemble_campaign(alice, times=[1], retry_delay_s=120), user=alice)
    drain_children()
    each = StepRun.objects.get(run=run, step_id="each")
    assert StepItem.objects.get(step_run=each).state == "pending"
    run_cancel(run_id=run.pk)
    run.refresh_from_db()
    assert (run.state, StepRun.objects.get(pk=each.pk).state) == ("cancelled", "cancelled")
    item = StepItem.objects.get(step_run=each)
    assert (item.state, item.attempts, item.due_at) == ("cancelled", 1, None)
    # The delayed message arrives anyway: it starts nothing.
    deliver_delayed_message(run)
    assert Run.objects.filter(parent=run).count() == 1


def test_a_lost_delayed_message_is_made_up_by_the_sweep(alice):
    from campaigns_app.services.transitions import workflow_steps_reconcile

    run = run_launch(campaign=ensemble_campaign(alice, times=[1], retry_delay_s=0.2), user=alice)
    drain_children()
    item = StepItem.objects.get(step_run__run=run)
    assert (item.state, Run.objects.filter(parent=run).count()) == ("pending", 1)
    time.sleep(max(0.0, (item.due_at - timezone.now()).total_seconds()) + 0.05)
    workflow_steps_reconcile()
    assert Run.objects.filter(parent=run).count() == 2
    drain_children()
    run.refresh_from_db()
    assert run.state == "failed"


def test_an_ensemble_past_its_timeout_while_its_item_waits_fails_on_timeout(alice):
    from campaigns_app.services.transitions import workflow_steps_overdue

    run = run_launch(campaign=ensemble_campaign(alice, times=[1], retry_delay_s=120, timeout_s=30), user=alice)
    drain_children()
    each = StepRun.objects.get(run=run, step_id="each")
    assert StepItem.objects.get(step_run=each).state == "pending"
    # The watchdog's round, as it would run 31 s after the step started.
    assert workflow_steps_overdue(each.started_at + timedelta(seconds=31)) == [each.pk]
    run.refresh_from_db()
    each.refresh_from_db()
    assert (run.state, each.state) == ("failed", "failed")
    assert each.error.startswith("timeout: still running after 30 s")
    assert StepItem.objects.get(step_run=each).state == "cancelled"
    assert Run.objects.filter(parent=run).count() == 1
