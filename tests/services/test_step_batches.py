"""Ready steps leave in batch messages, and a worker runs a batch's steps as if each had its own message."""

import base64
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns_app.models import Run, RunEvent, StepRun
from campaigns_app.services import campaign_create, run_launch, step_runs_execute
from campaigns_app.services.dispatch import STEP_TASK, STEPS_TASK, send_step_messages
from campaigns_app.services.recovery import steps_in_this_process
from campaigns_app.services.steps import process_concurrency_set
from campaigns_app.services.transitions import steps_held_touch, steps_overdue
from campaigns_app.tasks_broker import oldest_waiting_steps

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def concurrency():
    """Set the worker's ``--concurrency`` as a worker's start does; the default again afterwards."""
    yield process_concurrency_set
    process_concurrency_set(None)


def wide_run(owner, width: int, function: str = "noop", **kwargs) -> Run:
    graph = {
        "steps": [{"id": f"s{n}", "kind": "function", "function": function, "kwargs": kwargs} for n in range(width)],
        "edges": [],
    }
    campaign = campaign_create(owner=owner, name=f"wide {width}", graph=graph)
    return run_launch(campaign=campaign, user=owner, parameters={})


def entries_of(run: Run) -> list[list]:
    return [[sr.pk, sr.run_id, sr.step_id, sr.attempts + 1] for sr in StepRun.objects.filter(run=run).order_by("order")]


def messages_in(queue: str) -> list[dict]:
    """The messages waiting in ``queue``, oldest first: their task name and first argument."""
    from asyncflow_site.celery import app

    with app.producer_or_acquire() as producer:
        raw = producer.channel.client.lrange(queue, 0, -1)
    found = []
    for item in reversed(raw):
        message = json.loads(item)
        body = json.loads(base64.b64decode(message["body"]))
        found.append({"task": message["headers"]["task"], "args": body[0]})
    return found


def test_forty_ready_steps_of_one_backend_leave_as_three_batch_messages(alice, settings, queue):
    settings.STUDIO_DISPATCH_BATCH = 16
    run = wide_run(alice, 40)
    StepRun.objects.filter(run=run).update(backend=queue)
    steps = list(StepRun.objects.filter(run=run).order_by("order"))

    send_step_messages(steps)

    sent = messages_in(queue)
    assert [m["task"] for m in sent] == [STEPS_TASK] * 3
    assert [len(m["args"][0]) for m in sent] == [16, 16, 8]
    assert [entry for m in sent for entry in m["args"][0]] == entries_of(run)
    # The sweep reads the oldest waiting message's steps: all of its batch.
    assert oldest_waiting_steps([queue]) == {queue: [sr.pk for sr in steps[:16]]}


def test_a_lone_ready_step_is_a_message_of_its_own(alice, settings, queue):
    settings.STUDIO_DISPATCH_BATCH = 16
    run = wide_run(alice, 1)
    StepRun.objects.filter(run=run).update(backend=queue)

    send_step_messages(list(StepRun.objects.filter(run=run)))

    [entry] = entries_of(run)
    assert messages_in(queue) == [{"task": STEP_TASK, "args": entry}]


def test_a_batch_runs_every_step_once_and_a_second_delivery_claims_nothing(alice):
    run = wide_run(alice, 6)
    entries = entries_of(run)

    step_runs_execute(entries=entries)

    assert Run.objects.get(pk=run.pk).state == "succeeded"
    assert set(StepRun.objects.filter(run=run).values_list("state", flat=True)) == {"succeeded"}
    events = RunEvent.objects.filter(run=run).count()
    step_runs_execute(entries=entries)  # Celery delivered the batch again
    assert RunEvent.objects.filter(run=run).count() == events
    assert list(RunEvent.objects.filter(run=run).order_by("seq").values_list("seq", flat=True)) == list(
        range(1, events + 1)
    )


def test_malformed_entries_of_a_batch_are_skipped_and_the_others_run(alice, caplog):
    run = wide_run(alice, 2)
    good = entries_of(run)

    step_runs_execute(entries=[["1", 2, "s0", 1], [True, run.pk, "s0", 1], [1, 2], "junk", None, *good])

    assert set(StepRun.objects.filter(run=run).values_list("state", flat=True)) == {"succeeded"}
    assert caplog.text.count("malformed step entry") == 5


def test_a_batch_runs_no_more_steps_at_once_than_the_worker_concurrency(alice, concurrency):
    concurrency(2)
    run = wide_run(alice, 6, function="sleep", seconds=0.3)

    step_runs_execute(entries=entries_of(run))

    assert Run.objects.get(pk=run.pk).state == "succeeded"
    spans = []
    for sr in StepRun.objects.filter(run=run):
        times = dict(RunEvent.objects.filter(run=run, step_id=sr.step_id).values_list("state", "at"))
        spans.append((times["running"], times["succeeded"]))
    most_at_once = max(sum(1 for start, end in spans if start <= moment < end) for moment, _ in spans)
    assert most_at_once == 2


def test_steps_a_worker_holds_are_not_resent_by_the_sweep(alice, settings):
    settings.STUDIO_REDISPATCH_AFTER_S = 30
    run = wide_run(alice, 3)
    held, lost, _ = StepRun.objects.filter(run=run).order_by("order")
    StepRun.objects.filter(run=run).update(dispatched_at=timezone.now() - timedelta(seconds=120))
    steps_in_this_process.hold([held.pk])
    try:
        steps_held_touch(steps_in_this_process.held_now())  # the watchdog's beat
        overdue = {sr.pk for sr in steps_overdue()}
    finally:
        steps_in_this_process.release(held.pk)
    assert held.pk not in overdue and lost.pk in overdue


def test_every_step_runs_on_the_runner_threads_so_celery_threads_hold_no_database_connection(monkeypatch):
    """Celery's threads only wait: two workers whose Celery threads also ran steps held 130 connections."""
    import threading

    from campaigns_app.services import step_batches

    ran_on = []
    monkeypatch.setattr(
        step_batches, "step_run_execute", lambda **kwargs: ran_on.append(threading.current_thread().name)
    )
    step_batches.step_run_execute_on_runner(step_run_id=1, expected=None, backend="thread")
    step_batches.step_runs_execute(entries=[[2, 1, "a", 1], [3, 1, "b", 1], [4, 1, "c", 1]], backend="thread")
    assert len(ran_on) == 4 and all(name.startswith("steps-thread") for name in ran_on), ran_on
