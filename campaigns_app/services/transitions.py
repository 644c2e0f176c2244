"""Step and run transitions shared by launch, execution, cancel, retry and recovery.

All of these run inside ``run_locked``/``run_created`` and record an event for
every state they change.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from functools import cache

from django.db import connection
from django.db.models import Count

from ..graph import Dag
from ..models import RunState, StepRun, StepState
from .dispatch import steps_dispatch_on_commit
from .ledger import RunLedger


def steps_queue(ledger: RunLedger, step_runs: list[StepRun], *, countdown: float | None = None) -> None:
    """Mark steps queued (the caller saves state, queued_at, dispatched_at) and send their messages after commit."""
    due = ledger.now + timedelta(seconds=countdown or 0)
    for step_run in step_runs:
        step_run.state = StepState.QUEUED
        step_run.queued_at = ledger.now
        step_run.dispatched_at = due
        data = {"attempt": step_run.attempts + 1}
        if countdown:
            data["delay_s"] = round(countdown, 3)
        ledger.record("step.state", StepState.QUEUED, step_id=step_run.step_id, data=data)
    steps_dispatch_on_commit(step_runs, countdown=countdown, on_commit=ledger.on_commit)


def steps_ready(ledger: RunLedger, steps: dict[str, StepRun], dag: Dag) -> list[StepRun]:
    """The pending steps whose dependencies all succeeded, within the run's ``max_parallel`` (nothing written)."""
    states = {sid: sr.state for sid, sr in steps.items()}
    ready = [steps[sid] for sid in dag.ready(states)]
    limit = ledger.run.max_parallel
    if limit is not None:
        active = sum(1 for sr in steps.values() if sr.state in (StepState.QUEUED, StepState.RUNNING))
        ready = ready[:max(0, limit - active)]
    return ready


def steps_queue_pending(ledger: RunLedger, step_runs: list[StepRun]) -> None:
    """Move pending steps to queued now: their events, one UPDATE, and their messages after commit."""
    if step_runs:
        steps_queue(ledger, step_runs)
        StepRun.objects.filter(pk__in=[sr.pk for sr in step_runs]).update(
            state=StepState.QUEUED, queued_at=ledger.now, dispatched_at=ledger.now)


def steps_queue_ready(ledger: RunLedger, steps: dict[str, StepRun], dag: Dag) -> list[StepRun]:
    """Queue every pending step whose dependencies all succeeded, within the run's ``max_parallel``.

    ``steps`` is the caller's snapshot, updated in place; returns the steps queued.
    """
    ready = steps_ready(ledger, steps, dag)
    steps_queue_pending(ledger, ready)
    return ready


def steps_skip(ledger: RunLedger, step_runs: list[StepRun], *, because_of: str) -> None:
    """Mark steps that can no longer run because an upstream step failed."""
    error = f"upstream step {because_of} did not succeed"
    for step_run in step_runs:
        step_run.state = StepState.SKIPPED
        ledger.record("step.state", StepState.SKIPPED, step_id=step_run.step_id,
                      data={"attempt": step_run.attempts, "error": error})
    StepRun.objects.filter(pk__in=[sr.pk for sr in step_runs]).update(
        state=StepState.SKIPPED, finished_at=ledger.now, error=error)


_SNAPSHOT_FIELDS = ("id", "run_id", "step_id", "state", "backend", "order", "attempts", "cancel_requested")


def run_states_snapshot(run_id: int) -> dict[str, StepRun]:
    """Every step of a run by id, with just the fields transitions need (read under the run lock).

    A written-out statement: it runs at every step's end, where the ORM's
    compilation costs several times the query itself.
    """
    return {sr.step_id: sr for sr in StepRun.objects.raw(_snapshot_sql(connection.vendor), [run_id])}


@cache
def _snapshot_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    columns = ", ".join(q(StepRun._meta.get_field(f).column) for f in _SNAPSHOT_FIELDS)
    return f"SELECT {columns} FROM {q(StepRun._meta.db_table)} WHERE {q('run_id')} = %s"


def run_finish_if_done(ledger: RunLedger, steps: dict[str, StepRun] | None = None) -> None:
    """End the run once no step can still make progress: succeeded only if every step did.

    ``steps`` is the caller's up-to-date snapshot; without one the states are counted afresh.
    """
    run = ledger.run
    if steps is None:
        counts = dict(StepRun.objects.filter(run=run).values_list("state").annotate(n=Count("id"))
                      .values_list("state", "n"))
    else:
        counts = Counter(sr.state for sr in steps.values())
    if any(counts.get(s) for s in (StepState.PENDING, StepState.QUEUED, StepState.RUNNING)):
        return
    if counts.get(StepState.CANCELLED):
        final = RunState.CANCELLED
    elif counts.get(StepState.FAILED) or counts.get(StepState.SKIPPED):
        final = RunState.FAILED
    else:
        final = RunState.SUCCEEDED
    if run.state != final:
        ledger.set_run_state(final, finished_at=ledger.now)
