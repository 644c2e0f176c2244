"""Run steps inside the Celery worker's own threads (functions) or as isolated child processes (executables)."""

from __future__ import annotations

import threading
import traceback

from django.conf import settings

from ..step_functions import StepCancelled, StepContext, get_function
from .base import StepInvocation, StepOutcome
from .capture import capture_to
from .sandbox import SandboxConfig, run_executable

STDERR_TAIL_CHARS = 2000


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class ThreadBackend:
    name = "thread"

    def run(self, invocation: StepInvocation) -> StepOutcome:
        if invocation.kind == "function":
            return self._run_function(invocation)
        return self._run_executable(invocation)

    # -- functions ---------------------------------------------------------------
    def _run_function(self, inv: StepInvocation) -> StepOutcome:
        registered = get_function(inv.function)
        kwargs = dict(inv.kwargs)
        if "context" in registered.wants:
            kwargs["context"] = StepContext(run_id=inv.run_id, step_id=inv.step_id, attempt=inv.attempt,
                                            cancelled=inv.cancelled)
        if "inputs" in registered.wants:
            kwargs["inputs"] = inv.inputs
        box: dict = {}

        def call() -> None:
            with capture_to(inv.log):
                try:
                    box["outcome"] = StepOutcome.success(registered.func(**kwargs))
                except StepCancelled as exc:
                    box["outcome"] = StepOutcome.failure(str(exc), reason="cancelled")
                except Exception as exc:  # noqa: BLE001 - a step's own failure is an outcome, not a crash
                    tb = traceback.format_exc(limit=5)
                    box["outcome"] = StepOutcome.failure(f"{_error_text(exc)}\n{tb[-STDERR_TAIL_CHARS:]}".strip())

        if inv.timeout_s is None:
            call()
            return box["outcome"]
        # Python cannot kill a thread: an overrunning function is told to stop
        # (its context's cancelled event) and abandoned; the step fails now.
        worker = threading.Thread(target=call, name=f"step-{inv.run_id}-{inv.step_id}", daemon=True)
        worker.start()
        worker.join(inv.timeout_s)
        if worker.is_alive():
            inv.cancelled.set()
            return StepOutcome.failure(f"timeout: still running after {inv.timeout_s:g} s", reason="timeout")
        return box["outcome"]

    # -- executables ---------------------------------------------------------------
    def _run_executable(self, inv: StepInvocation) -> StepOutcome:
        # Built per attempt: settings are read where they are used (and tests change them).
        return run_executable(inv, SandboxConfig.from_settings(settings),
                              max_result_bytes=settings.STUDIO_MAX_RESULT_BYTES)
