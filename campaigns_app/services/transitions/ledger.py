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
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from ...events import broadcast_runs_on_commit
from ...models import Run, RunEvent, StepRun
from ..dispatch import steps_send_soon
from .sql import rows_insert, rows_update, rows_update_each, rows_update_many
from .sql_reads import run_lock

if TYPE_CHECKING:  # both modules import this one
    from .hand_off import StepOffer
    from .run_steps import RunSteps

EVENT_FIELDS = ("run", "seq", "step_id", "type", "state", "at", "data")
# Every column of a new run (the id comes back from the insert).
RUN_FIELDS = (
    "campaign",
    "version",
    "owner",
    "batch",
    "max_parallel",
    "state",
    "parameters",
    "last_seq",
    "source",
    "external_key",
    "kind",
    "test_graph",
    "created_at",
    "started_at",
    "finished_at",
    "parent",
    "parent_step_id",
    "parent_item",
)


class PendingEvent:
    """An event of this transaction, not yet inserted: the columns ``rows_insert`` writes, and its message.

    A ``RunEvent`` instance per event (three per step) cost more to build than to insert.
    """

    __slots__ = ("run_id", "seq", "step_id", "type", "state", "at", "data")

    def __init__(self, run_id: int, seq: int, step_id: str | None, type_: str, state: str, at: datetime, data: dict):
        self.run_id = run_id
        self.seq = seq
        self.step_id = step_id
        self.type = type_
        self.state = state
        self.at = at
        self.data = data

    def as_message(self) -> dict:
        """The message the stored ``RunEvent`` gives, built by its own method (it reads only these attributes)."""
        return RunEvent.as_message(self)  # type: ignore[arg-type]  # duck-typed: the same attribute names


class RunLedger:
    """Collects the events of one transaction on one run.

    The run row is locked for the whole transaction, so sequence numbers are
    handed out one writer at a time and never skip or repeat.
    """

    def __init__(self, run: Run, now: datetime | None = None):
        self.run = run
        self.now = now or timezone.now()
        self._events: list[PendingEvent] = []
        self._changed_fields: set[str] = set()
        self._after_commit: list[Callable[[], None]] = []
        self._messages: dict[float | None, list] = {}
        # Step rows changed but not written yet, by id: written together before any read that needs them.
        self._writes: dict[int, dict[str, Any]] = {}
        # The steps of this run read in this transaction (``run_steps.RunSteps``), shared by its transitions.
        self.steps: RunSteps | None = None
        # The offer of the thread whose outcome is being recorded (``hand_off``), while it is.
        self.offer: StepOffer | None = None
        if run.pk is not None and connection.in_atomic_block:
            ledgers_open()[run.pk] = self

    def send_after_commit(self, step_runs: list, *, countdown: float | None = None) -> None:
        """Send the steps' Celery messages after commit, with the others of this commit (``dispatch``)."""
        self._messages.setdefault(countdown, []).extend(step_runs)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this ledger's transaction has committed (in order of registration)."""
        self._after_commit.append(callback)

    def record(
        self,
        type_: str,
        state: str,
        *,
        step_id: str | None = None,
        data: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> None:
        self.run.last_seq += 1
        self._events.append(
            PendingEvent(self.run.pk, self.run.last_seq, step_id, type_, state, at or self.now, data or {})
        )

    def step_write(self, step_run, **values: Any) -> None:
        """Set ``values`` on the step run now and on its row before commit (or before a read that needs it).

        The writes of one commit go out together (``steps_flush``).  A step not
        yet inserted (a launch inserts its steps after queueing them) only
        takes the values: its INSERT writes them.
        """
        for name, value in values.items():
            setattr(step_run, name, value)
        if step_run.pk is not None:
            self._writes.setdefault(step_run.pk, {}).update(values)

    def steps_write(self, step_runs, **values: Any) -> None:
        """``step_write`` for many step runs with the same values; a long list in one statement now."""
        if len(step_runs) <= 16:
            for step_run in step_runs:
                self.step_write(step_run, **values)
            return
        for step_run in step_runs:
            for name, value in values.items():
                setattr(step_run, name, value)
        saved = [sr.pk for sr in step_runs if sr.pk is not None]
        if saved:
            steps_flush([self])
            rows_update_many(StepRun, saved, **values)

    def set_run_state(self, state: str, **fields: Any) -> None:
        self.run.state = state
        for name, value in fields.items():
            setattr(self.run, name, value)
        self._changed_fields.update({"state", *fields})
        self.record("run.state", state)


class _OpenLedgers(threading.local):
    outermost: object = None
    ledgers: dict[int, RunLedger] | None = None


_open = _OpenLedgers()


def ledgers_open() -> dict[int, RunLedger]:
    """This thread's ledgers of its current outermost transaction, by run id: their events may be unwritten yet.

    A transition that locks another run inside a transaction (a child's end waking
    its parent) asks here first: a second ledger for a run would hand out the seq
    numbers the first has not written.  Keyed by the outermost ``Atomic``, so a new
    transaction starts empty (one reused as a decorator only keeps runs listed: callers then wait).
    """
    outermost = connection.atomic_blocks[0] if connection.in_atomic_block else None
    if outermost is None:
        return {}
    if _open.outermost is not outermost or _open.ledgers is None:
        _open.outermost, _open.ledgers = outermost, {}
    return _open.ledgers


def steps_flush(ledgers: list[RunLedger]) -> None:
    """Write the ledgers' pending step rows: one ``executemany`` per set of columns."""
    by_shape: dict[tuple[str, ...], list] = {}
    for ledger in ledgers:
        for pk, values in ledger._writes.items():
            fields = tuple(sorted(values))
            by_shape.setdefault(fields, []).append((pk, [values[f] for f in fields]))
        ledger._writes = {}
    for fields, rows in by_shape.items():
        if len(rows) == 1:
            rows_update(StepRun, where={"id": rows[0][0]}, **dict(zip(fields, rows[0][1], strict=True)))
        else:
            rows_update_each(StepRun, fields, rows)


def ledgers_flush(ledgers: list[RunLedger]) -> list[Callable[[], None]]:
    """Write the events and run rows of the ledgers of one transaction, each kind in one statement.

    Their pending step rows are written first.  Returns what must run once it commits, in this order: the step
    messages of all of them (one send per delay), the ledgers' own callbacks, and the
    broadcasts: one message per group for all these runs' events, each run's
    in seq order.  Messages first, so a worker is not kept waiting behind broadcasts.
    """
    messages: dict[float | None, list] = {}
    for ledger in ledgers:
        for countdown, step_runs in ledger._messages.items():
            messages.setdefault(countdown, []).extend(step_runs)
    after: list[Callable[[], None]] = [
        partial(steps_send_soon, step_runs, countdown) for countdown, step_runs in messages.items()
    ]
    steps_flush(ledgers)
    after += [callback for ledger in ledgers for callback in ledger._after_commit]
    busy = [ledger for ledger in ledgers if ledger._events]
    if not busy:
        return after
    rows_insert(RunEvent, EVENT_FIELDS, [event for ledger in busy for event in ledger._events])
    by_shape: dict[tuple[str, ...], list] = {}
    for ledger in busy:
        fields = tuple(sorted({"last_seq", *ledger._changed_fields}))
        by_shape.setdefault(fields, []).append((ledger.run.pk, [getattr(ledger.run, f) for f in fields]))
    for fields, rows in by_shape.items():
        if len(rows) == 1:
            rows_update(Run, where={"id": rows[0][0]}, **dict(zip(fields, rows[0][1], strict=True)))
        else:
            rows_update_each(Run, fields, rows)
    broadcast_runs_on_commit(
        [(ledger.run, [e.as_message() for e in ledger._events]) for ledger in busy], on_commit=after.append
    )
    return after


def _run_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        callback()


# SQLite has one write lock per database, and a writer that finds it taken
# polls with growing sleeps (1, 2, 5, 10, 15 ms...).  Threads of one process
# queue on this lock instead, which wakes the next writer the moment the
# previous one commits.  PostgreSQL's row locks already behave that way.
# Re-entrant: a callback run at commit (a child run's end waking its parent)
# opens its own transaction while the committing thread still holds the slot.
_SQLITE_WRITERS = threading.RLock()


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
        after = ledgers_flush([ledger])
        if nested:
            for callback in after:
                transaction.on_commit(callback)
    if not nested:
        _run_all(after)


def runs_insert(runs: list[Run]) -> None:
    """Insert new runs in one statement, inside the caller's transaction; their ids come back in insert order."""
    now = timezone.now()
    for run in runs:
        run.created_at = now
    # Ids come back in insert order, as the ORM's bulk_create also relies on.
    for run, (pk,) in zip(runs, rows_insert(Run, RUN_FIELDS, runs, returning=("id",)), strict=True):
        run.pk = pk
        run._state.adding = False


@contextmanager
def runs_created(runs: list[Run]) -> Iterator[list[RunLedger]]:
    """For new runs inserted together inside the caller's transaction (a launch): one ledger per run.

    The runs are inserted first (``runs_insert``), their events in one
    statement on leaving, and every run's ``last_seq`` in one batch of
    updates.  The ledgers' time is taken here, when the events and the rows
    that carry it are about to be written, so it is never before the run's
    ``created_at``.  After commit every run's step messages leave before any
    broadcast, so the last run of a batch does not wait for the others'
    broadcasts to reach a worker.  The caller inserts the rest of the runs'
    step runs inside this block, before its transaction commits.
    """
    now = timezone.now()
    ledgers = [RunLedger(run, now=now) for run in runs]
    yield ledgers
    for callback in ledgers_flush(ledgers):
        transaction.on_commit(callback)


@contextmanager
def run_created(run: Run) -> Iterator[RunLedger]:
    """For a run created inside the caller's transaction (nobody else can see it yet)."""
    ledger = RunLedger(run)
    yield ledger
    for callback in ledgers_flush([ledger]):
        transaction.on_commit(callback)
