"""A backend's own states of a running step (waiting in a pilot, executing on a Dask worker) as events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from ..backends.registry import backend_phase
from ..models import StepRun, StepState
from .ledger import run_locked

BACKEND_EVENT = "step.backend"


def step_run_backend_state(
    *, step_run_id: int, run_id: int, attempt: int, backend_state: str, detail: dict | None = None
) -> bool:
    """Record a ``step.backend`` event for the running attempt; False (nothing recorded) once it has ended.

    The event's time is when the backend saw the state (``detail["at"]``, epoch
    seconds), so the timeline can tell waiting inside the pilot or cluster from
    running, however late the report arrives.
    """
    detail = dict(detail or {})
    at = detail.pop("at", None)
    with run_locked(run_id) as ledger:
        running = (
            StepRun.objects.filter(pk=step_run_id, state=StepState.RUNNING, attempts=attempt)
            .values_list("step_id", "backend")
            .first()
        )
        if running is None:
            return False
        step_id, backend = running
        when = datetime.fromtimestamp(at, tz=UTC) if isinstance(at, (int, float)) else ledger.now
        data = {
            **{k: v for k, v in detail.items() if v is not None},
            "backend_state": backend_state,
            "attempt": attempt,
            "backend": backend,
            "phase": backend_phase(backend, backend_state),
        }
        ledger.record(BACKEND_EVENT, StepState.RUNNING, step_id=step_id, at=min(when, ledger.now), data=data)
    return True


def backend_state_reporter(*, step_run_id: int, run_id: int, attempt: int) -> Callable[[str, dict | None], None]:
    """The ``invocation.report`` callback for one attempt."""

    def report(backend_state: str, detail: dict | None = None) -> None:
        step_run_backend_state(
            step_run_id=step_run_id, run_id=run_id, attempt=attempt, backend_state=backend_state, detail=detail
        )

    return report
