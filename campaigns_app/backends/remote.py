"""What runs on a remote worker (a Dask worker): a step function or an executable, and its start signal.

Shipped by reference, so the worker must be able to import this package (it
runs from the same code base, see the README).  No Django here.
"""

from __future__ import annotations

import asyncio
import threading
import time
from functools import partial
from typing import Any

from ..step_functions.context import StepContext

TOPIC = "asyncflow-studio"


def _announce(token: str | None, state: str) -> None:
    # The studio subscribes to this topic: the time between submission and
    # this event is the time the step waited for a worker.
    if not token:
        return
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    worker.log_event(TOPIC, {"token": token, "state": state, "at": time.time(), "worker": worker.address})


async def run_step_function(func, kwargs: dict, meta: dict) -> Any:
    """Call a registered step function in the worker's thread pool; a cancel sets its context's event."""
    _announce(meta.get("token"), "EXECUTING")
    cancelled = threading.Event()
    call = dict(kwargs)
    if "context" in meta.get("wants", ()):
        call["context"] = StepContext(
            run_id=meta["run_id"], step_id=meta["step_id"], attempt=meta["attempt"], cancelled=cancelled
        )
    if "inputs" in meta.get("wants", ()):
        call["inputs"] = meta.get("inputs") or {}
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, partial(func, **call))
    except asyncio.CancelledError:
        # The thread cannot be interrupted; functions that wait on their
        # context (like the built-in sleep) stop at once.
        cancelled.set()
        raise


async def run_step_isolated(call: dict, config, max_result_bytes: int, meta: dict) -> dict:
    """Run an executable through the sandbox supervisor on this worker, as the thread backend does: scrubbed
    environment, a fresh attempt folder, limits, the step user; a cancel stops its whole process group."""
    from .sandbox.launch import run_isolated

    _announce(meta.get("token"), "EXECUTING")
    cancelled = threading.Event()
    loop = asyncio.get_running_loop()
    work = loop.run_in_executor(None, partial(run_isolated, call, config, max_result_bytes, cancelled))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        # The supervisor sees the event within its poll and kills the step's processes.
        cancelled.set()
        raise
