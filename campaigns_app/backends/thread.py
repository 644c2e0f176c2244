"""Run steps inside the Celery worker's own threads (functions) or as child processes (executables)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import traceback
from collections import deque

from django.conf import settings

from ..step_functions import StepCancelled, StepContext, get_function
from .base import StepInvocation, StepOutcome
from .capture import capture_to

STDERR_TAIL_LINES = 40
STDERR_TAIL_CHARS = 2000
POLL_S = 0.05


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))


def user_traceback(exc: BaseException, limit: int = 8) -> str:
    """The traceback of a step function's exception from the function down: the engine's own frames
    (this package, which called it) are left out, as they say nothing about the user's code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not os.path.abspath(f.filename).startswith(_ENGINE_DIR + os.sep)]
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames[-limit:]),
             *traceback.format_exception_only(exc)]
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
                    tb = user_traceback(exc)
                    # Into the step's log too, so the log panel shows why it ended rather than "(no output)".
                    if inv.log is not None:
                        for line in tb.rstrip("\n").split("\n"):
                            inv.log("stderr", line)
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
        env = {**os.environ, **inv.env}
        try:
            # A session of its own so a timeout or cancel can kill the whole process group.
            proc = subprocess.Popen(inv.argv, cwd=inv.cwd or None, env=env, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True,
                                    text=True, errors="replace", bufsize=1)
        except FileNotFoundError:
            return StepOutcome.failure(f"executable not found: {inv.argv[0]}")
        except OSError as exc:
            return StepOutcome.failure(f"cannot start {inv.argv[0]}: {exc}")
        last_stdout: list[str] = []
        stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        readers = [
            threading.Thread(target=_pump, args=(proc.stdout, "stdout", inv.log, last_stdout, None), daemon=True),
            threading.Thread(target=_pump, args=(proc.stderr, "stderr", inv.log, None, stderr_tail), daemon=True),
        ]
        for reader in readers:
            reader.start()
        deadline = time.monotonic() + inv.timeout_s if inv.timeout_s else None
        ended_by = None
        while proc.poll() is None:
            if inv.cancelled.is_set():
                ended_by = "cancelled"
            elif deadline is not None and time.monotonic() >= deadline:
                ended_by = "timeout"
            if ended_by:
                _kill_group(proc)
                break
            inv.cancelled.wait(POLL_S)
        proc.wait()
        for reader in readers:
            reader.join(timeout=5)
        if ended_by == "timeout":
            return StepOutcome.failure(f"timeout: still running after {inv.timeout_s:g} s", reason="timeout")
        if ended_by == "cancelled":
            return StepOutcome.failure("cancelled: the process group was stopped", reason="cancelled")
        if proc.returncode != 0:
            tail = "\n".join(stderr_tail).strip()[-STDERR_TAIL_CHARS:]
            return StepOutcome.failure(f"exit code {proc.returncode}" + (f": {tail}" if tail else ""),
                                       reason="exit_code")
        return StepOutcome.success(_parse_result(last_stdout[0] if last_stdout else None))


def _pump(pipe, stream: str, sink, last: list | None, tail: deque | None) -> None:
    for raw in pipe:
        line = raw.rstrip("\n")
        if sink is not None:
            sink(stream, line)
        if last is not None and line.strip():
            last[:] = [line]
        if tail is not None:
            tail.append(line)
    pipe.close()


def _parse_result(line: str | None):
    if line is None:
        return None
    text = line.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the step's process group, then SIGKILL whatever is left after the grace period."""
    grace = float(getattr(settings, "STUDIO_KILL_GRACE_S", 5.0))
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # also children that outlived their parent
    except ProcessLookupError:
        pass
    proc.wait()
