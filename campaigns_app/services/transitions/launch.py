"""A launch: new runs, their step runs and first events, each kind written in one statement."""

from __future__ import annotations

from ...models import Run, RunState, StepRun
from ..definitions import VersionDefinition
from .hand_off import current_offer
from .ledger import runs_created, runs_insert
from .run_steps import RunSteps
from .runs import run_start
from .sql import rows_insert
from .sql_reads import copies
from .steps import step_start_here, steps_queue
from .workflows import workflow_steps_start

# Every column of a new step run (the id comes back from the insert).
STEP_FIELDS = (
    "run",
    "step_id",
    "name",
    "backend",
    "order",
    "state",
    "attempts",
    "queued_at",
    "started_at",
    "finished_at",
    "result",
    "error",
    "dispatched_at",
    "cancel_requested",
    "worker",
    "heartbeat_at",
    "reclaims",
)


def runs_queue_new(runs: list[Run], definition: VersionDefinition) -> None:
    """New (unsaved) runs → queued, every step pending and the root steps queued, inside the caller's transaction.

    Steps are queued before they are inserted, so one INSERT writes their
    final state; their messages leave after commit, once the ids exist.  In
    a batch, the step runs that stay pending (no time, no event) are written
    before the launch's time is taken, and only the runs' first events and the
    steps that move with them after it: the time the dashboards show is when
    the launch's state change is written, not the start of its transaction.
    """
    dag, steps = definition.dag, definition.steps
    order, roots = dag.topological_order(), set(dag.roots())
    # One model instance per step of the version, copied for every run (``copies``: no ``__init__`` each).
    templates = [
        StepRun(step_id=step_id, name=steps[step_id]["name"], backend=steps[step_id].get("backend", "thread"), order=i)
        for i, step_id in enumerate(order)
    ]
    by_step = [copies(template, [{} for _ in runs]) for template in templates]
    planned = [list(run_step_runs) for run_step_runs in zip(*by_step, strict=True)] if templates else [[] for _ in runs]
    runs_insert(runs)
    ready_by_run = []
    for run, run_step_runs in zip(runs, planned, strict=True):
        for step_run in run_step_runs:
            # As ``StepRun(run=run)`` sets them.
            step_run.run_id = run.pk
            step_run._state.fields_cache["run"] = run
        ready = [sr for sr in run_step_runs if sr.step_id in roots]
        limit = run.max_parallel
        ready_by_run.append(ready[:limit] if limit else ready)
    moving = {id(sr) for ready in ready_by_run for sr in ready if steps[sr.step_id]["kind"] != "workflow"}
    # A lone run (a single launch, a child run) keeps one INSERT for all its steps: its transaction is short anyway.
    pending_first = len(runs) > 1
    if pending_first:
        _steps_insert([sr for run_step_runs in planned for sr in run_step_runs if id(sr) not in moving])
    workflows: dict = {}
    with runs_created(runs) as ledgers:
        for ledger, run_step_runs, ready in zip(ledgers, planned, ready_by_run, strict=True):
            ledger.record("run.state", RunState.QUEUED)
            workflows[ledger] = (run_step_runs, [sr for sr in ready if steps[sr.step_id]["kind"] == "workflow"])
            queued = [sr for sr in ready if steps[sr.step_id]["kind"] != "workflow"]
            offer = current_offer() if ledger.run.parent_id is not None else None
            taken = offer.take(queued) if offer is not None else None
            if offer is not None and taken is not None:
                # The worker thread whose step woke the parent runs this child's first step (``hand_off``).
                queued.remove(taken)
                run_start(ledger)
                step_start_here(ledger, taken)
                offer.hand_after_commit(taken, ledger.run)
            steps_queue(ledger, queued)
        _steps_insert(
            [sr for run_step_runs in planned for sr in run_step_runs if not pending_first or id(sr) in moving]
        )
        # Workflow steps start once their rows exist: their child runs point back at them.
        for ledger, (run_step_runs, starting) in workflows.items():
            if starting:
                ledger.steps = RunSteps(ledger, run_step_runs, complete=True)
                workflow_steps_start(ledger, ledger.steps, starting, dag)


def _steps_insert(step_runs: list[StepRun]) -> None:
    """Insert new step runs in one statement and give them their ids."""
    if not step_runs:
        return
    ids = {
        (run_id, step_id): pk
        for pk, run_id, step_id in rows_insert(StepRun, STEP_FIELDS, step_runs, returning=("id", "run_id", "step_id"))
    }
    for step_run in step_runs:
        step_run.pk = ids[(step_run.run_id, step_run.step_id)]
        step_run._state.adding = False
