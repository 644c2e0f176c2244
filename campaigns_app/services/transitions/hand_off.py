"""A worker thread whose step ended its child run takes the first step of the parent's next child itself.

In a chain of workflow steps each link is: the child's last step ends (its
run ends), the parent wakes, its next workflow step starts a new child run,
and that child's first step would go to Celery and wait for a worker to claim
it: a broker round trip and one more transaction per link.  The thread that
recorded the ending step holds a slot of its backend and has nothing left to
run (its run ended, so no successor started there), so it offers to take
that step instead: the transaction that creates the child starts its first
step ``running`` on this worker (``step_start_here``, as a chain link does),
and once that commits the thread runs it.  If the process dies before the
step ends, the watchdogs reclaim it like any step of a silent worker.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction


class StepOffer:
    """One thread's offer, for one recorded outcome: a backend it holds a slot of, and at most one step taken."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.promised = False
        # (step run, its run) once the transaction that started it has committed.
        self.taken: tuple[Any, Any] | None = None

    def take(self, step_runs: list) -> Any | None:
        """The first of ``step_runs`` on this offer's backend, now promised to this offer; None when none fits."""
        if self.promised:
            return None
        promised = next((sr for sr in step_runs if sr.backend == self.backend), None)
        if promised is not None:
            self.promised = True
        return promised

    def hand_after_commit(self, step_run, run) -> None:
        def committed() -> None:
            self.taken = (step_run, run)

        transaction.on_commit(committed)


class _Current(threading.local):
    offer: StepOffer | None = None


_current = _Current()


@contextmanager
def offered(offer: StepOffer | None) -> Iterator[None]:
    """While a parent wakes (``workflow_child_ended``), the child runs it creates may hand a step to ``offer``."""
    previous, _current.offer = _current.offer, offer
    try:
        yield
    finally:
        _current.offer = previous


def current_offer() -> StepOffer | None:
    return _current.offer
