"""Run steps inside the Celery worker's own threads (functions) or as child processes (executables)."""

from __future__ import annotations

import os
import signal
import subprocess
import traceback

from ..step_functions import StepCancelled, StepContext, get_function
from .base import StepInvocation, StepOutcome

STDERR_TAIL_CHARS = 2000
KILL_GRACE_S = 5.0


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class ThreadBackend:
    name = "thread"

    def run(self, invocation: StepInvocation) -> StepOutcome:
        if invocation.kind == "function":
            return self._run_function(invocation)
        return self._run_executable(invocation)

    def _run_function(self, inv: StepInvocation) -> StepOutcome:
        registered = get_function(inv.function)
        kwargs = dict(inv.kwargs)
        if "context" in registered.wants:
            kwargs["context"] = StepContext(run_id=inv.run_id, step_id=inv.step_id, attempt=inv.attempt,
                                            cancelled=inv.cancelled)
        if "inputs" in registered.wants:
            kwargs["inputs"] = inv.inputs
        try:
            return StepOutcome.success(registered.func(**kwargs))
        except StepCancelled as exc:
            return StepOutcome.failure(str(exc), reason="cancelled")
        except Exception as exc:  # noqa: BLE001 - a step's own failure is an outcome, not a crash
            tb = traceback.format_exc(limit=5)
            return StepOutcome.failure(f"{_error_text(exc)}\n{tb[-STDERR_TAIL_CHARS:]}".strip(), reason="error")

    def _run_executable(self, inv: StepInvocation) -> StepOutcome:
        env = {**os.environ, **inv.env}
        try:
            # A session of its own so a timeout or cancel can kill the whole process group.
            proc = subprocess.Popen(inv.argv, cwd=inv.cwd or None, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True,
                                    text=True, errors="replace")
        except FileNotFoundError:
            return StepOutcome.failure(f"executable not found: {inv.argv[0]}", reason="error")
        except (PermissionError, NotADirectoryError, OSError) as exc:
            return StepOutcome.failure(f"cannot start {inv.argv[0]}: {exc}", reason="error")
        try:
            stdout, stderr = proc.communicate(timeout=inv.timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            return StepOutcome.failure(f"timeout: still running after {inv.timeout_s} s", reason="timeout")
        if proc.returncode != 0:
            tail = stderr.strip()[-STDERR_TAIL_CHARS:]
            return StepOutcome.failure(f"exit code {proc.returncode}" + (f": {tail}" if tail else ""),
                                       reason="exit_code")
        return StepOutcome.success(_last_line_result(stdout))


def _last_line_result(stdout: str):
    import json

    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1].strip()
    try:
        return json.loads(last)
    except ValueError:
        return last


def _kill_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, None)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.communicate(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
