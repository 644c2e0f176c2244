"""Where a worker runs its steps: on its runner threads, whatever message brought them.

A launch's root steps reach a worker as batch messages (``dispatch.STEPS_TASK``),
so the worker's Celery consumer takes, traces and acknowledges one message per
batch instead of one per step.  The steps must still run as if each had its own
message: at once, side by side, each up to its own outcome and its chain.  So
every step runs on this process's runners for its backend, a pool with as many
threads as the backend has slots (``STUDIO_BACKEND_CONCURRENCY``, at most the
worker's ``--concurrency``), and Celery's threads only take messages and wait
for their steps.  Only runner threads touch the database, so a worker holds
about ``--concurrency`` connections, as before batches: two workers of 32
threads whose Celery threads also ran steps held 130, past PostgreSQL's 100.

A message is acknowledged (``acks_late``) only when all of its steps ended,
so a worker's Celery prefetch still bounds how many steps it holds.  The steps
waiting for a runner are held: the watchdog touches their ``dispatched_at``
with each heartbeat, so the sweep does not take a long wait for a lost
message.  A worker that dies with a batch leaves its steps ``queued`` or
``running``, no longer touched or heartbeaten: the watchdogs' sweep resends
the queued ones and reclaims the running ones, as for single messages, and a
step claimed twice runs once (each claim is a compare-and-set on the attempt
the message names).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from django.db import close_old_connections

from ..backends import StepOutcome
from .recovery import steps_in_this_process
from .steps import backend_slot_count, step_run_execute

logger = logging.getLogger(__name__)

_pools: dict[str, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _runners(backend: str) -> ThreadPoolExecutor:
    """The backend's pool, made once: two messages arriving together must not each start one."""
    pool = _pools.get(backend)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(backend)
            if pool is None:
                # No more threads than slots: the others would only wait for one.
                pool = _pools[backend] = ThreadPoolExecutor(
                    max_workers=backend_slot_count(backend), thread_name_prefix=f"steps-{backend}"
                )
    return pool


def _entry_run(entry: Sequence, backend: str) -> None:
    """One step of a batch, as its own message would run it; an error is logged, never raised at the batch."""
    step_run_id, run_id, step_id, attempt = entry
    try:
        step_run_execute(step_run_id=step_run_id, expected=(run_id, step_id, attempt), backend=backend)
    except Exception:
        # The step stays claimed or queued: the watchdogs reclaim or resend it, as for a worker that died.
        logger.exception("step run %s of a batch message could not be run", step_run_id)
    finally:
        steps_in_this_process.release(step_run_id)
        # A runner thread lives as long as the process: tidy its connection as Celery does around a task.
        close_old_connections()


def step_runs_execute(*, entries: Sequence[Sequence], backend: str = "thread") -> None:
    """Run a batch message's steps, each ``[step_run_id, run_id, step_id, attempt]``, side by side."""
    entries = [entry for entry in entries if _well_formed(entry)]
    if not entries:
        return
    steps_in_this_process.hold(entry[0] for entry in entries)
    pool = _runners(backend)
    for future in [pool.submit(_entry_run, entry, backend) for entry in entries]:
        future.result()


def step_run_execute_on_runner(
    *, step_run_id: int, expected: tuple[int, str, int] | None, backend: str = "thread"
) -> StepOutcome | None:
    """A single message's step, on the runners as a batch's steps are (its errors reach the caller)."""
    return _runners(backend).submit(_single_run, step_run_id, expected, backend).result()


def _single_run(step_run_id: int, expected: tuple[int, str, int] | None, backend: str) -> StepOutcome | None:
    try:
        return step_run_execute(step_run_id=step_run_id, expected=expected, backend=backend)
    finally:
        close_old_connections()


def _well_formed(entry) -> bool:
    if (
        isinstance(entry, (list, tuple))
        and len(entry) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) for v in (entry[0], entry[1], entry[3]))
        and isinstance(entry[2], str)
    ):
        return True
    logger.warning("a batch message carried a malformed step entry %r; it is ignored", entry)
    return False
