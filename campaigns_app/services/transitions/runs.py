"""Every state change of a run as a whole: start, finish, queue again (retry)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ...models import RunState, StepState
from .ledger import RunLedger, steps_flush
from .sql_reads import run_has_steps_in, run_states_present

if TYPE_CHECKING:
    from .run_steps import RunSteps

OPEN = (StepState.PENDING, StepState.QUEUED, StepState.RUNNING)
UNSUCCESSFUL = (StepState.CANCELLED, StepState.FAILED, StepState.SKIPPED)


def run_start(ledger: RunLedger) -> None:
    """queued → running, at the first step that starts; a resumed run keeps its first start.

    So a run's started_at is its first start and its duration the whole wall time, resume included.
    """
    if ledger.run.state == RunState.QUEUED:
        ledger.set_run_state(RunState.RUNNING, started_at=ledger.run.started_at or ledger.now)


def run_requeue(ledger: RunLedger) -> None:
    """An ended run → queued again (a retry); its next step start makes it running."""
    ledger.set_run_state(RunState.QUEUED, finished_at=None)


def run_finish_if_done(ledger: RunLedger, steps: RunSteps | None = None) -> None:
    """End the run once no step can still make progress: succeeded only if every step did.

    With a view of every step the states are counted there; otherwise two
    seeks on the (run, state) index answer, so a step's end costs the same in
    a run of 4 steps or of 20,000.
    """
    run = ledger.run
    # The view is current for the steps it holds: one of them still open settles it without a query.
    if steps is not None and any(sr.state in OPEN for sr in steps.values()):
        return
    if steps is not None and steps.complete:
        present = set(Counter(sr.state for sr in steps.values()))
        if present & set(OPEN):
            return
    else:
        steps_flush([ledger])
        if run_has_steps_in(run.pk, OPEN):
            return
        present = run_states_present(run.pk, UNSUCCESSFUL)
    if StepState.CANCELLED in present:
        final = RunState.CANCELLED
    elif StepState.FAILED in present or StepState.SKIPPED in present:
        final = RunState.FAILED
    else:
        final = RunState.SUCCEEDED
    if run.state != final:
        ledger.set_run_state(final, finished_at=ledger.now)
        if run.parent_id is not None:
            from .child_ends import parent_wake

            parent_wake(ledger)
