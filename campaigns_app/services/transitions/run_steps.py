"""The steps of one run that its transitions decide on, read under the run's lock (``RunSteps``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...graph import Dag
from ...models import StepRun
from .ledger import steps_flush
from .sql_reads import step_rows

if TYPE_CHECKING:
    from .ledger import RunLedger


class RunSteps:
    """The steps of one run read under its lock in this transaction, by step id; one per ledger.

    A step's end reads only the steps it decides on (itself, its successors
    and their predecessors), so its cost does not grow with the run; ``all``
    reads every step, for the transitions that need the whole run (cancel,
    retry, a run under ``max_parallel``).  Transitions change steps through
    these objects, and every transition of the run in this transaction shares
    them, so a step read once is never read stale.
    """

    def __init__(self, ledger: RunLedger, rows: Iterable[StepRun] = (), *, complete: bool = False):
        self.ledger = ledger
        self.run_id = ledger.run.pk
        self.complete = complete
        self._steps: dict[str, StepRun] = {sr.step_id: sr for sr in rows}

    @classmethod
    def of(cls, ledger: RunLedger) -> RunSteps:
        """The view of the ledger's run (empty at first)."""
        if ledger.steps is None:
            ledger.steps = cls(ledger)
        return ledger.steps

    @classmethod
    def all(cls, ledger: RunLedger) -> RunSteps:
        view = cls.of(ledger)
        view.need_all()
        return view

    @classmethod
    def of_step(
        cls, ledger: RunLedger, step_run_id: int, *, step_id: str | None = None, dag: Dag | None = None
    ) -> tuple[RunSteps, StepRun | None]:
        """The view with one step run in it (None when it is not in this run).

        Given its ``step_id`` and the ``dag``, the view also reads, in the same
        statement, the successors and their predecessors that its success would decide on.
        """
        view = cls.of(ledger)
        if step_id is None or dag is None or step_id not in dag.successors:
            step_run = next((sr for sr in view.values() if sr.pk == step_run_id), None)
            if step_run is None:
                rows = view._read(step_run_id=step_run_id)
                step_run = rows[0] if rows else None
                if step_run is not None:
                    step_run = view._steps.setdefault(step_run.step_id, step_run)
            return view, step_run
        view.need(neighbourhood(dag, step_id))
        step_run = view._steps.get(step_id)
        return view, (step_run if step_run is not None and step_run.pk == step_run_id else None)

    def seed(self, rows: Iterable[StepRun]) -> None:
        """Rows read for this run by someone else in this transaction (the group commit's prefetch)."""
        for sr in rows:
            self._steps.setdefault(sr.step_id, sr)

    def _read(self, **which) -> list[StepRun]:
        # Rows of this run written in this transaction are written before they are read again.
        if self.ledger._writes:
            steps_flush([self.ledger])
        return step_rows(self.run_id, **which)

    def need(self, step_ids: Iterable[str]) -> None:
        """Read the named steps that the view does not hold yet."""
        if self.complete:
            return
        missing = [s for s in dict.fromkeys(step_ids) if s not in self._steps]
        if missing:
            self.seed(self._read(step_ids=missing))

    def need_all(self) -> None:
        if not self.complete:
            self.seed(self._read())
            self.complete = True

    def get(self, step_id: str) -> StepRun | None:
        """The step if this transaction has read it already (nothing is read)."""
        return self._steps.get(step_id)

    def __getitem__(self, step_id: str) -> StepRun:
        return self._steps[step_id]

    def __contains__(self, step_id: str) -> bool:
        return step_id in self._steps

    def values(self):
        return self._steps.values()

    def items(self):
        return self._steps.items()


def neighbourhood(dag: Dag, step_id: str) -> list[str]:
    """The steps a step's end decides on: itself, its successors and their predecessors."""
    after = dag.successors[step_id]
    return list(dict.fromkeys([step_id, *after, *(p for c in after for p in dag.predecessors[c])]))
