"""Sending step messages to Celery, by task name so services need not import tasks."""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from ..models import StepRun

logger = logging.getLogger(__name__)

STEP_TASK = "campaigns.step_run_execute"
# Several ready steps of one backend, sent together (a launch's root steps): one message carries up to
# ``STUDIO_DISPATCH_BATCH`` of them, which the worker runs side by side (``services.step_batches``).
STEPS_TASK = "campaigns.step_runs_execute"


# A handful of messages leave at once from the committing thread; more (a
# launch's root steps) go to this process's dispatcher thread, so a request
# that launched thousands of runs answers without waiting for their publishes.
# The rows are committed ``queued`` either way: if the process dies before a
# message leaves, the watchdogs' sweep sends it again.
INLINE_MESSAGES = 64
# Messages per Redis pipeline: a launch of 10000 runs is a few round trips, each of bounded size.
SEND_BATCH = 500


def steps_send_soon(step_runs: Sequence[StepRun], countdown: float | None = None) -> None:
    """Send the messages of committed steps: at once when they are few, else from the dispatcher thread."""
    if len(step_runs) <= INLINE_MESSAGES:
        send_step_messages(step_runs, countdown)
    else:
        _dispatcher().put((step_runs, countdown))


_queue: queue.SimpleQueue | None = None
_queue_pid: int | None = None
_queue_lock = threading.Lock()


def _dispatcher() -> queue.SimpleQueue:
    global _queue, _queue_pid
    # A forked child starts its own thread: its parent's does not exist there.
    if _queue is None or _queue_pid != os.getpid():
        with _queue_lock:
            if _queue is None or _queue_pid != os.getpid():
                _queue, _queue_pid = queue.SimpleQueue(), os.getpid()
                threading.Thread(target=_dispatch_forever, args=(_queue,), name="step-dispatcher", daemon=True).start()
    return _queue


def _dispatch_forever(pending: queue.SimpleQueue) -> None:
    while True:
        step_runs, countdown = pending.get()
        send_step_messages(step_runs, countdown)


def send_step_messages(step_runs: Sequence[StepRun], countdown: float | None = None) -> None:
    """Publish the steps' messages; a failure is logged, and the watchdog's sweep sends them again later.

    A lone step of a backend is one ``STEP_TASK`` message.  More of them (a
    launch's root steps, a fan-out's ready branches) leave as ``STEPS_TASK``
    messages of up to ``STUDIO_DISPATCH_BATCH`` steps each: a worker takes,
    acknowledges and traces one Celery message per batch instead of one per
    step, which was two fifths of a worker's CPU under a 10000-run launch.
    """
    from asyncflow_site.celery import app

    from ..tasks_broker import broker_clients_reused

    broker_clients_reused()
    by_backend: dict[str, list[list]] = {}
    for sr in step_runs:
        # The message names the attempt it was sent for, so the worker claims
        # with one compare-and-set and a stale or duplicate message claims nothing.
        by_backend.setdefault(sr.backend, []).append([sr.pk, sr.run_id, sr.step_id, sr.attempts + 1])
    size = max(1, settings.STUDIO_DISPATCH_BATCH)
    # ``producer.batch()``: on Redis the messages leave in one pipeline (one round trip, one client) instead
    # of one LPUSH each through a client built per message, which cost more than the message itself; the
    # arguments' repr is given, as Celery's own ``saferepr`` of them was a fifth of what was left.
    try:
        with app.producer_or_acquire() as producer, producer.batch(max_size=SEND_BATCH):
            for backend, entries in by_backend.items():
                for start in range(0, len(entries), size):
                    chunk = entries[start : start + size]
                    task, args = (STEP_TASK, chunk[0]) if len(chunk) == 1 else (STEPS_TASK, [chunk])
                    try:
                        app.send_task(
                            task,
                            args=args,
                            queue=backend,
                            countdown=countdown,
                            producer=producer,
                            argsrepr=repr(args),
                            kwargsrepr="{}",
                        )
                    except Exception:
                        logger.exception(
                            "could not send the message of step run(s) %s; the sweep will resend it",
                            [entry[0] for entry in chunk],
                        )
    except Exception:
        logger.exception(
            "could not reach the broker for %d step message(s); the sweep will resend them", len(step_runs)
        )
