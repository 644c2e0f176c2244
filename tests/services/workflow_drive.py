"""Driving workflow steps and for_each items in-process, as workers would: graphs, child campaigns, draining queues."""

import time

from campaigns_app.models import StepRun
from campaigns_app.services import (
    campaign_create,
    step_run_execute,
)
from tests.graphs import chain


def drain(limit: int = 200) -> None:
    """Run every queued step of every run, as workers would, until nothing is queued."""
    for _ in range(limit):
        queued = list(StepRun.objects.filter(state="queued").values_list("pk", flat=True))
        if not queued:
            return
        for pk in queued:
            step_run_execute(step_run_id=pk)


def fn(step_id, function="noop", **kwargs):
    return {"id": step_id, "kind": "function", "function": function, "kwargs": kwargs}


def wf(step_id, campaign, **extra):
    return {"id": step_id, "kind": "workflow", "campaign": campaign.pk, **extra}


def child_campaign(owner, *, fail_on=None, **extra):
    """Two steps: a echoes who, b fails when who equals ``fail_on`` (a parameter), else echoes."""
    graph = chain(fn("a", "echo", who="{{ params.who }}"), fn("b", "echo", got="{{ steps.a.result.who }}"))
    if fail_on is not None:
        graph["steps"][1] = {"id": "b", "kind": "function", "function": "fail", "kwargs": {"message": "boom"}}
    return campaign_create(
        owner=owner,
        name=extra.pop("name", "Child"),
        graph=graph,
        parameters=[{"name": "who", "type": "string", "default": "nobody"}],
        **extra,
    )


def step(run, step_id):
    return StepRun.objects.get(run=run, step_id=step_id)


def drain_when_due(*, wait: bool = True, limit: int = 200) -> None:
    """``drain``, but a step queued with a delay runs only once due, as a Celery countdown holds its message."""
    from django.utils import timezone

    for _ in range(limit):
        queued = list(StepRun.objects.filter(state="queued").order_by("dispatched_at"))
        if not queued:
            return
        due = queued[0].dispatched_at
        if due > timezone.now():
            if not wait:
                return
            time.sleep((due - timezone.now()).total_seconds() + 0.01)
            continue
        for sr in queued:
            if sr.dispatched_at <= timezone.now():
                step_run_execute(step_run_id=sr.pk)
