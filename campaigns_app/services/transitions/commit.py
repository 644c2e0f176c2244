"""Group commit: the transitions that a process's threads want at the same moment, in one transaction.

A worker's threads hand their claims and outcomes to ``in_run_transaction``.
The first thread to arrive while nobody commits becomes the leader: it takes
whatever is waiting (up to ``STUDIO_COMMIT_BATCH``), locks those runs in id
order in one statement, applies every transition, writes all their events in one INSERT and
their runs' ``last_seq`` in one batch, commits once, sends the messages and
broadcasts, and wakes the threads whose work it did.  Whoever is waiting
when it finishes takes the lead next.  An idle process commits a lone step
at once on its own thread, so latency does not grow; under load hundreds of
step ends cost one commit instead of one each.

A transition that raises is taken out and the rest of the group is done
again without it, so one bad step never fails its neighbours; its thread
gets the exception.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction

from ...models import Run
from .ledger import RunLedger, ledgers_flush, run_locked, writer_slot
from .run_steps import RunSteps
from .sql_reads import runs_lock, steps_of_runs

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Work:
    run_id: int
    apply: Callable[[RunLedger], Any]
    # Step ids of the run that ``apply`` will read: read for the whole group in one statement.
    prefetch: list[str] | None = None
    # ``prefetch`` names every step of the run, so the view it seeds is complete.
    whole_run: bool = False
    wake: threading.Event = field(default_factory=threading.Event)
    finished: bool = False
    result: Any = None
    error: BaseException | None = None


class GroupCommitter:
    """One per process: the queue of waiting transitions and who is committing them now."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._queue: list[_Work] = []
        self._leading = False
        # Commits and transitions per commit, for ``bench/`` and tests.
        self.commits = 0
        self.applied = 0

    def run(
        self, run_id: int, apply: Callable[[RunLedger], Any], prefetch: list[str] | None = None, whole_run: bool = False
    ) -> Any:
        work = _Work(run_id, apply, prefetch=prefetch, whole_run=whole_run)
        with self._mutex:
            self._queue.append(work)
            lead = not self._leading
            self._leading = True
        while True:
            if not lead:
                # Set when the work is done, or when the lead is handed over.
                work.wake.wait()
                if work.finished:
                    break
            with self._mutex:
                bound = settings.STUDIO_COMMIT_BATCH
                group, self._queue = self._queue[:bound], self._queue[bound:]
            self._commit(group)
            with self._mutex:
                if self._queue:
                    self._queue[0].wake.set()
                else:
                    self._leading = False
            if work.finished:
                break
            lead = False
        if work.error is not None:
            raise work.error
        return work.result

    def _commit(self, group: list[_Work]) -> None:
        pending = sorted(group, key=lambda w: w.run_id)
        while pending:
            failed = self._try(pending)
            if failed is None:
                break
            pending = [w for w in pending if w is not failed]
        for work in group:
            work.finished = True
            work.wake.set()

    def _try(self, pending: list[_Work]) -> _Work | None:
        """Apply and commit ``pending``; on an exception, roll back and return the work that raised."""
        after_commit: list[Callable[[], None]] = []
        results: list[tuple[_Work, Any]] = []
        current: _Work | None = None
        try:
            with writer_slot(), transaction.atomic():
                # One statement locks every run of the group, in id order.
                locked = runs_lock([w.run_id for w in pending])
                ledgers: dict[int, RunLedger] = {}
                wanted: dict[int, list[str]] = {}
                whole: dict[int, set[str]] = {}
                for work in pending:
                    if work.prefetch and work.run_id in locked:
                        wanted.setdefault(work.run_id, []).extend(work.prefetch)
                        if work.whole_run:
                            whole[work.run_id] = set(work.prefetch)
                read: dict[int, list] = {}
                for row in steps_of_runs(wanted):
                    read.setdefault(row.run_id, []).append(row)
                for current in pending:
                    ledger = ledgers.get(current.run_id)
                    if ledger is None:
                        if current.run_id not in locked:
                            raise Run.DoesNotExist(f"run {current.run_id} does not exist")
                        ledger = ledgers[current.run_id] = RunLedger(locked[current.run_id])
                        if current.run_id in read:
                            view = RunSteps.of(ledger)
                            view.seed(read[current.run_id])
                            # Every step of the run is in the view: its end is counted there, not queried.
                            if current.run_id in whole and whole[current.run_id] <= set(view._steps):
                                view.complete = True
                    results.append((current, current.apply(ledger)))
                current = None
                after_commit = ledgers_flush(list(ledgers.values()))
        except BaseException as exc:  # noqa: BLE001 - handed to the thread whose transition it is
            if current is None or isinstance(exc, (OperationalError, InterfaceError)):
                # The commit itself failed, or the database is away: nothing of the group was stored.
                for work in pending:
                    work.error = exc
                return None
            current.error = exc
            return current
        self.commits += 1
        self.applied += len(pending)
        for work, result in results:
            work.result = result
        for callback in after_commit:
            try:
                callback()
            except Exception:
                logger.exception("a post-commit send failed")
        return None


_committer = GroupCommitter()


def in_run_transaction(
    run_id: int, apply: Callable[[RunLedger], Any], *, prefetch: list[str] | None = None, whole_run: bool = False
) -> Any:
    """``apply(ledger)`` under the run's lock, committed with whatever else this process commits now.

    ``prefetch`` names steps of the run that ``apply`` reads (``RunSteps``):
    the group reads them for all its runs in one statement.  ``whole_run``
    says they are all of the run's steps, so the view is complete (a run's
    end is then decided without the two queries that count its step states).

    Inside a caller's transaction it simply nests there (``run_locked``):
    group commit needs the outermost transaction.
    """
    if connection.in_atomic_block or not settings.STUDIO_COMMIT_BATCH:
        with run_locked(run_id) as ledger:
            return apply(ledger)
    return _committer.run(run_id, apply, prefetch, whole_run)


def committer_stats() -> tuple[int, int]:
    """(commits, transitions committed) by this process's group committer so far."""
    return _committer.commits, _committer.applied
