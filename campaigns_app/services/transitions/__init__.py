"""The one owner of every state change of a step run and of a run.

Each transition is one function that writes the rows, records the events and
schedules what leaves after commit (Celery messages, broadcasts).  Callers
(``services/steps.py`` for a worker's attempts, ``runs.py`` for launches,
``control.py`` for cancel and retry, ``recovery.py`` for lost workers) decide
*which* transition applies and never finish one's work themselves.  Written-out
SQL lives only in ``sql.py`` (writes) and ``sql_reads.py`` (reads, run locks) here.

| module | what it holds |
| --- | --- |
| ``commit.py`` | group commit: ``in_run_transaction`` applies a transition with whatever else this process's threads commit now, in one transaction |
| ``ledger.py`` | ``run_locked`` / ``runs_created`` / ``run_created``: the run lock and the transaction; ``RunLedger`` with ``step_write`` / ``steps_write`` (step rows), ``record`` (events, gap-free seq), ``set_run_state``, ``on_commit`` |
| ``run_steps.py`` | ``RunSteps``: the steps of a run that a transition reads under the run's lock |
| ``steps.py`` | the step transitions: queue, claim, start here, succeed, fail, retry, cancelled, skip, cancel, reset |
| ``reclaim.py`` | heartbeats, overdue resends, reclaiming an attempt a lost worker held |
| ``runs.py`` | run start, finish, requeue |
| ``launch.py`` | new runs with their steps and first events |
| ``workflows.py`` | workflow steps: start with a child run (or one per item, an ensemble), end with the child, cancel children |
| ``child_ends.py`` | a child run ended: its workflow step or ensemble item follows; overdue workflow steps time out, reconcile |
| ``hand_off.py`` | the thread whose step ended a child run takes the first step of the parent's next child (no message) |
| ``sql.py`` | the written-out writes (updates, inserts, PostgreSQL ``unnest`` bulk statements) |
| ``sql_reads.py`` | the written-out reads: step views, steps of many runs, a run's states, run locks |

Adding a transition (child runs, for-each items, ...):

1. Write it as a function in ``steps.py`` or ``runs.py`` (or a new module
   here when it is a family of its own) that takes the ``RunLedger`` of the
   caller's ``run_locked`` block and the ``RunSteps`` it decides on.
2. Read steps through ``RunSteps.of(ledger)`` (``need``, ``need_all``, ``of_step``): one
   view per run and transaction, shared by every transition of that run in a
   group commit, so nothing is read stale.  Change rows only through
   ``ledger.step_write`` / ``ledger.steps_write`` on those objects (written
   together before commit, or before a read that needs them) and
   ``ledger.set_run_state`` (the run), record an event with
   ``ledger.record`` for every state it changes, and send messages with
   ``steps_queue`` or ``ledger.on_commit`` so nothing leaves before commit.
3. End with ``run_finish_if_done`` when the change can end the run.
4. Export it below; callers outside this package import only from here.

A transition on another run (a child run's end waking its parent) takes that
run's own ``run_locked`` after the first commits, or nests it: locks are taken
parent before child, so two transitions never wait on each other.
"""

from .child_ends import workflow_child_ended, workflow_steps_overdue, workflow_steps_reconcile
from .commit import committer_stats, in_run_transaction
from .launch import runs_queue_new
from .ledger import RunLedger, run_created, run_locked, runs_created, writer_slot
from .reclaim import step_reclaim, steps_heartbeat, steps_held_touch, steps_overdue
from .run_steps import RunSteps, neighbourhood
from .runs import run_finish_if_done, run_requeue, run_start
from .sql_reads import copies
from .steps import (
    retry_delay,
    step_cancelled,
    step_claim,
    step_fail,
    step_retry,
    step_start_here,
    step_succeed,
    steps_cancel,
    steps_queue,
    steps_queue_ready,
    steps_ready,
    steps_reset,
    steps_skip,
    worker_id,
)
from .workflows import (
    children_cancel,
    workflow_step_start_due,
    workflow_steps_start,
)

__all__ = [
    "copies",
    "committer_stats",
    "in_run_transaction",
    "neighbourhood",
    "retry_delay",
    "RunLedger",
    "RunSteps",
    "run_created",
    "run_finish_if_done",
    "run_locked",
    "run_requeue",
    "run_start",
    "runs_created",
    "runs_queue_new",
    "step_cancelled",
    "step_claim",
    "step_fail",
    "step_reclaim",
    "step_retry",
    "step_start_here",
    "step_succeed",
    "steps_cancel",
    "steps_heartbeat",
    "steps_held_touch",
    "steps_overdue",
    "steps_queue",
    "steps_queue_ready",
    "steps_ready",
    "steps_reset",
    "steps_skip",
    "children_cancel",
    "workflow_child_ended",
    "workflow_steps_overdue",
    "workflow_steps_reconcile",
    "workflow_step_start_due",
    "workflow_steps_start",
    "worker_id",
    "writer_slot",
]
