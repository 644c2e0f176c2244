"""Sending step messages to Celery, by task name so services need not import tasks."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

STEP_TASK = "campaigns.step_run_execute"


def steps_dispatch_on_commit(step_runs: Iterable, countdown: float | None = None, *,
                             on_commit=transaction.on_commit) -> None:
    """Queue each step on its backend's queue once the transaction that queued it commits.

    Sending after commit guarantees the worker finds the row in ``queued``.
    """
    step_runs = list(step_runs)
    if step_runs:
        # Ids are read at commit time: a launch queues steps before inserting them.
        on_commit(lambda: send_step_messages(step_runs, countdown))


def send_step_messages(step_runs: Iterable, countdown: float | None = None) -> None:
    """Publish one message per step; a failure is logged, and the watchdog's sweep sends it again later."""
    from asyncflow_site.celery import app

    # The message names the attempt it was sent for, so the worker claims
    # with one compare-and-set and a stale or duplicate message claims nothing.
    for sr in step_runs:
        try:
            app.send_task(STEP_TASK, args=[sr.pk, sr.run_id, sr.step_id, sr.attempts + 1], queue=sr.backend,
                          countdown=countdown)
        except Exception:  # the row is committed as queued; the sweep re-dispatches it
            logger.exception("could not send the message of step run %s; the sweep will resend it", sr.pk)
