"""Running one step attempt: claim it, execute it on its backend, record the outcome."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F

from ..backends import StepInvocation, StepOutcome, get_backend
from ..graph import TemplateError, render_value
from ..graph.templating import render_argv
from ..models import RunState, StepRun, StepState
from .definitions import version_definition
from .ledger import run_locked
from .transitions import run_finish_if_done, steps_queue, steps_skip

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 3600.0


@dataclass
class ClaimedStep:
    run_id: int
    backend: str
    invocation: StepInvocation | None
    # Set when the step cannot even start (a placeholder without a value).
    early_failure: StepOutcome | None = None


def step_run_execute(*, step_run_id: int) -> StepOutcome | None:
    """Run one queued step to an outcome; a step that is not ``queued`` (a duplicate message) is left alone."""
    claimed = step_run_claim(step_run_id=step_run_id)
    if claimed is None:
        return None
    if claimed.early_failure is not None:
        outcome = claimed.early_failure
    else:
        try:
            outcome = get_backend(claimed.backend).run(claimed.invocation)
        except Exception as exc:  # noqa: BLE001 - a broken backend fails the step, never the worker
            logger.exception("backend %s crashed running step run %s", claimed.backend, step_run_id)
            outcome = StepOutcome.failure(f"backend error: {type(exc).__name__}: {exc}")
    attempt = claimed.invocation.attempt if claimed.invocation else None
    step_run_record(step_run_id=step_run_id, run_id=claimed.run_id, outcome=outcome, attempt=attempt)
    return outcome


def step_run_claim(*, step_run_id: int) -> ClaimedStep | None:
    """Move a queued step to running exactly once; None when another delivery already claimed it."""
    run_id = StepRun.objects.filter(pk=step_run_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return None
    with run_locked(run_id) as ledger:
        claimed = StepRun.objects.filter(pk=step_run_id, state=StepState.QUEUED).update(
            state=StepState.RUNNING, started_at=ledger.now, finished_at=None, attempts=F("attempts") + 1
        )
        if not claimed:
            return None
        step_run = StepRun.objects.only("step_id", "attempts", "backend").get(pk=step_run_id)
        run = ledger.run
        if run.state == RunState.QUEUED:
            ledger.set_run_state(RunState.RUNNING, started_at=ledger.now)
        ledger.record("step.state", StepState.RUNNING, step_id=step_run.step_id,
                      data={"attempt": step_run.attempts})
        definition = version_definition(run.version_id)
        ancestors = definition.dag.ancestors(step_run.step_id)
        results = dict(StepRun.objects.filter(run_id=run_id, step_id__in=ancestors).values_list("step_id", "result"))
        parameters = run.parameters
    step = definition.steps[step_run.step_id]
    claim = ClaimedStep(run_id=run_id, backend=step_run.backend, invocation=None)
    try:
        claim.invocation = StepInvocation(
            run_id=run_id, step_id=step_run.step_id, attempt=step_run.attempts, kind=step["kind"],
            function=step.get("function"),
            kwargs=render_value(step.get("kwargs") or {}, parameters, results),
            argv=render_argv(step.get("argv") or [], parameters, results),
            env=step.get("env") or {}, cwd=step.get("cwd"), timeout_s=step.get("timeout_s"),
            inputs={p: results.get(p) for p in definition.dag.predecessors[step_run.step_id]},
            resources=step.get("resources") or {},
        )
    except TemplateError as exc:
        claim.early_failure = StepOutcome.failure(f"template: {exc}")
    return claim


def _result_problem(result) -> str | None:
    try:
        size = len(json.dumps(result).encode())
    except (TypeError, ValueError) as exc:
        return f"result is not JSON: {exc}"
    limit = settings.STUDIO_MAX_RESULT_BYTES
    return f"result is {size} bytes, over the {limit}-byte limit" if size > limit else None


def _event_result(result) -> dict:
    if len(json.dumps(result)) <= settings.STUDIO_EVENT_RESULT_BYTES:
        return {"result": result}
    return {"result_truncated": True}


def step_run_record(*, step_run_id: int, run_id: int, outcome: StepOutcome, attempt: int | None) -> None:
    """Store an attempt's outcome, then queue what became ready, retry, or skip what can no longer run.

    An outcome for an attempt that is no longer the running one (the step was
    cancelled or reclaimed meanwhile) is ignored, so a step never succeeds twice.
    """
    if outcome.ok:
        problem = _result_problem(outcome.result)
        if problem:
            outcome = StepOutcome.failure(problem, reason="result")
    with run_locked(run_id) as ledger:
        step_run = StepRun.objects.get(pk=step_run_id)
        if step_run.state != StepState.RUNNING or (attempt is not None and step_run.attempts != attempt):
            return
        definition = version_definition(ledger.run.version_id)
        dag = definition.dag
        step = definition.steps[step_run.step_id]
        step_run.finished_at = ledger.now
        if outcome.ok:
            step_run.state, step_run.result, step_run.error = StepState.SUCCEEDED, outcome.result, None
            step_run.save(update_fields=["state", "result", "error", "finished_at"])
            ledger.record("step.state", StepState.SUCCEEDED, step_id=step_run.step_id,
                          data={"attempt": step_run.attempts, **_event_result(outcome.result)})
            states = dict(StepRun.objects.filter(run_id=run_id).values_list("step_id", "state"))
            ready_ids = set(dag.ready(states)) & set(dag.successors[step_run.step_id])
            ready = list(StepRun.objects.filter(run_id=run_id, step_id__in=ready_ids))
            steps_queue(ledger, ready)
            StepRun.objects.bulk_update(ready, ["state", "queued_at"])
        elif step_run.attempts <= step.get("retries", 0) and outcome.reason != "cancelled":
            step_run.error = outcome.error
            ledger.record("step.state", StepState.FAILED, step_id=step_run.step_id,
                          data={"attempt": step_run.attempts, "error": outcome.error, "reason": outcome.reason,
                                "will_retry": True})
            delay = min(float(step.get("retry_delay_s") or 0) * 2 ** (step_run.attempts - 1), MAX_RETRY_DELAY_S)
            steps_queue(ledger, [step_run], countdown=delay or None)
            step_run.save(update_fields=["state", "queued_at", "error", "finished_at"])
        else:
            step_run.state, step_run.error = StepState.FAILED, outcome.error
            step_run.save(update_fields=["state", "error", "finished_at"])
            ledger.record("step.state", StepState.FAILED, step_id=step_run.step_id,
                          data={"attempt": step_run.attempts, "error": outcome.error, "reason": outcome.reason})
            doomed = list(StepRun.objects.filter(run_id=run_id, step_id__in=dag.descendants(step_run.step_id),
                                                 state=StepState.PENDING))
            steps_skip(ledger, doomed, because_of=step_run.step_id)
        run_finish_if_done(ledger)
