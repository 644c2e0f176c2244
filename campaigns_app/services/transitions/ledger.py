"""Run-scoped transactions: lock the run, write its step rows, append events with gap-free seq.

Transitions (``steps.py``, ``runs.py`` beside this) change state only through
a ``RunLedger``: ``step_write`` for a step row, ``record`` for an event,
``set_run_state`` for the run, ``on_commit`` for what leaves after commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ...events import broadcast_on_commit
from ...models import Run, RunEvent, StepRun
from .sql import rows_insert, rows_update, rows_update_many, run_lock

EVENT_FIELDS = ("run", "seq", "step_id", "type", "state", "at", "data")


class RunLedger:
    """Collects the events of one transaction on one run.

    The run row is locked for the whole transaction, so sequence numbers are
    handed out one writer at a time and never skip or repeat.
    """

    def __init__(self, run: Run, now: datetime | None = None):
        self.run = run
        self.now = now or timezone.now()
        self._events: list[RunEvent] = []
        self._changed_fields: set[str] = set()
        self._after_commit: list[Callable[[], None]] = []

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this ledger's transaction has committed (in order of registration)."""
        self._after_commit.append(callback)

    def record(self, type_: str, state: str, *, step_id: str | None = None, data: dict[str, Any] | None = None,
               at: datetime | None = None) -> None:
        self.run.last_seq += 1
        self._events.append(RunEvent(run=self.run, seq=self.run.last_seq, step_id=step_id, type=type_,
                                     state=state, at=at or self.now, data=data or {}))

    def step_write(self, step_run, **values: Any) -> int:
        """Set ``values`` on the step run and its row; returns the rows changed (0 or 1).

        A step not yet inserted (a launch inserts its steps after queueing
        them) only takes the values: its INSERT writes them.
        """
        for name, value in values.items():
            setattr(step_run, name, value)
        if step_run.pk is None:
            return 0
        return rows_update(StepRun, where={"id": step_run.pk}, **values)

    def steps_write(self, step_runs, **values: Any) -> None:
        """``step_write`` for many step runs with the same values, in one statement."""
        for step_run in step_runs:
            for name, value in values.items():
                setattr(step_run, name, value)
        saved = [sr.pk for sr in step_runs if sr.pk is not None]
        if saved:
            rows_update_many(StepRun, saved, **values)

    def set_run_state(self, state: str, **fields: Any) -> None:
        self.run.state = state
        for name, value in fields.items():
            setattr(self.run, name, value)
        self._changed_fields.update({"state", *fields})
        self.record("run.state", state)

    def _flush(self) -> None:
        if not self._events:
            return
        rows_insert(RunEvent, EVENT_FIELDS, self._events)
        rows_update(Run, where={"id": self.run.pk},
                    **{name: getattr(self.run, name) for name in sorted({"last_seq", *self._changed_fields})})
        broadcast_on_commit(self.run, [e.as_message() for e in self._events], on_commit=self.on_commit)

    def _run_after_commit(self) -> None:
        for callback in self._after_commit:
            callback()


# SQLite has one write lock per database, and a writer that finds it taken
# polls with growing sleeps (1, 2, 5, 10, 15 ms...).  Threads of one process
# queue on this lock instead, which wakes the next writer the moment the
# previous one commits.  PostgreSQL's row locks already behave that way.
_SQLITE_WRITERS = threading.Lock()


@contextmanager
def writer_slot() -> Iterator[None]:
    """Hold this process's turn to write (SQLite only); every write of a worker outside ``run_locked`` takes it."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        yield
        return
    with _SQLITE_WRITERS:
        yield


@contextmanager
def run_locked(run_id: int) -> Iterator[RunLedger]:
    """Lock the run for one transaction; messages and broadcasts leave after commit.

    At the outermost level the post-commit work (Celery sends, broadcasts) runs
    after the SQLite writer slot is released, so no other writer waits on Redis.
    """
    nested = connection.in_atomic_block
    with writer_slot(), transaction.atomic():
        # The campaign comes along (unlocked) for the dashboard groups of the broadcast.
        ledger = RunLedger(run_lock(run_id))
        yield ledger
        ledger._flush()
        if nested:
            for callback in ledger._after_commit:
                transaction.on_commit(callback)
    if not nested:
        ledger._run_after_commit()


@contextmanager
def runs_created(runs: list[Run]) -> Iterator[list[RunLedger]]:
    """For new runs inserted together inside the caller's transaction (a launch): one ledger per unsaved run.

    The runs are inserted in one statement, their events in another, then
    each run's ``last_seq`` is set; each ledger's time is its run's
    ``created_at``, so no event precedes the run.  After commit every run's
    step messages leave before any broadcast, so the last run of a batch does
    not wait for the others' broadcasts to reach a worker.  The caller inserts
    the runs' step runs inside this block or after it, before its transaction
    commits.
    """
    Run.objects.bulk_create(runs)
    ledgers = [RunLedger(run, now=run.created_at) for run in runs]
    yield ledgers
    rows_insert(RunEvent, EVENT_FIELDS, [event for ledger in ledgers for event in ledger._events])
    for run in runs:
        rows_update(Run, where={"id": run.pk}, last_seq=run.last_seq)
    for ledger in ledgers:
        for callback in ledger._after_commit:
            transaction.on_commit(callback)
    for ledger in ledgers:
        broadcast_on_commit(ledger.run, [e.as_message() for e in ledger._events])


@contextmanager
def run_created(run: Run) -> Iterator[RunLedger]:
    """For a run created inside the caller's transaction (nobody else can see it yet)."""
    ledger = RunLedger(run)
    yield ledger
    ledger._flush()
    for callback in ledger._after_commit:
        transaction.on_commit(callback)
