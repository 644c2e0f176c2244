"""A child run ended: its workflow step (or ensemble item) follows, in the parent's transaction; and the sweeps
that catch a child's end that no wake-up reported (overdue workflow steps, reconcile).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection

from ...models import (
    RUN_TERMINAL,
    Run,
    RunState,
    StepItem,
    StepRun,
    StepState,
)
from ..definitions import run_definition, version_definition
from .hand_off import StepOffer, offered
from .ledger import RunLedger, ledgers_open, run_locked, steps_flush
from .runs import run_finish_if_done
from .steps import retry_delay, steps_queue
from .workflows import children_cancel, ensemble_fill, ensemble_fill_due, results_for, workflow_steps_start

logger = logging.getLogger(__name__)


def _child_summary(child_id: int, state: str) -> tuple[str, dict, str | None]:
    """(state, result holding each succeeded child step's result by id, error naming the child's failed steps)."""
    rows = list(
        StepRun.objects.filter(run_id=child_id).order_by("order").values_list("step_id", "state", "result", "error")
    )
    result = {sid: res for sid, st, res, _ in rows if st == StepState.SUCCEEDED}
    failed = [
        f"step {sid}: {(err or st).splitlines()[0]}"
        for sid, st, _, err in rows
        if st in (StepState.FAILED, StepState.CANCELLED)
    ]
    error = (
        None
        if state == RunState.SUCCEEDED
        else f"child run {child_id} {state}" + (f" ({'; '.join(failed[:3])})" if failed else "")
    )
    return state, result, error


def parent_wake(ledger: RunLedger) -> None:
    """The ledger's run, a child run, has just ended: its parent's workflow step follows.

    On SQLite that happens now, in the transaction that ended the child: every
    transaction holds the database's one write lock from its BEGIN (IMMEDIATE),
    so taking the parent's lock after the child's waits on nobody, and a link of
    a chain of workflow steps costs one commit, not two.  Elsewhere (PostgreSQL
    locks rows, and a cancel locks parent before child) it waits for the commit
    and takes the parent's lock in a transaction of its own.  It also waits when
    this transaction already holds a ledger for the parent (its events not yet
    written: a second one would hand out the same seq), for an ensemble's item
    (an item's failure cancels its siblings' runs, which this very commit may be
    writing), or when waking now fails.
    """
    run = ledger.run
    if run.parent_item is None and _wake_now_allowed(run.parent_id):
        # The child's step rows are what the parent's step result is read from.
        steps_flush([ledger])
        link = (run.parent_id, run.parent_step_id, run.parent_item, run.state)
        try:
            with offered(ledger.offer):
                _workflow_child_ended(run.pk, link)
            return
        except Exception:  # the child's end must commit; its parent then wakes after it, as elsewhere
            logger.exception("waking parent run %s in child run %s's transaction failed", run.parent_id, run.pk)
    ledger.on_commit(partial(workflow_child_ended, child_run_id=run.pk, offer=ledger.offer))


def _wake_now_allowed(parent_id: int | None) -> bool:
    return connection.vendor == "sqlite" and parent_id not in ledgers_open()


def workflow_child_ended(*, child_run_id: int, offer: StepOffer | None = None) -> None:
    """A child run has ended: its workflow step (or its item) in the parent run ends the same way.

    Safe to call twice: a step or item no longer running on this child is left alone.
    ``offer`` is that of the worker thread whose step ended the child: a child
    run the parent starts now may hand its first step to it (``hand_off``).
    """
    with offered(offer):
        _workflow_child_ended(child_run_id)


def _workflow_child_ended(child_run_id: int, link: tuple | None = None) -> None:
    """``link``: the child's (parent id, step id, item index, state), when the caller has them current."""
    from ...backends import StepOutcome
    from ..steps import _checked_result
    from .run_steps import RunSteps, neighbourhood
    from .steps import step_cancelled, step_fail, step_succeed

    if link is None:
        link = (
            Run.objects.filter(pk=child_run_id)
            .values_list("parent_id", "parent_step_id", "parent_item", "state")
            .first()
        )
    if link is None or link[0] is None:
        return
    parent_id, step_id, index, child_state = link
    state, result, error = _child_summary(child_run_id, child_state)
    with run_locked(parent_id) as ledger:
        definition = run_definition(ledger.run)
        dag, step = definition.dag, definition.steps.get(step_id)
        steps = RunSteps.of(ledger)
        # The step and what its end decides on, in one read.
        steps.need(neighbourhood(dag, step_id) if step is not None else [step_id])
        if step_id not in steps:
            return
        step_run = steps[step_id]
        if step_run.state != StepState.RUNNING:
            return
        error_now, child_now = StepRun.objects.filter(pk=step_run.pk).values_list("error", "child_run_id").first() or (
            None,
            None,
        )
        timed_out = (error_now or "").startswith("timeout")
        if index is not None:
            if step is None:
                raise LookupError(f"ensemble step {step_id!r} of run {parent_id} is not in the run's definition")
            _ensemble_item_ended(
                ledger,
                steps,
                step_run,
                step,
                dag,
                index=index,
                child_run_id=child_run_id,
                state=state,
                result=result,
                error=error,
            )
            run_finish_if_done(ledger, steps)
            return
        if child_now != child_run_id:
            return
        if step_run.cancel_requested and state != RunState.SUCCEEDED:
            step_cancelled(ledger, step_run, error="cancelled by user", ended=ledger.now)
        elif state == RunState.SUCCEEDED:
            outcome, event_result = _checked_result(StepOutcome.success(result))
            if outcome.ok:
                step_succeed(ledger, steps, step_run, dag, result=result, event_result=event_result, ended=ledger.now)
            else:
                step_fail(ledger, steps, step_run, dag, error=outcome.error, reason="result", ended=ledger.now)
        else:
            if step is None:
                raise LookupError(f"workflow step {step_id!r} of run {parent_id} is not in the run's definition")
            reason = "timeout" if timed_out else "child"
            if timed_out:
                error = f"timeout: still running after {step.get('timeout_s'):g} s; {error}"
            if step_run.attempts <= step.get("retries", 0):
                _retry_fresh(ledger, steps, step_run, dag, step, error=error, reason=reason)
            else:
                step_fail(ledger, steps, step_run, dag, error=error, reason=reason, ended=ledger.now)
        run_finish_if_done(ledger, steps)


def _retry_fresh(
    ledger: RunLedger, steps, step_run: StepRun, dag, step: dict, *, error: str | None, reason: str
) -> None:
    """A failed attempt with retries left: a ``failed`` event that says so, then a new child run.

    With a ``retry_delay_s`` the step waits ``queued`` with a delayed message,
    as a function step does, and the worker that takes the message starts the
    child (``workflow_step_start_due``); a cancel meanwhile cancels it like any queued step.
    """
    ledger.record(
        "step.state",
        StepState.FAILED,
        step_id=step_run.step_id,
        at=ledger.now,
        data={"attempt": step_run.attempts, "error": error, "reason": reason, "will_retry": True},
    )
    delay = retry_delay(float(step.get("retry_delay_s") or 0), step_run.attempts)
    if delay:
        steps_queue(ledger, [step_run], countdown=delay, error=error, finished_at=ledger.now)
        return
    workflow_steps_start(ledger, steps, [step_run], dag, fresh=True)


def _ensemble_item_ended(
    ledger: RunLedger,
    steps,
    step_run: StepRun,
    step: dict,
    dag,
    *,
    index: int,
    child_run_id: int,
    state: str,
    result: dict,
    error: str | None,
) -> None:
    from .steps import step_cancelled, step_fail, step_succeed

    item = StepItem.objects.filter(
        step_run_id=step_run.pk, index=index, child_run_id=child_run_id, state=StepState.RUNNING
    ).first()
    if item is None:
        return
    if state == RunState.SUCCEEDED:
        _item_write(ledger, step_run, item, StepState.SUCCEEDED, result=result)
    elif state == RunState.CANCELLED and step_run.cancel_requested:
        _item_write(ledger, step_run, item, StepState.CANCELLED, error="cancelled by user")
    elif item.attempts <= step.get("retries", 0):
        data: dict = {"index": index, "attempt": item.attempts, "error": error, "will_retry": True}
        delay = retry_delay(float(step.get("retry_delay_s") or 0), item.attempts)
        due = ledger.now + timedelta(seconds=delay) if delay else None
        if due is not None:
            # The step's own message, delayed, wakes it to start this item's fresh child (``ensemble_fill_due``).
            data.update(delay_s=round(delay, 3), due_at=due.isoformat())
            ledger.send_after_commit([step_run], countdown=delay)
        ledger.record("step.item", StepState.FAILED, step_id=step_run.step_id, data=data)
        StepItem.objects.filter(pk=item.pk).update(state=StepState.PENDING, error=error, due_at=due)
    else:
        _item_write(ledger, step_run, item, StepState.FAILED, error=error)
    counts = dict.fromkeys(StepState.values, 0)
    for s in StepItem.objects.filter(step_run_id=step_run.pk).values_list("state", flat=True):
        counts[s] += 1
    if counts[StepState.FAILED]:
        # One failed item fails the step: the others still running are cancelled.
        children_cancel(ledger, [step_run])
        items_cancel_rest(ledger, step_run)
        step_fail(ledger, steps, step_run, dag, error=f"item {index} failed: {error}", reason="item", ended=ledger.now)
        return
    if step_run.cancel_requested:
        if counts[StepState.RUNNING] == 0:
            items_cancel_rest(ledger, step_run)
            step_cancelled(ledger, step_run, error="cancelled by user", ended=ledger.now)
        return
    if counts[StepState.PENDING]:
        results = results_for(ledger.run.pk, run_definition(ledger.run), step_run.step_id)
        ensemble_fill(ledger, step_run, step, results)
        return
    if counts[StepState.RUNNING] == 0:
        values = list(
            StepItem.objects.filter(step_run_id=step_run.pk).order_by("index").values_list("result", flat=True)
        )
        step_succeed(ledger, steps, step_run, dag, result=values, event_result={"items": len(values)}, ended=ledger.now)


def _item_write(
    ledger: RunLedger, step_run: StepRun, item: StepItem, state: str, *, result: Any = None, error: str | None = None
) -> None:
    StepItem.objects.filter(pk=item.pk).update(
        state=state, result=result, error=error, finished_at=ledger.now, due_at=None
    )
    data: dict = {"index": item.index, "attempt": item.attempts}
    if error:
        data["error"] = error
    ledger.record("step.item", state, step_id=step_run.step_id, data=data)


def items_cancel_rest(ledger: RunLedger, step_run: StepRun) -> None:
    for item in StepItem.objects.filter(step_run_id=step_run.pk, state__in=(StepState.PENDING, StepState.RUNNING)):
        _item_write(
            ledger,
            step_run,
            item,
            StepState.CANCELLED,
            error="cancelled: another item failed" if not step_run.cancel_requested else "cancelled by user",
        )


def workflow_steps_overdue(now: datetime) -> list[int]:
    """Running workflow steps past their ``timeout_s``: their children are cancelled, the step fails ``timeout``."""
    found = []
    candidates = (
        StepRun.objects.filter(state=StepState.RUNNING, worker="", started_at__isnull=False)
        .exclude(error__startswith="timeout")
        .values_list("pk", "run_id", "step_id", "started_at", "run__version_id")
    )
    for pk, run_id, step_id, started_at, version_id in candidates:
        step = version_definition(version_id).steps.get(step_id) or {}
        timeout = step.get("timeout_s")
        # ``started_at`` is never None here (the filter above); the check narrows its type.
        if (
            step.get("kind") == "workflow"
            and timeout
            and started_at is not None
            and started_at + timedelta(seconds=timeout) <= now
        ):
            found.append((pk, run_id))
    ended = []
    for pk, run_id in found:
        with run_locked(run_id) as ledger:
            step_run = StepRun.objects.filter(pk=pk, state=StepState.RUNNING).first()
            if step_run is None:
                continue
            ledger.step_write(step_run, error="timeout")
            children_cancel(ledger, [step_run])
            _ensemble_idle_time_out(ledger, step_run)
            ended.append(pk)
    return ended


def _ensemble_idle_time_out(ledger: RunLedger, step_run: StepRun) -> None:
    """An ensemble past its ``timeout_s`` while no child runs (its items wait a retry delay) fails now.

    No child's end will come to end it, as it does while children run.
    """
    from .run_steps import RunSteps
    from .steps import step_fail

    items = StepItem.objects.filter(step_run_id=step_run.pk)
    if items.filter(state=StepState.RUNNING).exists() or not items.filter(state=StepState.PENDING).exists():
        return
    definition = run_definition(ledger.run)
    steps, ensemble_step_run = RunSteps.of_step(ledger, step_run.pk, step_id=step_run.step_id, dag=definition.dag)
    if ensemble_step_run is None:
        return
    timeout = definition.steps[ensemble_step_run.step_id].get("timeout_s")
    items_cancel_rest(ledger, ensemble_step_run)
    step_fail(
        ledger,
        steps,
        ensemble_step_run,
        definition.dag,
        error=f"timeout: still running after {timeout:g} s, its items waiting their retry delay",
        reason="timeout",
        ended=ledger.now,
    )
    run_finish_if_done(ledger, steps)


def workflow_steps_reconcile() -> int:
    """Wake the parents of child runs that ended while nobody woke them (a worker died right after the commit).

    ``workflow_child_ended`` ignores a step or item that already moved on, so
    a parent woken twice is harmless.
    """
    ended = list(
        StepRun.objects.filter(state=StepState.RUNNING, worker="", child_run__state__in=RUN_TERMINAL).values_list(
            "child_run_id", flat=True
        )
    )
    ended += list(
        StepItem.objects.filter(
            state=StepState.RUNNING, step_run__state=StepState.RUNNING, child_run__state__in=RUN_TERMINAL
        ).values_list("child_run_id", flat=True)
    )
    for child_run_id in ended:
        workflow_child_ended(child_run_id=child_run_id)
    return len(ended) + _ensembles_wake_due()


def _ensembles_wake_due() -> int:
    """Ensembles whose items waited out their retry delay and whose delayed message was lost: their children start."""
    from django.utils import timezone

    from .run_steps import RunSteps

    due = set(
        StepItem.objects.filter(
            state=StepState.PENDING, due_at__lte=timezone.now(), step_run__state=StepState.RUNNING
        ).values_list("step_run_id", "step_run__run_id")
    )
    for step_run_id, run_id in due:
        with run_locked(run_id) as ledger:
            steps, step_run = RunSteps.of_step(ledger, step_run_id)
            if step_run is not None and step_run.state == StepState.RUNNING:
                ensemble_fill_due(ledger, steps, step_run, run_definition(ledger.run).dag)
                run_finish_if_done(ledger, steps)
    return len(due)
