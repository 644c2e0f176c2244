"""Cancel and resume runs, one at a time or many at once."""

from __future__ import annotations

from collections.abc import Iterable

from ..models import RUN_TERMINAL, Run, Source, StepState
from .audit import Action, audit_run_record
from .definitions import run_definition
from .errors import ActionForbidden, ServiceError
from .runs import run_operate_check
from .transitions import (
    RunSteps,
    run_finish_if_done,
    run_locked,
    run_requeue,
    steps_cancel,
    steps_queue_ready,
    steps_reset,
)


class RunConflict(ServiceError):
    status = 409


def _studio_run_check(run: Run, verb: str) -> None:
    # An attached script's run is only recorded here: no worker serves its steps' ``external`` queue.
    if run.source == Source.EXTERNAL:
        raise RunConflict(
            {
                "detail": f"run {run.pk} is reported by an attached AsyncFlow script, which the studio "
                f"does not run: {verb} it in the script"
            }
        )


def run_cancel(*, run_id: int, user=None) -> Run:
    """Cancel a run: waiting steps at once, running ones as soon as they stop.

    Running steps get ``cancel_requested``; their worker's watchdog tells them
    to stop (executables are killed, functions see their cancelled event) and
    they are recorded ``cancelled`` when they return.
    """
    with run_locked(run_id) as ledger:
        run = ledger.run
        if user is not None:
            run_operate_check(run=run, user=user, verb="cancel")
        _studio_run_check(run, "cancel")
        if run.state in RUN_TERMINAL:
            raise RunConflict({"detail": f"run {run_id} has already ended ({run.state})"})
        steps = RunSteps.all(ledger)
        waiting = steps_cancel(ledger, steps)
        run_finish_if_done(ledger, steps)
        if user is not None:
            audit_run_record(
                actor=user,
                action=Action.RUN_CANCEL,
                run=run,
                details={"cancelled_steps": [sr.step_id for sr in waiting]},
            )
        return run


def run_retry(*, run_id: int, step_ids: Iterable[str] | None = None, user=None) -> Run:
    """Resume a finished run: failed, skipped and cancelled steps run again; succeeded ones keep their results.

    With ``step_ids``, those steps and everything downstream of them run again
    even if they had succeeded.  Attempt numbers keep counting and events
    continue the run's seq.
    """
    with run_locked(run_id) as ledger:
        run = ledger.run
        if user is not None:
            run_operate_check(run=run, user=user, verb="retry")
        _studio_run_check(run, "retry")
        if run.state not in RUN_TERMINAL:
            raise RunConflict({"detail": f"run {run_id} is still {run.state}; cancel it or wait for it to end"})
        definition = run_definition(run)
        steps = RunSteps.all(ledger)
        if step_ids is not None:
            step_ids = list(step_ids)
            unknown = [s for s in step_ids if s not in steps]
            if unknown:
                raise ServiceError({"steps": [f"unknown step(s) {', '.join(map(repr, unknown))} in this run"]})
            reset = set(step_ids)
            for step_id in step_ids:
                reset |= definition.dag.descendants(step_id)
        else:
            reset = {
                sid
                for sid, sr in steps.items()
                if sr.state in (StepState.FAILED, StepState.SKIPPED, StepState.CANCELLED)
            }
        if not reset:
            raise RunConflict({"detail": f"run {run_id} has nothing to retry: every step succeeded"})
        steps_reset(ledger, steps, reset, definition.dag)
        run_requeue(ledger)
        steps_queue_ready(ledger, steps, definition.dag)
        if user is not None:
            audit_run_record(actor=user, action=Action.RUN_RETRY, run=run, details={"steps": sorted(reset)})
        return run


def _runs_for(*, ids: Iterable[int] | None, batch: int | None, visible) -> list[int]:
    if batch is not None:
        return list(visible.filter(batch_id=batch).order_by("pk").values_list("pk", flat=True))
    wanted = list(dict.fromkeys(ids or []))
    found = set(visible.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ServiceError({"ids": [f"no run(s) {', '.join(map(str, missing))}"]})
    return wanted


def runs_apply(*, verb: str, ids: Iterable[int] | None, batch: int | None, visible, user=None) -> dict:
    """Cancel or retry many runs; each run is its own transaction, and runs that cannot take the verb are listed.

    ``visible`` is the runs the user may see: others are reported exactly like runs that do not exist.
    """
    run_ids = _runs_for(ids=ids, batch=batch, visible=visible)
    if not run_ids:
        raise ServiceError({"batch" if batch is not None else "ids": ["names no run"]})
    action = run_cancel if verb == "cancel" else run_retry
    done, skipped = [], {}
    for run_id in run_ids:
        try:
            action(run_id=run_id, user=user)
            done.append(run_id)
        except (RunConflict, ActionForbidden) as exc:
            skipped[str(run_id)] = exc.detail["detail"]
    return {{"cancel": "cancelled", "retry": "retried"}[verb]: done, "skipped": skipped}
