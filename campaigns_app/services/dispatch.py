"""Sending step messages to Celery, by task name so services need not import tasks."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

STEP_TASK = "campaigns.step_run_execute"


def steps_dispatch_on_commit(step_runs: Iterable, countdown: float | None = None, *,
                             on_commit=transaction.on_commit) -> None:
    """Queue each step on its backend's queue once the transaction that queued it commits.

    Sending after commit guarantees the worker finds the row in ``queued``.
    """
    step_runs = list(step_runs)
    if step_runs:
        # Ids are read at commit time: a launch queues steps before inserting them.
        on_commit(lambda: _send(
            [((sr.pk, sr.run_id, sr.step_id, sr.attempts + 1), sr.backend) for sr in step_runs], countdown))


def _send(messages: list[tuple[tuple, str]], countdown: float | None) -> None:
    from asyncflow_site.celery import app

    # The message names the attempt it was sent for, so the worker claims
    # with one compare-and-set and a stale or duplicate message claims nothing.
    for args, backend in messages:
        app.send_task(STEP_TASK, args=list(args), queue=backend, countdown=countdown)
