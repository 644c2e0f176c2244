"""A worker's watchdog: heartbeats, cancel requests, and recovery of lost work.

Each worker process runs one watchdog thread.  It
- heartbeats the steps this process is running (``heartbeat_at``),
- passes cancel requests to them (their invocation's ``cancelled`` event),
- reclaims steps whose worker stopped heartbeating (killed, lost its host):
  the attempt is recorded as failed with reason ``worker_lost`` and the step
  is queued again for any worker; the late outcome of the lost attempt, if it
  ever comes, is ignored because the attempt number moved on,
- removes the attempt folders of attempts no longer running (a SIGKILLed worker leaves its steps' folders),
- sends again the message of a step that has been ``queued`` too long (a
  message lost with a Redis restart); a duplicate is harmless because claims
  are compare-and-set.
Every worker sweeps, so recovery does not depend on any one of them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from ..backends.sandbox.sweep import Attempt, stale_attempt_folders_remove
from ..models import StepRun, StepState
from .definitions import run_definition
from .dispatch import send_step_messages
from .transitions import (
    RunSteps,
    run_finish_if_done,
    run_locked,
    step_reclaim,
    steps_heartbeat,
    steps_held_touch,
    steps_overdue,
    workflow_steps_overdue,
    workflow_steps_reconcile,
    writer_slot,
)

logger = logging.getLogger(__name__)


class StepsInThisProcess:
    """The steps this process is running now, with their cancel events, and the queued ones it holds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: dict[int, threading.Event] = {}
        # Steps of batch messages this process took that wait for a slot: still ``queued``, no message left.
        self.held: set[int] = set()

    def hold(self, step_run_ids: Iterable[int]) -> None:
        with self.lock:
            self.held.update(step_run_ids)

    def release(self, step_run_id: int) -> None:
        with self.lock:
            self.held.discard(step_run_id)

    def held_now(self) -> list[int]:
        with self.lock:
            return list(self.held)

    def add(self, step_run_id: int, cancelled: threading.Event) -> None:
        with self.lock:
            self.events[step_run_id] = cancelled

    def remove(self, step_run_id: int) -> None:
        with self.lock:
            self.events.pop(step_run_id, None)

    def snapshot(self) -> dict[int, threading.Event]:
        with self.lock:
            return dict(self.events)


steps_in_this_process = StepsInThisProcess()


def steps_pass_cancel_requests(events: dict[int, threading.Event]) -> None:
    wanted = StepRun.objects.filter(pk__in=list(events), cancel_requested=True).values_list("pk", flat=True)
    for step_run_id in wanted:
        events[step_run_id].set()


def step_run_reclaim(*, step_run_id: int, run_id: int, attempt: int, cutoff) -> bool:
    """Requeue (or, past the reclaim limit, fail) a running step whose worker went silent. True when done."""
    with run_locked(run_id) as ledger:
        steps, step_run = RunSteps.of_step(ledger, step_run_id)
        if step_run is None:
            return False
        dag = run_definition(ledger.run).dag
        if not step_reclaim(ledger, steps, step_run, dag, attempt=attempt, cutoff=cutoff):
            return False
        run_finish_if_done(ledger, steps)
        return True


def steps_reclaim_stale() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.STUDIO_HEARTBEAT_STALE_S)
    stale = StepRun.objects.filter(state=StepState.RUNNING, heartbeat_at__lt=cutoff).values_list(
        "pk", "run_id", "attempts"
    )
    return sum(
        step_run_reclaim(step_run_id=pk, run_id=run_id, attempt=attempts, cutoff=cutoff)
        for pk, run_id, attempts in stale
    )


def steps_redispatch_lost() -> int:
    """Send again the messages of steps queued (and due) for longer than ``STUDIO_REDISPATCH_AFTER_S``.

    Public: the sweep calls it, and so may anything that knows the broker lost its messages (a reconnect).
    """
    overdue = steps_overdue()
    if overdue:
        send_step_messages(overdue)
    return len(overdue)


def steps_redispatch_queued(*, dispatched_before) -> int:
    """Send again the message of every step queued since before ``dispatched_before``, however recent.

    For a broker that came back empty: waiting ``STUDIO_REDISPATCH_AFTER_S`` would leave those steps
    idle for no reason.  Duplicates of messages that did survive claim nothing.
    """
    total = 0
    while True:
        batch = list(
            StepRun.objects.filter(state=StepState.QUEUED, dispatched_at__lt=dispatched_before).only(
                "run_id", "step_id", "attempts", "backend"
            )[:500]
        )
        if not batch:
            return total
        with writer_slot():
            StepRun.objects.filter(pk__in=[sr.pk for sr in batch], state=StepState.QUEUED).update(
                dispatched_at=timezone.now()
            )
        send_step_messages(batch)
        total += len(batch)


# An attempt's folder younger than this is left alone, whatever the database says.
ATTEMPT_FOLDER_GRACE_S = 60.0


def _attempts_running(attempts: Iterable[Attempt]) -> set[Attempt]:
    run_ids = {run_id for run_id, _, _ in attempts}
    rows = StepRun.objects.filter(run_id__in=run_ids, state=StepState.RUNNING).values_list(
        "run_id", "step_id", "attempts"
    )
    return set(rows)


def attempt_folders_sweep() -> int:
    """Remove this machine's attempt folders whose attempt is not running (its worker died mid-step)."""
    if settings.STUDIO_STEP_KEEP_WORKDIRS:
        return 0
    removed = stale_attempt_folders_remove(
        Path(settings.STUDIO_STEP_WORKDIR_ROOT), _attempts_running, grace_s=ATTEMPT_FOLDER_GRACE_S
    )
    if removed:
        logger.warning("removed %d attempt folder(s) left by stopped attempts", len(removed))
    return len(removed)


class Watchdog:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="step-watchdog", daemon=True)

    def _loop(self) -> None:
        tick = settings.STUDIO_WATCHDOG_TICK_S
        ticks_per_beat = max(1, round(settings.STUDIO_HEARTBEAT_INTERVAL_S / tick))
        ticks_per_sweep = max(1, round(settings.STUDIO_SWEEP_INTERVAL_S / tick))
        count = 0
        try:
            attempt_folders_sweep()
        except Exception:
            logger.exception("could not sweep attempt folders")
        while not self.stop.wait(tick):
            count += 1
            try:
                events = steps_in_this_process.snapshot()
                if events:
                    steps_pass_cancel_requests(events)
                    if count % ticks_per_beat == 0:
                        steps_heartbeat(list(events))
                if count % ticks_per_beat == 0:
                    held = steps_in_this_process.held_now()
                    if held:
                        # Their message left the broker with their batch: without this the sweep would
                        # take a long wait for a slot for a lost message and send them again.
                        steps_held_touch(held)
                    workflow_steps_overdue(timezone.now())
                if count % ticks_per_sweep == 0:
                    reclaimed, resent = steps_reclaim_stale(), steps_redispatch_lost()
                    workflow_steps_reconcile()
                    attempt_folders_sweep()
                    if reclaimed or resent:
                        logger.warning("watchdog: reclaimed %d step(s), resent %d message(s)", reclaimed, resent)
            except Exception:  # the database or broker may be away for a moment
                logger.exception("watchdog tick failed")
            finally:
                close_old_connections()


_watchdog: Watchdog | None = None


def watchdog_start() -> None:
    """Start this process's watchdog once (called when a Celery worker is ready)."""
    global _watchdog
    if _watchdog is None or not _watchdog.thread.is_alive():
        _watchdog = Watchdog()
        _watchdog.thread.start()


def watchdog_stop() -> None:
    if _watchdog is not None:
        _watchdog.stop.set()
