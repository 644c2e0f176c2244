"""Running one step attempt: claim it, execute it on its backend, record the outcome."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils import timezone

from ..backends import StepInvocation, StepOutcome, get_backend
from ..graph import TemplateError, render_value
from ..graph.kwargs import kwargs_errors
from ..graph.templating import render_argv
from ..models import Run, StepRun, StepState
from .backend_states import backend_state_reporter
from .definitions import TEST_INPUTS_KEY, run_definition, version_definition
from .fan_out import items_plan, items_run
from .logs import step_log_close, step_log_open
from .recovery import steps_in_this_process
from .transitions import (
    RunSteps,
    in_run_transaction,
    neighbourhood,
    retry_delay,
    run_finish_if_done,
    step_cancelled,
    step_claim,
    step_fail,
    step_retry,
    step_succeed,
    workflow_step_start_due,
)
from .transitions.hand_off import StepOffer
from .transitions.workflows import ChildRefused, for_each_items, is_workflow

logger = logging.getLogger(__name__)


# The worker's ``--concurrency`` (set when its Celery worker starts): steps run on runner threads of
# their own (``step_batches``) and a message may carry many, so Celery's threads no longer bound them.
_process_concurrency: int | None = None


def process_concurrency_set(concurrency: int | None) -> None:
    global _process_concurrency
    _process_concurrency = concurrency if isinstance(concurrency, int) and concurrency > 0 else None
    backend_slot_count.cache_clear()
    _backend_slots.cache_clear()


@cache
def backend_slot_count(backend: str) -> int:
    """How many steps of one backend this process runs at once: its ``STUDIO_BACKEND_CONCURRENCY``, at most
    the worker's ``--concurrency``."""
    limit = settings.STUDIO_BACKEND_CONCURRENCY.get(backend, 64)
    return min(limit, _process_concurrency) if _process_concurrency else limit


@cache
def _backend_slots(backend: str) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(backend_slot_count(backend))


@dataclass
class ClaimedStep:
    step_run_id: int
    run_id: int
    attempt: int
    step_id: str
    version_id: int
    backend: str
    invocation: StepInvocation | None
    # Set when the step cannot even start (a placeholder without a value).
    early_failure: StepOutcome | None = None
    # A for_each step: what ``fan_out.items_run`` needs (the step, the run's limit, the items' work).
    items: dict | None = None


def step_run_execute(
    *, step_run_id: int, expected: tuple[int, str, int] | None = None, backend: str = "thread"
) -> StepOutcome | None:
    """Run one queued step to an outcome; a step that is not ``queued`` (a duplicate message) is left alone.

    ``expected`` is (run id, step id, attempt) as the dispatcher queued it; without it they are read first.
    ``backend`` is the queue the message came from: the step waits for one of
    that backend's slots in this process while still ``queued``.

    When the outcome makes successors ready, the transaction that records it
    also starts the first one on the same backend (``step_run_record``'s
    ``run_next_on``), and this thread runs it next with the slot it holds:
    no Celery message, no second transaction and no broker round trip per
    link of a chain.  Other ready successors are sent to Celery as always.
    If this process dies meanwhile, the step it started is reclaimed by the
    watchdogs like any step whose worker stopped heartbeating.
    """
    first_outcome = None
    with _backend_slots(backend):
        claimed = step_run_claim(step_run_id=step_run_id, expected=expected)
        while claimed is not None:
            outcome = claimed.early_failure or _run_on_backend(claimed)
            first_outcome = first_outcome or outcome
            offer = StepOffer(backend)
            claimed = step_run_record(
                step_run_id=claimed.step_run_id,
                run_id=claimed.run_id,
                outcome=outcome,
                attempt=claimed.attempt,
                run_next_on=backend,
                step_id=claimed.step_id,
                version_id=claimed.version_id,
                offer=offer,
            )
            if offer.taken is not None:
                # The outcome ended a child run, and the parent's next child started its first step for us.
                if claimed is not None:  # cannot happen (a run that ended started nothing here); reclaim covers it
                    logger.error("step run %s was handed to a thread that has another step", offer.taken[0].pk)
                else:
                    handed, run = offer.taken
                    claimed = _claimed_step(
                        step_run_id=handed.pk, run=run, step_id=handed.step_id, attempt=handed.attempts
                    )
    return first_outcome


def _run_on_backend(claimed: ClaimedStep) -> StepOutcome:
    """Run the attempt with its log streaming and its cancel event watched by this worker's watchdog."""
    inv, step_run_id = claimed.invocation, claimed.step_run_id
    if inv is None:  # only a claim with an ``early_failure`` lacks one, and that claim never runs
        raise ValueError(f"step run {step_run_id} was claimed without an invocation")
    log = step_log_open(step_run_id=step_run_id, run_id=claimed.run_id, step_id=inv.step_id, attempt=inv.attempt)
    inv.log = log
    steps_in_this_process.add(step_run_id, inv.cancelled)
    try:
        if claimed.items is not None:
            outcome = items_run(invocation=inv, step_run_id=step_run_id, backend=claimed.backend, **claimed.items)
        else:
            outcome = get_backend(claimed.backend).run(inv)
    except Exception as exc:  # a broken backend fails the step, never the worker
        logger.exception("backend %s crashed running step run %s", claimed.backend, step_run_id)
        outcome = StepOutcome.failure(f"backend error: {type(exc).__name__}: {exc}")
    finally:
        steps_in_this_process.remove(step_run_id)
        try:
            step_log_close(log)
        except Exception:  # losing log lines must not lose the outcome
            logger.exception("could not store the last log lines of step run %s", step_run_id)
    outcome.ended_at = timezone.now()
    return outcome


def step_run_claim(*, step_run_id: int, expected: tuple[int, str, int] | None = None) -> ClaimedStep | None:
    """Move a queued step to running exactly once; None when another delivery already claimed it.

    Everything that can be known before the run lock is known before it: under
    SQLite the lock is the database's single write lock, so time spent holding
    it is time every other step waits.
    """
    if expected is None:
        row = (
            StepRun.objects.filter(pk=step_run_id, state=StepState.QUEUED)
            .values_list("run_id", "step_id", "attempts")
            .first()
        )
        if row is None:
            return None
        expected = (row[0], row[1], row[2] + 1)
    run_id, step_id, attempt = expected

    def claim(ledger):
        definition = run_definition(ledger.run)
        if is_workflow(definition, step_id):
            # A workflow step waited out its retry delay: it starts its child here, and no thread runs it.
            steps, step_run = RunSteps.of_step(ledger, step_run_id)
            if step_run is not None and workflow_step_start_due(
                ledger, steps, step_run, definition.dag, attempt=attempt
            ):
                run_finish_if_done(ledger, steps)
            return None
        return ledger.run if step_claim(ledger, step_run_id=step_run_id, step_id=step_id, attempt=attempt) else None

    # The step's row is read with the group's other steps, and the claim compares it there.
    run = in_run_transaction(run_id, claim, prefetch=[step_id])
    if run is None:
        return None
    return _claimed_step(step_run_id=step_run_id, run=run, step_id=step_id, attempt=attempt)


def _rendered_kwargs_errors(step: dict, kwargs: dict) -> list[str]:
    """A placeholder's value checked against the function's schema, as a save checks a literal one."""
    from ..step_functions import function_registry

    function = function_registry().get(step["function"])
    if function is None:
        return []
    return kwargs_errors(step["id"], step["function"], kwargs, function.schema, rendered=True)


def _step_inputs(run, definition, step_id: str, results: dict) -> dict:
    """The upstream results a function's ``inputs`` argument receives; a test run's are the samples it was given."""
    if run.test_graph is not None:
        return dict(run.test_graph.get(TEST_INPUTS_KEY) or {})
    return {p: results.get(p) for p in definition.dag.predecessors[step_id]}


def _claimed_step(*, step_run_id: int, run, step_id: str, attempt: int) -> ClaimedStep:
    """The invocation of a step this thread has just moved to running, its templates rendered."""
    definition = run_definition(run)
    step = definition.steps[step_id]
    results: dict = {}
    if step_id in definition.reads_results:
        # Upstream steps have succeeded and stay put while this one runs.
        ancestors = definition.dag.ancestors(step_id)
        results = dict(StepRun.objects.filter(run_id=run.pk, step_id__in=ancestors).values_list("step_id", "result"))
    claim = ClaimedStep(
        step_run_id=step_run_id,
        run_id=run.pk,
        attempt=attempt,
        step_id=step_id,
        version_id=run.version_id,
        backend=step.get("backend", "thread"),
        invocation=None,
    )

    def invocation(bindings: dict | None) -> StepInvocation:
        return StepInvocation(
            run_id=run.pk,
            step_id=step_id,
            attempt=attempt,
            kind=step["kind"],
            function=step.get("function"),
            kwargs=render_value(step.get("kwargs") or {}, run.parameters, results, bindings),
            argv=render_argv(step.get("argv") or [], run.parameters, results, bindings),
            env=render_value(step.get("env") or {}, run.parameters, results, bindings),
            cwd=step.get("cwd"),
            timeout_s=step.get("timeout_s"),
            inputs=_step_inputs(run, definition, step_id, results),
            resources=step.get("resources") or {},
            report=backend_state_reporter(step_run_id=step_run_id, run_id=run.pk, attempt=attempt),
        )

    if step.get("for_each") is not None:
        claim.invocation = StepInvocation(run_id=run.pk, step_id=step_id, attempt=attempt, kind=step["kind"])
        try:
            items = for_each_items(step, run.parameters, results)
        except ChildRefused as exc:
            claim.early_failure = StepOutcome.failure(str(exc), reason="for_each")
            return claim
        work, done = items_plan(
            step_run_id=step_run_id, items=items, render=lambda index, item: invocation({"item": item, "index": index})
        )
        claim.items = {
            "step": step,
            "run_max_parallel": run.max_parallel,
            "work": work,
            "done": done,
            "total": len(items),
        }
        return claim
    try:
        claim.invocation = invocation(None)
    except TemplateError as exc:
        claim.early_failure = StepOutcome.failure(f"template: {exc}")
        return claim
    if step_id in definition.templated_kwargs:
        # A placeholder's value is only known now: check it against the function's schema as a save would.
        faults = _rendered_kwargs_errors(step, claim.invocation.kwargs)
        if faults:
            claim.early_failure = StepOutcome.failure("; ".join(faults))
    return claim


def _checked_result(outcome: StepOutcome) -> tuple[StepOutcome, dict]:
    """The outcome (a failure when the result is not JSON or too big) and the result part of its event.

    The result is encoded once: it decides both the size limit and whether the
    event carries the result itself or only says it was left out.
    """
    if not outcome.ok:
        return outcome, {}
    try:
        size = len(json.dumps(outcome.result).encode())
    except (TypeError, ValueError) as exc:
        return StepOutcome.failure(f"result is not JSON: {exc}", reason="result"), {}
    limit = settings.STUDIO_MAX_RESULT_BYTES
    if size > limit:
        return StepOutcome.failure(f"result is {size} bytes, over the {limit}-byte limit", reason="result"), {}
    if size <= settings.STUDIO_EVENT_RESULT_BYTES:
        return outcome, {"result": outcome.result}
    return outcome, {"result_truncated": True}


def step_run_record(
    *,
    step_run_id: int,
    run_id: int,
    outcome: StepOutcome,
    attempt: int,
    run_next_on: str | None = None,
    step_id: str | None = None,
    version_id: int | None = None,
    offer: StepOffer | None = None,
) -> ClaimedStep | None:
    """Store an attempt's outcome, then queue what became ready, retry, or skip what can no longer run.

    With ``run_next_on`` (a backend whose slot the caller holds), the first
    successor on that backend that became ready is started for the caller in
    the same transaction and returned claimed, for the caller to run next;
    the others are dispatched to Celery after commit.  ``step_id`` (when the
    caller knows it, with the run's ``version_id``) lets the group commit read the step and what it
    decides on for all its runs in one statement.  ``offer`` (the caller's,
    for this backend): when the outcome ends a child run, the parent's next
    child may start its first step for the caller (``transitions.hand_off``).

    An outcome for an attempt that is no longer the running one (the step was
    cancelled or reclaimed meanwhile) is ignored, so a step never succeeds twice.
    """
    ended_at = outcome.ended_at
    outcome, event_result = _checked_result(outcome)
    outcome.ended_at = ended_at

    def record(ledger) -> tuple[StepRun, Run] | None:
        ledger.offer = offer
        try:
            return _record(ledger)
        finally:
            ledger.offer = None

    def _record(ledger) -> tuple[StepRun, Run] | None:
        started_next = None
        definition = run_definition(ledger.run)
        steps, step_run = RunSteps.of_step(ledger, step_run_id, step_id=step_id, dag=definition.dag)
        if step_run is None or step_run.state != StepState.RUNNING or step_run.attempts != attempt:
            return None
        dag, step = definition.dag, definition.steps[step_run.step_id]
        ended = min(outcome.ended_at or ledger.now, ledger.now)
        if step_run.cancel_requested or outcome.reason == "cancelled":
            # Told to stop: whatever it returned, the user asked for it not to count.
            error = outcome.error if not outcome.ok and outcome.reason == "cancelled" else "cancelled by user"
            step_cancelled(ledger, step_run, error=error, ended=ended)
        elif outcome.ok:
            started_next = step_succeed(
                ledger,
                steps,
                step_run,
                dag,
                result=outcome.result,
                event_result=event_result,
                ended=ended,
                run_next_on=run_next_on,
            )
        elif step_run.attempts <= step.get("retries", 0) and outcome.reason != "item":
            # (A for_each step's items had their own retries.)
            step_retry(
                ledger,
                step_run,
                error=outcome.error,
                reason=outcome.reason,
                ended=ended,
                delay=retry_delay(float(step.get("retry_delay_s") or 0), step_run.attempts),
            )
        else:
            started_next = step_fail(
                ledger,
                steps,
                step_run,
                dag,
                error=outcome.error,
                reason=outcome.reason,
                ended=ended,
                run_next_on=run_next_on,
            )
        run_finish_if_done(ledger, steps)
        return (started_next, ledger.run) if started_next is not None else None

    prefetch, whole_run = None, False
    if step_id is not None and version_id is not None:
        dag = version_definition(version_id).dag
        if step_id in dag.successors:
            # A small run is read whole in the group's one statement; a large one only around this step.
            whole_run = len(dag.step_ids) <= settings.STUDIO_WHOLE_RUN_STEPS
            prefetch = list(dag.step_ids) if whole_run else neighbourhood(dag, step_id)
    try:
        started = in_run_transaction(run_id, record, prefetch=prefetch, whole_run=whole_run)
    except Run.DoesNotExist:
        # Its campaign was deleted while the step ran (a delete refuses active runs, but a launch can race it):
        # there is nothing left to record the outcome on.
        logger.info("run %s is gone; the outcome of step run %s is dropped", run_id, step_run_id)
        return None
    if started is None:
        return None
    started_next, run = started
    return _claimed_step(
        step_run_id=started_next.pk, run=run, step_id=started_next.step_id, attempt=started_next.attempts
    )
