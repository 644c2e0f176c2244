"""``for_each`` on a function or executable step: the worker that claimed the step runs its items.

Items run side by side on the step's backend, up to the step's
``max_parallel`` and the run's; each has its own attempts (the step's
``retries``, each after the step's ``retry_delay_s`` backoff, during which
the item holds no thread), times, result and log (``step.log`` events carry
the item's index).  The first item that fails for good stops the others; the step's
result is the list of item results in item order.  A retry of the step runs
again only the items that did not succeed, as long as ``for_each`` gives the
same items.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.utils import timezone

from ..backends import StepInvocation, StepOutcome, get_backend
from ..models import StepItem, StepState
from .logs import step_log_close, step_log_open
from .transitions import retry_delay, run_locked
from .transitions.workflows import step_items_prepare

logger = logging.getLogger(__name__)

# Threads one for_each step may use at once when nothing else limits it.
MAX_ITEM_THREADS = 64
# How often a step with items waiting a retry delay looks whether it was cancelled, while others run.
ITEM_POLL_S = 0.5


@dataclass
class ItemWork:
    item_id: int
    index: int
    invocation: StepInvocation | None
    error: str | None = None
    # The item's attempts before this run of the step, and its next one (set by its first attempt here).
    attempts_before: int | None = None
    next_attempt: int = 0


def items_plan(
    *, step_run_id: int, items: list, render: Callable[[int, object], StepInvocation]
) -> tuple[list[ItemWork], dict[int, object]]:
    """The items still to run (their invocations rendered with item and index) and the results already had."""
    from ..graph import TemplateError

    step_items_prepare(step_run_id, items, keep_successes=True)
    rows = list(
        StepItem.objects.filter(step_run_id=step_run_id).order_by("index").values_list("pk", "index", "state", "result")
    )
    done = {index: result for _, index, state, result in rows if state == StepState.SUCCEEDED}
    work = []
    for pk, index, state, _ in rows:
        if state == StepState.SUCCEEDED:
            continue
        try:
            work.append(ItemWork(pk, index, render(index, items[index])))
        except TemplateError as exc:
            work.append(ItemWork(pk, index, None, error=f"template: {exc}"))
    return work, done


def _item_event(*, run_id: int, step_id: str, item_id: int, state: str, data: dict, **columns) -> None:
    with run_locked(run_id) as ledger:
        StepItem.objects.filter(pk=item_id).update(state=state, **columns)
        ledger.record("step.item", state, step_id=step_id, data=data)


def items_run(
    *,
    step: dict,
    run_max_parallel: int | None,
    invocation: StepInvocation,
    step_run_id: int,
    backend: str,
    work: list[ItemWork],
    done: dict[int, object],
    total: int,
) -> StepOutcome:
    """Run the items to one outcome for the step; ``invocation.cancelled`` (the step's cancel) stops them all.

    A failed item with retries left waits its ``retry_delay_s`` (the backoff of
    a function step, ``retry_delay``) with ``due_at`` on its row; meanwhile its
    thread runs other items, and a cancel of the step cancels it at once.
    """
    limits = [n for n in (step.get("max_parallel"), run_max_parallel) if n]
    threads = max(1, min([*limits, len(work), MAX_ITEM_THREADS]))
    stop = invocation.cancelled
    failures: dict[int, str | None] = {}  # item index: its error
    results = dict(done)
    lock = threading.Lock()
    retries = int(step.get("retries") or 0)
    delay_base = float(step.get("retry_delay_s") or 0)

    def one(item: ItemWork) -> datetime | None:
        try:
            return _run_item(item)
        finally:
            close_old_connections()

    def _run_item(item: ItemWork) -> datetime | None:
        """Attempts of one item until it ends; or the time it is due again, when it must wait a retry delay."""

        def record(state: str, data: dict, **columns: object) -> None:
            _item_event(
                run_id=invocation.run_id,
                step_id=invocation.step_id,
                item_id=item.item_id,
                state=state,
                data=data,
                **columns,
            )

        if stop.is_set():
            record(
                StepState.CANCELLED,
                data={"index": item.index},
                error="cancelled: the step stopped",
                finished_at=timezone.now(),
                due_at=None,
            )
            return None
        if item.invocation is None:
            record(
                StepState.FAILED,
                data={"index": item.index, "error": item.error},
                error=item.error,
                finished_at=timezone.now(),
            )
            with lock:
                failures[item.index] = item.error
            stop.set()
            return None
        if item.attempts_before is None:
            item.attempts_before = (
                StepItem.objects.filter(pk=item.item_id).values_list("attempts", flat=True).first() or 0
            )
            item.next_attempt = item.attempts_before + 1
        last = item.attempts_before + retries + 1
        while item.next_attempt <= last:
            attempt = item.next_attempt
            item.next_attempt += 1
            record(
                StepState.RUNNING,
                data={"index": item.index, "attempt": attempt},
                attempts=attempt,
                started_at=timezone.now(),
                finished_at=None,
                error=None,
                due_at=None,
            )
            inv = dataclasses.replace(item.invocation, cancelled=stop)
            log = step_log_open(
                step_run_id=step_run_id,
                run_id=inv.run_id,
                step_id=inv.step_id,
                attempt=invocation.attempt,
                item=item.index,
            )
            inv.log = log
            try:
                outcome = get_backend(backend).run(inv)
            except Exception as exc:
                logger.exception("backend %s crashed running an item of step run %s", backend, step_run_id)
                outcome = StepOutcome.failure(f"backend error: {type(exc).__name__}: {exc}")
            finally:
                step_log_close(log)
            if outcome.ok:
                record(
                    StepState.SUCCEEDED,
                    data={"index": item.index, "attempt": attempt},
                    result=outcome.result,
                    finished_at=timezone.now(),
                )
                with lock:
                    results[item.index] = outcome.result
                return None
            if stop.is_set():
                # The step was cancelled, or another item failed: whatever this one returned does not count.
                record(
                    StepState.CANCELLED,
                    data={"index": item.index, "attempt": attempt},
                    error="cancelled: the step stopped",
                    finished_at=timezone.now(),
                )
                return None
            data = {"index": item.index, "attempt": attempt, "error": outcome.error, "reason": outcome.reason}
            if attempt < last:
                delay = retry_delay(delay_base, attempt)
                if not delay:
                    record(StepState.PENDING, data={**data, "will_retry": True}, error=outcome.error)
                    continue
                due = timezone.now() + timedelta(seconds=delay)
                record(
                    StepState.PENDING,
                    data={**data, "will_retry": True, "delay_s": round(delay, 3), "due_at": due.isoformat()},
                    error=outcome.error,
                    due_at=due,
                )
                return due
            record(StepState.FAILED, data=data, error=outcome.error, finished_at=timezone.now())
            with lock:
                failures[item.index] = outcome.error
            stop.set()
            return None
        return None

    _items_schedule(work, one, threads=threads, stop=stop, name=f"items-{invocation.step_id}")
    if failures:
        index = min(failures)
        return StepOutcome.failure(f"item {index} failed: {failures[index]}", reason="item")
    if len(results) < total:
        return StepOutcome.failure("cancelled while its items ran", reason="cancelled")
    return StepOutcome.success([results[i] for i in range(total)])


def _items_schedule(
    work: list[ItemWork],
    one: Callable[[ItemWork], datetime | None],
    *,
    threads: int,
    stop: threading.Event,
    name: str,
) -> None:
    """Run ``one`` on each item, ``threads`` at a time; an item it hands back with a due time runs again then.

    An item waiting its retry delay holds no thread, so the step's other items
    use its slot meanwhile.  Once ``stop`` is set every waiting item is run at
    once, and ``one`` records it cancelled.
    """
    ready = deque(work)
    waiting: list[tuple[datetime, int, ItemWork]] = []  # a heap by due time
    running: set[Future[datetime | None]] = set()
    items_of: dict[Future[datetime | None], ItemWork] = {}
    with ThreadPoolExecutor(threads, thread_name_prefix=name) as pool:
        while ready or waiting or running:
            now = timezone.now()
            while waiting and (stop.is_set() or waiting[0][0] <= now):
                ready.append(heapq.heappop(waiting)[2])
            while ready and len(running) < threads:
                item = ready.popleft()
                future = pool.submit(one, item)
                running.add(future)
                items_of[future] = item
            if not running:
                if waiting:
                    stop.wait((waiting[0][0] - now).total_seconds())
                continue
            # The step's cancel is an Event that ``wait`` cannot watch: a waiting item looks at it every poll.
            timeout = min((waiting[0][0] - now).total_seconds(), ITEM_POLL_S) if waiting else None
            finished, running = wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in finished:
                item = items_of.pop(future)
                due = future.result()
                if due is not None:
                    heapq.heappush(waiting, (due, item.index, item))
