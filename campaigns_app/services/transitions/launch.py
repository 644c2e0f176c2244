"""A launch: new runs, their step runs and first events, each kind written in one statement."""

from __future__ import annotations

from ...models import Run, RunState, StepRun, StepState
from ..definitions import VersionDefinition
from .ledger import runs_created
from .sql import rows_insert
from .steps import steps_queue

# Every column of a new step run (the id comes back from the insert).
STEP_FIELDS = ("run", "step_id", "name", "backend", "order", "state", "attempts", "queued_at", "started_at",
               "finished_at", "result", "error", "dispatched_at", "cancel_requested", "worker", "heartbeat_at",
               "reclaims")


class NewStepRow:
    """A step run of a launch, not yet inserted: the columns the insert, the queue and the message read.

    A launch of thousands of runs makes tens of thousands of these, and a
    model instance costs several times more to build; nothing else sees them.
    """

    __slots__ = ("pk", "run", "run_id", "step_id", "name", "backend", "order", "state", "attempts", "queued_at",
                 "started_at", "finished_at", "result", "error", "dispatched_at", "cancel_requested", "worker",
                 "heartbeat_at", "reclaims")

    def __init__(self, *, run: Run, step_id: str, name: str, backend: str, order: int):
        self.pk = self.run_id = None
        self.run, self.step_id, self.name, self.backend, self.order = run, step_id, name, backend, order
        self.state, self.attempts, self.reclaims = StepState.PENDING, 0, 0
        self.queued_at = self.started_at = self.finished_at = self.dispatched_at = self.heartbeat_at = None
        self.result = self.error = None
        self.cancel_requested, self.worker = False, ""


def runs_queue_new(runs: list[Run], definition: VersionDefinition) -> None:
    """New (unsaved) runs → queued, every step pending and the root steps queued, inside the caller's transaction.

    Steps are queued before they are inserted, so one INSERT writes their
    final state; their messages leave after commit, once the ids exist.
    """
    dag, steps = definition.dag, definition.steps
    order, roots = dag.topological_order(), set(dag.roots())
    step_runs: list[NewStepRow] = []
    with runs_created(runs) as ledgers:
        for ledger in ledgers:
            ledger.record("run.state", RunState.QUEUED)
            mine = [NewStepRow(run=ledger.run, step_id=step_id, name=steps[step_id]["name"],
                               backend=steps[step_id].get("backend", "thread"), order=index)
                    for index, step_id in enumerate(order)]
            ready = [sr for sr in mine if sr.step_id in roots]
            limit = ledger.run.max_parallel
            steps_queue(ledger, ready[:limit] if limit else ready)
            step_runs.extend(mine)
    for step_run in step_runs:
        step_run.run_id = step_run.run.pk
    ids = {(run_id, step_id): pk for pk, run_id, step_id in
           rows_insert(StepRun, STEP_FIELDS, step_runs, returning=("id", "run_id", "step_id"))}
    for step_run in step_runs:
        step_run.pk = ids[(step_run.run_id, step_run.step_id)]
