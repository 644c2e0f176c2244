"""Run-scoped transactions: lock the run, change state, append events with gap-free seq."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ..events import broadcast_on_commit
from ..models import Run, RunEvent


class RunLedger:
    """Collects the events of one transaction on one run.

    The run row is locked for the whole transaction, so sequence numbers are
    handed out one writer at a time and never skip or repeat.
    """

    def __init__(self, run: Run):
        self.run = run
        self.now = timezone.now()
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
        RunEvent.objects.bulk_create(self._events)
        self.run.save(update_fields=sorted({"last_seq", *self._changed_fields}))
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
def _writer_slot() -> Iterator[None]:
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
    with _writer_slot(), transaction.atomic():
        # The campaign comes along (unlocked) for the dashboard groups of the broadcast.
        run = Run.objects.select_for_update(of=("self",)).select_related("campaign").get(pk=run_id)
        ledger = RunLedger(run)
        yield ledger
        ledger._flush()
        if nested:
            for callback in ledger._after_commit:
                transaction.on_commit(callback)
    if not nested:
        ledger._run_after_commit()


@contextmanager
def run_created(run: Run) -> Iterator[RunLedger]:
    """For a run created inside the caller's transaction (nobody else can see it yet)."""
    ledger = RunLedger(run)
    yield ledger
    ledger._flush()
    for callback in ledger._after_commit:
        transaction.on_commit(callback)
