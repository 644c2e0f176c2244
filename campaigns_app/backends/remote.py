"""What runs on a remote worker (a Dask worker): a step function or an executable, and its start signal.

Shipped by reference, so the worker must be able to import this package (it
runs from the same code base, see the README).  No Django here.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from functools import partial
from typing import Any

from ..step_functions.context import StepContext

TOPIC = "asyncflow-studio"
# As on the thread backend, a step never sees the Dask worker's own variables.
SCRUBBED_BASE = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
STDERR_TAIL_CHARS = 2000
KILL_GRACE_S = 5.0


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


class ExecutableFailed(RuntimeError):
    def __init__(self, exit_code: int, stderr: str):
        tail = stderr.strip()[-STDERR_TAIL_CHARS:]
        super().__init__(f"exit code {exit_code}" + (f": {tail}" if tail else ""))
        self.exit_code = exit_code


async def run_step_executable(argv: list[str], env: dict, cwd: str | None, meta: dict) -> str:
    """Run an executable in its own process group with a scrubbed environment; return its stdout, kill the
    group on cancel."""
    _announce(meta.get("token"), "EXECUTING")
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd or None,
            env={**SCRUBBED_BASE, **env},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ExecutableFailed(127, f"executable not found: {argv[0]}") from None
    try:
        stdout, stderr = await proc.communicate()
    except asyncio.CancelledError:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), KILL_GRACE_S)
                break
            except TimeoutError:
                continue
        raise
    if proc.returncode != 0:
        raise ExecutableFailed(proc.returncode, stderr.decode(errors="replace"))
    return stdout.decode(errors="replace")
