"""Run-scoped transactions: lock the run, change state, append events with gap-free seq."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..events import broadcast_on_commit
from ..models import Campaign, Run, RunEvent
from .statements import rows_insert, rows_update

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


# The campaign columns that broadcasts (``events.dashboard_groups_for_run``) and audit entries read; the
# others load on access.
_CAMPAIGN_SHARING = ("owner_id", "team_id", "visibility", "name")


@cache
def _run_lock_sql(vendor: str) -> str:
    q = connection.ops.quote_name
    features = connection.features
    lock = (" FOR UPDATE OF r" if features.has_select_for_update_of
            else " FOR UPDATE" if features.has_select_for_update else "")
    sharing = ", ".join(f"c.{q(Campaign._meta.get_field(f).column)} AS {q('campaign__' + f)}"
                        for f in _CAMPAIGN_SHARING)
    return (f"SELECT r.*, {sharing} FROM {q(Run._meta.db_table)} r "
            f"JOIN {q(Campaign._meta.db_table)} c ON c.{q('id')} = r.{q('campaign_id')} WHERE r.{q('id')} = %s{lock}")


def _run_lock(run_id: int) -> Run:
    """Lock the run row (PostgreSQL: that row only) and read it with its campaign's sharing fields.

    Every step start and end passes here, and the ORM takes about ten times
    longer to compile this join than the database takes to run it, so the
    statement is written out; the rows still come back as model instances.
    """
    run = next(iter(Run.objects.raw(_run_lock_sql(connection.vendor), [run_id])), None)
    if run is None:
        raise Run.DoesNotExist(f"run {run_id} does not exist")
    values = [run.campaign_id, *(run.__dict__.pop(f"campaign__{f}") for f in _CAMPAIGN_SHARING)]
    run.campaign = Campaign.from_db(connection.alias, ["id", *_CAMPAIGN_SHARING], values)
    return run


@contextmanager
def run_locked(run_id: int) -> Iterator[RunLedger]:
    """Lock the run for one transaction; messages and broadcasts leave after commit.

    At the outermost level the post-commit work (Celery sends, broadcasts) runs
    after the SQLite writer slot is released, so no other writer waits on Redis.
    """
    nested = connection.in_atomic_block
    with writer_slot(), transaction.atomic():
        # The campaign comes along (unlocked) for the dashboard groups of the broadcast.
        ledger = RunLedger(_run_lock(run_id))
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
