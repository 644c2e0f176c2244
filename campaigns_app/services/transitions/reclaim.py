"""Steps whose worker went quiet: heartbeats, the overdue ones, and reclaiming an attempt a lost worker held."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ...graph import Dag
from ...models import StepRun, StepState
from ...tasks_broker import oldest_waiting_steps
from .ledger import RunLedger, writer_slot
from .run_steps import RunSteps
from .sql import rows_update_many
from .steps import after_failure, steps_queue

logger = logging.getLogger(__name__)


def step_reclaim(
    ledger: RunLedger, steps: RunSteps, step_run: StepRun, dag: Dag, *, attempt: int, cutoff: datetime
) -> bool:
    """A running step whose worker went silent → queued for any worker (or, past the limit, failed). True when done.

    The lost attempt is recorded ``failed`` with reason ``worker_lost``; its
    late outcome, if it ever comes, is ignored because the attempt moved on.
    """
    if (
        step_run.state != StepState.RUNNING
        or step_run.attempts != attempt
        or step_run.heartbeat_at is None
        or step_run.heartbeat_at >= cutoff
    ):
        return False
    error = f"worker {step_run.worker or '?'} stopped heartbeating"
    requeue = step_run.reclaims < settings.STUDIO_MAX_RECLAIMS
    ledger.record(
        "step.state",
        StepState.FAILED,
        step_id=step_run.step_id,
        data={
            "attempt": attempt,
            "error": error,
            "reason": "worker_lost",
            "will_retry": not step_run.cancel_requested and requeue,
        },
    )
    if step_run.cancel_requested:
        ledger.step_write(step_run, state=StepState.CANCELLED, error=error, finished_at=ledger.now)
        ledger.record("step.state", StepState.CANCELLED, step_id=step_run.step_id, data={"attempt": attempt})
    elif requeue:
        steps_queue(ledger, [step_run], error=error, reclaims=step_run.reclaims + 1, worker="", heartbeat_at=None)
    else:
        ledger.step_write(
            step_run, state=StepState.FAILED, error=f"{error} ({step_run.reclaims + 1} times)", finished_at=ledger.now
        )
        after_failure(ledger, steps, step_run, dag)
    return True


def steps_heartbeat(step_run_ids: list[int]) -> None:
    """This worker still runs these steps (not a state change: ``heartbeat_at`` only, outside any run lock)."""
    # In the writers' queue: a write that finds SQLite's lock taken sleeps
    # 1, 2, 5 ms... and so would the step start it collided with.
    with writer_slot():
        StepRun.objects.filter(pk__in=step_run_ids, state=StepState.RUNNING).update(heartbeat_at=timezone.now())


def steps_held_touch(step_run_ids: list[int]) -> None:
    """This worker holds these queued steps (a batch message's, waiting for a slot): not overdue, not lost."""
    with writer_slot():
        StepRun.objects.filter(pk__in=step_run_ids, state=StepState.QUEUED).update(dispatched_at=timezone.now())


def steps_overdue(*, limit: int = 500) -> list[StepRun]:
    """Steps queued (and due) for longer than ``STUDIO_REDISPATCH_AFTER_S`` whose message may be lost.

    A step whose message can still be waiting in the broker is not one of
    them, however long it has waited: under a backlog (10000 runs launched at
    once) a message may wait minutes for its turn, and resending it would
    only double the queue.  A message still waiting was sent after the
    oldest one waiting in its backend's queue, so a step queued
    ``STUDIO_REDISPATCH_AFTER_S`` before that one (the margin covers
    publishers that commit and send out of order) has no message left in
    the queue: a worker holds it or it was lost.  An empty queue holds none.

    Their ``dispatched_at`` moves to now, so the next sweep waits again before resending.
    """
    now = timezone.now()
    wait = timedelta(seconds=settings.STUDIO_REDISPATCH_AFTER_S)
    waited = StepRun.objects.filter(state=StepState.QUEUED, dispatched_at__lt=now - wait)
    backends = set(waited.order_by().values_list("backend", flat=True).distinct())
    overdue: list[StepRun] = []
    for backend, before in _sent_before(backends, now - wait, wait).items():
        overdue += waited.filter(backend=backend, dispatched_at__lt=before).only(
            "run_id", "step_id", "attempts", "backend"
        )[: limit - len(overdue)]
        if len(overdue) >= limit:
            break
    if overdue:
        with writer_slot():
            rows_update_many(StepRun, [sr.pk for sr in overdue], dispatched_at=now)
    return overdue


def _sent_before(backends: set[str], cutoff: datetime, wait: timedelta) -> dict[str, datetime]:
    """Per backend: a queued step sent before this has no message waiting in the broker."""
    before = dict.fromkeys(backends, cutoff)
    if not backends:
        return before
    try:
        waiting = oldest_waiting_steps(backends)
    except Exception:  # the broker is away: by age alone, as the resend will fail and be tried again anyway
        logger.warning("could not read the broker's queues; steps are resent by age alone", exc_info=True)
        return before
    rows = StepRun.objects.filter(pk__in=[pk for pks in waiting.values() for pk in pks]).values_list(
        "pk", "dispatched_at"
    )
    sent = {pk: at for pk, at in rows if at is not None}
    for backend, pks in waiting.items():
        times = [sent[pk] for pk in pks if pk in sent]
        if times:
            before[backend] = min(cutoff, min(times) - wait)
    return before
