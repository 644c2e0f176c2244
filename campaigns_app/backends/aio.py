"""Async step functions: coroutines of every worker thread on one shared event loop.

The loop runs in a thread of its own, so a step that awaits (``asyncio.sleep``,
network I/O) costs the loop nothing while it waits, and a hundred such steps
share one thread.  The worker thread that owns the step only waits for the
coroutine's future and watches the step's cancel event and deadline; either
cancels the coroutine (it sees ``asyncio.CancelledError`` at its next await).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

POLL_S = 0.05
# How long a cancelled coroutine may take over its ``except CancelledError``/``finally`` clean-up before the
# step is recorded as stopped anyway: the step's end then means its clean-up ran, unless it ignores cancels.
CANCEL_GRACE_S = 5.0

_loop: asyncio.AbstractEventLoop | None = None
_loop_lock = threading.Lock()


def shared_loop() -> asyncio.AbstractEventLoop:
    """The process's event loop for async steps, started on first use."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def serve() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=serve, name="async-steps", daemon=True).start()
            ready.wait()
            _loop = loop
        return _loop


class CoroutineStopped(Exception):
    """The coroutine was cancelled; ``reason`` is "cancelled" or "timeout"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def run_coroutine(make: Callable[[], Awaitable[Any]], *, cancelled: threading.Event, timeout_s: float | None) -> Any:
    """Run ``make()`` on the shared loop and return its value; raise what it raised.

    Raises CoroutineStopped when ``cancelled`` is set or ``timeout_s`` passes
    first, after cancelling the coroutine and letting it finish its clean-up
    (up to ``CANCEL_GRACE_S``).
    """

    started, ended = threading.Event(), threading.Event()

    async def body() -> Any:
        started.set()
        try:
            return await make()
        finally:
            ended.set()

    def stop(reason: str) -> CoroutineStopped:
        # Cancelling the thread-side future only asks the loop to cancel the task; wait for the coroutine itself.
        if future.cancel() and started.is_set():
            ended.wait(CANCEL_GRACE_S)
        return CoroutineStopped(reason)

    future = asyncio.run_coroutine_threadsafe(body(), shared_loop())
    deadline = time.monotonic() + timeout_s if timeout_s else None
    while True:
        wait = POLL_S if deadline is None else max(0.0, min(POLL_S, deadline - time.monotonic()))
        # Not ``future.result(timeout)``: a coroutine's own TimeoutError would read as "not done yet".
        done, _ = concurrent.futures.wait([future], timeout=wait)
        if done:
            try:
                return future.result()
            except concurrent.futures.CancelledError:
                raise CoroutineStopped("cancelled") from None
        if cancelled.is_set():
            raise stop("cancelled")
        if deadline is not None and time.monotonic() >= deadline:
            raise stop("timeout")
