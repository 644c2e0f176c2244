"""The sweep resends a queued step's message only when the broker cannot still hold it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns_app.models import StepRun
from campaigns_app.services import campaign_create, run_launch
from campaigns_app.services.dispatch import send_step_messages
from campaigns_app.services.transitions import steps_overdue
from campaigns_app.tasks_broker import oldest_waiting_steps

pytestmark = pytest.mark.django_db


def queued_steps(owner, queue: str, ages_s: list[float]) -> list[StepRun]:
    """Root steps queued on ``queue``'s backend, each dispatched that many seconds ago."""
    graph = {
        "steps": [{"id": f"s{n}", "kind": "function", "function": "noop", "kwargs": {}} for n in range(len(ages_s))],
        "edges": [],
    }
    campaign = campaign_create(owner=owner, name="wide", graph=graph)
    run = run_launch(campaign=campaign, user=owner, parameters={})
    steps = []
    for n, age in enumerate(ages_s):
        step = StepRun.objects.get(run=run, step_id=f"s{n}")
        StepRun.objects.filter(pk=step.pk).update(backend=queue, dispatched_at=timezone.now() - timedelta(seconds=age))
        step.refresh_from_db()
        steps.append(step)
    return steps


def pop_oldest(queue: str) -> None:
    from asyncflow_site.celery import app

    with app.producer_or_acquire() as producer:
        assert producer.channel.client.rpop(queue) is not None


def test_a_message_still_waiting_in_a_long_queue_is_not_sent_again(alice, settings, queue):
    settings.STUDIO_REDISPATCH_AFTER_S = 30
    [step] = queued_steps(alice, queue, [120])
    send_step_messages([step])
    assert oldest_waiting_steps([queue]) == {queue: [step.pk]}

    assert steps_overdue() == []
    assert StepRun.objects.get(pk=step.pk).dispatched_at == step.dispatched_at

    pop_oldest(queue)  # taken by a worker that died with it, or lost with Redis
    assert [sr.pk for sr in steps_overdue()] == [step.pk]


def test_a_step_queued_well_before_the_oldest_waiting_message_is_sent_again(alice, settings, queue):
    settings.STUDIO_REDISPATCH_AFTER_S = 30
    lost, waiting, newest = queued_steps(alice, queue, [300, 120, 100])
    send_step_messages([waiting, newest])

    assert [sr.pk for sr in steps_overdue()] == [lost.pk]
    assert StepRun.objects.get(pk=lost.pk).dispatched_at > waiting.dispatched_at
    assert StepRun.objects.get(pk=waiting.pk).dispatched_at == waiting.dispatched_at
