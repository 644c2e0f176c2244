"""Every state change of a step run, each one function: it writes the row, records the event, schedules the send.

They run inside ``run_locked`` (or ``runs_created``) and take the ledger of
that transaction and a ``RunSteps`` view of the steps they decide on.  Nobody
else moves this run's steps while the lock is held, so a decision read from
the view stays true until commit.
"""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from ...graph import Dag
from ...models import StepRun, StepState
from ..definitions import run_definition
from .ledger import RunLedger
from .run_steps import RunSteps
from .runs import run_start
from .sql import rows_update

WAITING = (StepState.PENDING, StepState.QUEUED)
ACTIVE = (StepState.QUEUED, StepState.RUNNING)


def worker_id() -> str:
    # Recomputed after a fork so a child never heartbeats as its parent.
    return f"{socket.gethostname()}:{os.getpid()}"


def retry_delay(base_s: float, attempt: int) -> float:
    """Exponential backoff with jitter, capped: base·2^(attempt-1), then a random point in its upper half."""
    if base_s <= 0:
        return 0.0
    ceiling = min(base_s * 2 ** (attempt - 1), settings.STUDIO_RETRY_DELAY_CAP_S)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


# --- queue -------------------------------------------------------------------------------------------------


def steps_queue(ledger: RunLedger, step_runs: list[StepRun], *, countdown: float | None = None, **columns) -> None:
    """→ queued: rows (plus ``columns``), a ``queued`` event each, and their Celery messages after commit.

    ``countdown`` delays the message (a retry's backoff); ``dispatched_at`` says when it is due.
    """
    if not step_runs:
        return
    due = ledger.now + timedelta(seconds=countdown or 0)
    for step_run in step_runs:
        data: dict[str, float] = {"attempt": step_run.attempts + 1}
        if countdown:
            data["delay_s"] = round(countdown, 3)
        ledger.record("step.state", StepState.QUEUED, step_id=step_run.step_id, data=data)
    ledger.steps_write(step_runs, state=StepState.QUEUED, queued_at=ledger.now, dispatched_at=due, **columns)
    ledger.send_after_commit(step_runs, countdown=countdown)


def steps_ready(ledger: RunLedger, steps: RunSteps, dag: Dag, *, after: str | None = None) -> list[StepRun]:
    """The pending steps whose dependencies all succeeded, within the run's ``max_parallel`` (nothing written).

    ``after`` names the step that has just succeeded: only its successors can
    have become ready, so only they and their predecessors are read.  Under
    ``max_parallel`` a freed slot may let any held step go, so the whole run is read.
    """
    limit = ledger.run.max_parallel
    if after is None or limit is not None:
        steps.need_all()
        ready = [steps[s] for s in dag.ready({sid: sr.state for sid, sr in steps.items()})]
    else:
        candidates = dag.successors[after]
        steps.need([*candidates, *(p for c in candidates for p in dag.predecessors[c])])
        ready = [
            steps[c]
            for c in candidates
            if steps[c].state == StepState.PENDING
            and all(steps[p].state == StepState.SUCCEEDED for p in dag.predecessors[c])
        ]
    if limit is not None:
        active = sum(1 for sr in steps.values() if sr.state in ACTIVE)
        ready = ready[: max(0, limit - active)]
    return ready


def steps_queue_ready(
    ledger: RunLedger, steps: RunSteps, dag: Dag, *, after: str | None = None, run_next_on: str | None = None
) -> StepRun | None:
    """Queue the steps that became ready; the first on backend ``run_next_on`` starts here instead, and is returned.

    The caller holds a slot of ``run_next_on`` and runs the returned step next
    on its own thread: a chain link costs no message and no second transaction.
    """
    from .workflows import is_workflow, workflow_steps_start

    ready = steps_ready(ledger, steps, dag, after=after)
    definition = run_definition(ledger.run)
    workflows = [sr for sr in ready if is_workflow(definition, sr.step_id)]
    if workflows:
        # No worker runs these: they start here with their child runs.
        ready = [sr for sr in ready if sr not in workflows]
    started_next = next((sr for sr in ready if sr.backend == run_next_on), None) if run_next_on else None
    steps_queue(ledger, [sr for sr in ready if sr is not started_next])
    if started_next is not None:
        step_start_here(ledger, started_next)
    if workflows:
        workflow_steps_start(ledger, steps, workflows, dag)
    return started_next


# --- claim and start ---------------------------------------------------------------------------------------


def _running(now: datetime, attempt: int) -> dict:
    """The columns of a step that this worker starts running now."""
    return {
        "state": StepState.RUNNING,
        "started_at": now,
        "finished_at": None,
        "attempts": attempt,
        "worker": worker_id(),
        "heartbeat_at": now,
    }


def step_claim(ledger: RunLedger, *, step_run_id: int, step_id: str, attempt: int) -> bool:
    """queued → running for ``attempt``, exactly once: False when that attempt is not the one queued.

    A compare-and-set on (state, attempts): a message for an attempt that
    already ran, or a second copy of this one, claims nothing.  When the step
    was read in this transaction (the group commit's one read of its runs'
    steps), the compare is made on that row and the write joins the group's
    step writes: a step's state and attempts change only under its run's
    lock, which this transaction holds, so the row read is the row as it is.
    Otherwise it is one ``UPDATE ... WHERE state AND attempts``.
    """
    held = ledger.steps.get(step_id) if ledger.steps is not None else None
    if held is not None and held.pk == step_run_id:
        if held.state != StepState.QUEUED or held.attempts != attempt - 1:
            return False
        ledger.step_write(held, **_running(ledger.now, attempt))
    else:
        claimed = rows_update(
            StepRun,
            where={"id": step_run_id, "state": StepState.QUEUED, "attempts": attempt - 1},
            **_running(ledger.now, attempt),
        )
        if not claimed:
            return False
    run_start(ledger)
    ledger.record("step.state", StepState.RUNNING, step_id=step_id, data={"attempt": attempt})
    return True


def step_start_here(ledger: RunLedger, step_run: StepRun) -> None:
    """pending → running in this worker, with its ``queued`` and ``running`` events together (no message)."""
    attempt = step_run.attempts + 1
    ledger.step_write(step_run, queued_at=ledger.now, dispatched_at=ledger.now, **_running(ledger.now, attempt))
    ledger.record("step.state", StepState.QUEUED, step_id=step_run.step_id, data={"attempt": attempt})
    ledger.record("step.state", StepState.RUNNING, step_id=step_run.step_id, data={"attempt": attempt})


# --- ends of an attempt ------------------------------------------------------------------------------------


def _attempt_end(
    ledger: RunLedger, step_run: StepRun, state: str, *, ended: datetime, event_data: dict, **columns: Any
) -> None:
    """The attempt's last state on the row and its ``step.state`` event, both at ``ended``."""
    ledger.step_write(step_run, state=state, finished_at=ended, **columns)
    ledger.record(
        "step.state", state, step_id=step_run.step_id, at=ended, data={"attempt": step_run.attempts, **event_data}
    )


def step_succeed(
    ledger: RunLedger,
    steps: RunSteps,
    step_run: StepRun,
    dag: Dag,
    *,
    result,
    event_result: dict,
    ended: datetime,
    run_next_on: str | None = None,
) -> StepRun | None:
    """running → succeeded, then queue what became ready (see ``steps_queue_ready``); returns the step started here."""
    _attempt_end(ledger, step_run, StepState.SUCCEEDED, ended=ended, event_data=event_result, result=result, error=None)
    return steps_queue_ready(ledger, steps, dag, after=step_run.step_id, run_next_on=run_next_on)


def step_fail(
    ledger: RunLedger,
    steps: RunSteps,
    step_run: StepRun,
    dag: Dag,
    *,
    error: str | None,
    reason: str | None,
    ended: datetime,
    run_next_on: str | None = None,
) -> StepRun | None:
    """running → failed for good: its pending descendants are skipped; returns a step started here, if any.

    ``error`` is None when the backend's outcome carried no message (the column is nullable).
    """
    _attempt_end(
        ledger, step_run, StepState.FAILED, ended=ended, event_data={"error": error, "reason": reason}, error=error
    )
    return after_failure(ledger, steps, step_run, dag, run_next_on=run_next_on)


def after_failure(
    ledger: RunLedger, steps: RunSteps, step_run: StepRun, dag: Dag, *, run_next_on: str | None = None
) -> StepRun | None:
    downstream = dag.descendants(step_run.step_id)
    steps.need(downstream)
    steps_skip(
        ledger, [steps[sid] for sid in downstream if steps[sid].state == StepState.PENDING], because_of=step_run.step_id
    )
    if ledger.run.max_parallel is None:
        return None
    # A freed slot under max_parallel lets an independent branch go on.
    return steps_queue_ready(ledger, steps, dag, run_next_on=run_next_on)


def step_retry(
    ledger: RunLedger, step_run: StepRun, *, error: str | None, reason: str | None, ended: datetime, delay: float
) -> None:
    """running → queued again for its next attempt: a ``failed`` event that says it will retry, then ``queued``."""
    ledger.record(
        "step.state",
        StepState.FAILED,
        step_id=step_run.step_id,
        at=ended,
        data={"attempt": step_run.attempts, "error": error, "reason": reason, "will_retry": True},
    )
    steps_queue(ledger, [step_run], countdown=delay or None, error=error, finished_at=ended)


def step_cancelled(ledger: RunLedger, step_run: StepRun, *, error: str | None, ended: datetime) -> None:
    """running → cancelled, once the attempt that was told to stop has returned."""
    _attempt_end(ledger, step_run, StepState.CANCELLED, ended=ended, event_data={"error": error}, error=error)


def steps_skip(ledger: RunLedger, step_runs: list[StepRun], *, because_of: str) -> None:
    """pending → skipped: steps that can no longer run because an upstream step did not succeed."""
    error = f"upstream step {because_of} did not succeed"
    for step_run in step_runs:
        ledger.record(
            "step.state",
            StepState.SKIPPED,
            step_id=step_run.step_id,
            data={"attempt": step_run.attempts, "error": error},
        )
    ledger.steps_write(step_runs, state=StepState.SKIPPED, finished_at=ledger.now, error=error)


# --- the user's controls -----------------------------------------------------------------------------------


def steps_cancel(ledger: RunLedger, steps: RunSteps) -> list[StepRun]:
    """Waiting steps → cancelled now; running ones are flagged ``cancel_requested`` for their worker to stop.

    Returns the steps cancelled now.
    """
    steps.need_all()
    waiting = [sr for sr in steps.values() if sr.state in WAITING]
    for step_run in waiting:
        ledger.record(
            "step.state",
            StepState.CANCELLED,
            step_id=step_run.step_id,
            data={"attempt": step_run.attempts, "error": "cancelled by user"},
        )
    ledger.steps_write(waiting, state=StepState.CANCELLED, finished_at=ledger.now, error="cancelled by user")
    running = [sr for sr in steps.values() if sr.state == StepState.RUNNING]
    ledger.steps_write(running, cancel_requested=True)
    if running:
        from .workflows import children_cancel, ensembles_cancel_idle

        # Workflow steps stop through their children, whose ends then cancel them.
        children_cancel(ledger, running)
        ensembles_cancel_idle(ledger, running)
    return waiting


def steps_reset(ledger: RunLedger, steps: RunSteps, step_ids: Iterable[str], dag: Dag) -> None:
    """Ended steps → pending again (a retry of the run): results and times cleared, attempts kept."""
    position = {s: i for i, s in enumerate(dag.step_ids)}
    reset = sorted(step_ids, key=position.__getitem__)
    steps.need(reset)
    for step_id in reset:
        ledger.record(
            "step.state", StepState.PENDING, step_id=step_id, data={"attempt": steps[step_id].attempts, "retry": True}
        )
    ledger.steps_write(
        [steps[s] for s in reset],
        state=StepState.PENDING,
        result=None,
        error=None,
        queued_at=None,
        started_at=None,
        finished_at=None,
        cancel_requested=False,
        worker="",
        heartbeat_at=None,
    )


# --- recovery ----------------------------------------------------------------------------------------------
