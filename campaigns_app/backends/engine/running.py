"""``run_on_engine``: a worker thread runs one step on the engine, relaying states, cancel and timeout."""

from __future__ import annotations

import logging
import queue
import time

from ..base import StepInvocation, StepOutcome
from .loop import AsyncFlowEngine
from .tasks import (
    CANCEL_GRACE_S,
    EngineUnavailable,
    TaskSpec,
)

logger = logging.getLogger(__name__)


def run_on_engine(
    engine: AsyncFlowEngine, invocation: StepInvocation, spec: TaskSpec, timeout_s: float | None = None
) -> StepOutcome:
    """Run one step on ``engine`` from a worker thread: relay states, honour cancel and timeout."""
    if invocation.cancelled.is_set():
        return StepOutcome.failure(f"step {invocation.step_id} was cancelled before it started", reason="cancelled")
    try:
        engine.start()
        handle = engine.submit(spec)
    except EngineUnavailable as exc:
        return StepOutcome.failure(str(exc), reason="backend_unavailable")
    deadline = time.monotonic() + timeout_s if timeout_s else None
    stop_reason: str | None = None
    grace_until = None
    while True:
        try:
            item = handle.events.get(timeout=0.1)
        except queue.Empty:
            now = time.monotonic()
            if stop_reason is None and invocation.cancelled.is_set():
                stop_reason = "cancelled"
            elif stop_reason is None and deadline is not None and now > deadline:
                stop_reason = "timeout"
            if stop_reason is not None and grace_until is None:
                engine.cancel(handle)
                grace_until = now + CANCEL_GRACE_S
            if grace_until is not None and now > grace_until:
                break
            continue
        if item[0] == "state":
            invocation.report(item[1], item[2])
            continue
        outcome: StepOutcome = item[1]
        if stop_reason is None:
            return outcome
        break
    if stop_reason == "timeout":
        return StepOutcome.failure(
            f"timeout: still running after {timeout_s:g} s; the {engine.name} task was cancelled", reason="timeout"
        )
    return StepOutcome.failure(
        f"step {invocation.step_id} was cancelled; the {engine.name} task was cancelled", reason="cancelled"
    )
