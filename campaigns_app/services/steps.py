"""Running one step attempt: claim it, execute it on its backend, record the outcome."""

from __future__ import annotations

import json
import logging

from django.conf import settings

from ..backends import StepInvocation, StepOutcome, get_backend
from ..graph import Dag, TemplateError, render_value
from ..graph.templating import render_argv
from ..models import RunState, StepRun, StepState
from .ledger import run_locked
from .transitions import run_finish_if_done, steps_queue, steps_skip

logger = logging.getLogger(__name__)

MAX_RETRY_DELAY_S = 3600.0


def step_run_execute(*, step_run_id: int) -> StepOutcome | None:
    """Run one queued step to an outcome; a step that is not ``queued`` (a duplicate message) is left alone."""
    invocation = step_run_claim(step_run_id=step_run_id)
    if invocation is None:
        return None
    if isinstance(invocation, StepOutcome):
        outcome = invocation  # templating failed before anything ran
        attempt = None
    else:
        attempt = invocation.attempt
        try:
            outcome = get_backend(_backend_of(step_run_id)).run(invocation)
        except Exception as exc:  # noqa: BLE001 - a broken backend fails the step, never the worker
            logger.exception("backend crashed running step run %s", step_run_id)
            outcome = StepOutcome.failure(f"backend error: {type(exc).__name__}: {exc}")
    step_run_record(step_run_id=step_run_id, outcome=outcome, attempt=attempt)
    return outcome


def _backend_of(step_run_id: int) -> str:
    return StepRun.objects.values_list("backend", flat=True).get(pk=step_run_id)


def step_run_claim(*, step_run_id: int) -> StepInvocation | StepOutcome | None:
    """Move a queued step to running exactly once; returns what to run, or None when already claimed."""
    run_id = StepRun.objects.filter(pk=step_run_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return None
    with run_locked(run_id) as ledger:
        claimed = StepRun.objects.filter(pk=step_run_id, state=StepState.QUEUED).update(
            state=StepState.RUNNING, started_at=ledger.now, finished_at=None
        )
        if not claimed:
            return None
        step_run = StepRun.objects.get(pk=step_run_id)
        step_run.attempts += 1
        step_run.save(update_fields=["attempts"])
        run = ledger.run
        if run.state == RunState.QUEUED:
            ledger.set_run_state(RunState.RUNNING, started_at=ledger.now)
        ledger.record("step.state", StepState.RUNNING, step_id=step_run.step_id,
                      data={"attempt": step_run.attempts})
        graph = run.version.graph
        step = next(s for s in graph["steps"] if s["id"] == step_run.step_id)
        upstream = Dag.from_graph(graph).predecessors[step_run.step_id]
        ancestors = Dag.from_graph(graph).ancestors(step_run.step_id)
        results = dict(StepRun.objects.filter(run=run, step_id__in=ancestors).values_list("step_id", "result"))
        parameters = run.parameters
    try:
        return StepInvocation(
            run_id=run_id, step_id=step_run.step_id, attempt=step_run.attempts, kind=step["kind"],
            function=step.get("function"),
            kwargs=render_value(step.get("kwargs") or {}, parameters, results),
            argv=render_argv(step.get("argv") or [], parameters, results),
            env=step.get("env") or {}, cwd=step.get("cwd"), timeout_s=step.get("timeout_s"),
            inputs={p: results.get(p) for p in upstream}, resources=step.get("resources") or {},
        )
    except TemplateError as exc:
        return StepOutcome.failure(f"template: {exc}")


def _result_problem(result) -> str | None:
    try:
        encoded = json.dumps(result)
    except (TypeError, ValueError) as exc:
        return f"result is not JSON: {exc}"
    limit = settings.STUDIO_MAX_RESULT_BYTES
    if len(encoded.encode()) > limit:
        return f"result is {len(encoded.encode())} bytes, over the {limit}-byte limit"
    return None


def _event_result(result):
    encoded = json.dumps(result)
    if len(encoded) <= settings.STUDIO_EVENT_RESULT_BYTES:
        return {"result": result}
    return {"result_truncated": True}


def step_run_record(*, step_run_id: int, outcome: StepOutcome, attempt: int | None) -> None:
    """Store an attempt's outcome, then queue what became ready, retry, or skip what can no longer run.

    An outcome for an attempt that is no longer the running one (the step was
    cancelled or reclaimed meanwhile) is ignored, so a step never succeeds twice.
    """
    run_id = StepRun.objects.filter(pk=step_run_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return
    with run_locked(run_id) as ledger:
        step_run = StepRun.objects.get(pk=step_run_id)
        if step_run.state != StepState.RUNNING or (attempt is not None and step_run.attempts != attempt):
            return
        graph = ledger.run.version.graph
        dag = Dag.from_graph(graph)
        step = next(s for s in graph["steps"] if s["id"] == step_run.step_id)
        if outcome.ok:
            problem = _result_problem(outcome.result)
            if problem:
                outcome = StepOutcome.failure(problem, reason="result")
        step_run.finished_at = ledger.now
        if outcome.ok:
            step_run.state, step_run.result, step_run.error = StepState.SUCCEEDED, outcome.result, None
            step_run.save(update_fields=["state", "result", "error", "finished_at"])
            ledger.record("step.state", StepState.SUCCEEDED, step_id=step_run.step_id,
                          data={"attempt": step_run.attempts, **_event_result(outcome.result)})
            states = dict(StepRun.objects.filter(run=ledger.run).values_list("step_id", "state"))
            candidates = [s for s in dag.successors[step_run.step_id] if s in dag.ready(states)]
            ready = list(StepRun.objects.filter(run=ledger.run, step_id__in=candidates))
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
            waiting = dag.descendants(step_run.step_id)
            doomed = list(StepRun.objects.filter(run=ledger.run, step_id__in=waiting, state=StepState.PENDING))
            steps_skip(ledger, doomed, because_of=step_run.step_id)
        run_finish_if_done(ledger)
