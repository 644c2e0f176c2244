"""Run steps inside the Celery worker's own threads (functions) or as isolated child processes (executables)."""

from __future__ import annotations

import inspect
import os
import threading
import traceback

from django.conf import settings

from ..step_functions import StepCancelled, StepContext, get_function
from .aio import CoroutineStopped, run_coroutine
from .base import StepInvocation, StepOutcome
from .capture import capture_in_task, capture_to
from .sandbox import SandboxConfig, run_executable

STDERR_TAIL_CHARS = 2000


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_traceback(exc: BaseException, limit: int = 8) -> str:
    """The traceback of a step function's exception from the function down: the engine's own frames
    (this package, which called it) are left out, as they say nothing about the user's code."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if not os.path.abspath(f.filename).startswith(_ENGINE_DIR + os.sep)
    ]
    lines = [
        "Traceback (most recent call last):\n",
        *traceback.format_list(frames[-limit:]),
        *traceback.format_exception_only(exc),
    ]
    # Paths inside the installation say where the server lives, not where the user's code is wrong.
    return "".join(lines).replace(f"{settings.BASE_DIR}{os.sep}", "")


class ThreadBackend:
    name = "thread"

    def run(self, invocation: StepInvocation) -> StepOutcome:
        if invocation.kind == "function":
            return self._run_function(invocation)
        return self._run_executable(invocation)

    # -- functions ---------------------------------------------------------------
    def _run_function(self, inv: StepInvocation) -> StepOutcome:
        if inv.function is None:  # validation gives every function step one
            raise ValueError(f"step {inv.step_id}: a function step names no function")
        registered = get_function(inv.function)
        kwargs = dict(inv.kwargs)
        if "context" in registered.wants:
            kwargs["context"] = StepContext(
                run_id=inv.run_id, step_id=inv.step_id, attempt=inv.attempt, cancelled=inv.cancelled
            )
        if "inputs" in registered.wants:
            kwargs["inputs"] = inv.inputs
        if inspect.iscoroutinefunction(registered.func):
            return self._run_coroutine_function(inv, registered.func, kwargs)
        ended: dict[str, StepOutcome] = {}  # "outcome": set by call(), which may run in a thread of its own

        def call() -> None:
            with capture_to(inv.log):
                try:
                    ended["outcome"] = StepOutcome.success(registered.func(**kwargs))
                except StepCancelled as exc:
                    ended["outcome"] = StepOutcome.failure(str(exc), reason="cancelled")
                except Exception as exc:  # noqa: BLE001 - a step's own failure is an outcome, not a crash
                    tb = user_traceback(exc)
                    # Into the step's log too, so the log panel shows why it ended rather than "(no output)".
                    if inv.log is not None:
                        for line in tb.rstrip("\n").split("\n"):
                            inv.log("stderr", line)
                    ended["outcome"] = StepOutcome.failure(f"{_error_text(exc)}\n{tb[-STDERR_TAIL_CHARS:]}".strip())

        if inv.timeout_s is None:
            call()
            return ended["outcome"]
        # Python cannot kill a thread: an overrunning function is told to stop
        # (its context's cancelled event) and abandoned; the step fails now.
        worker = threading.Thread(target=call, name=f"step-{inv.run_id}-{inv.step_id}", daemon=True)
        worker.start()
        worker.join(inv.timeout_s)
        if worker.is_alive():
            inv.cancelled.set()
            return StepOutcome.failure(f"timeout: still running after {inv.timeout_s:g} s", reason="timeout")
        return ended["outcome"]

    def _run_coroutine_function(self, inv: StepInvocation, func, kwargs: dict) -> StepOutcome:
        """An ``async def`` on the shared event loop; a cancel or timeout cancels the coroutine itself."""

        async def call():
            with capture_in_task(inv.log):
                return await func(**kwargs)

        try:
            return StepOutcome.success(run_coroutine(call, cancelled=inv.cancelled, timeout_s=inv.timeout_s))
        except CoroutineStopped as stopped:
            if stopped.reason == "timeout":
                return StepOutcome.failure(f"timeout: still running after {inv.timeout_s:g} s", reason="timeout")
            return StepOutcome.failure(f"step {inv.step_id} was cancelled while awaiting", reason="cancelled")
        except StepCancelled as exc:
            return StepOutcome.failure(str(exc), reason="cancelled")
        except Exception as exc:  # noqa: BLE001 - a step's own failure is an outcome, not a crash
            tb = traceback.format_exc(limit=5)
            return StepOutcome.failure(f"{_error_text(exc)}\n{tb[-STDERR_TAIL_CHARS:]}".strip())

    # -- executables ---------------------------------------------------------------
    def _run_executable(self, inv: StepInvocation) -> StepOutcome:
        # Built per attempt: settings are read where they are used (and tests change them).
        return run_executable(
            inv, SandboxConfig.from_settings(settings), max_result_bytes=settings.STUDIO_MAX_RESULT_BYTES
        )
