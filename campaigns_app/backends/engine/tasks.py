"""What a step hands the engine (``TaskSpec``), what it holds while the task runs, and how its end reads."""

from __future__ import annotations

import asyncio
import queue
import shlex
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from ..base import StepOutcome

STDERR_TAIL_CHARS = 2000
# How long a cancelled step waits for the backend to confirm the cancel (so
# its CANCELED state is reported) before the attempt is recorded anyway.
CANCEL_GRACE_S = 15.0
SUBMIT_TIMEOUT_S = 60.0
# A finished task's records stay in the engine this long, so the engine's own
# run loop has moved on from it before they are dropped.
PRUNE_AFTER_S = 5.0


class EngineUnavailable(Exception):
    """The backend could not start (or has died); steps sent to it fail with this message."""


async def _command(command: str, task_description: dict = {}) -> str:  # noqa: B006 - AsyncFlow reads the default
    """AsyncFlow executable task: the command line is already rendered by the studio."""
    return command


@dataclass
class TaskSpec:
    """What the engine submits for one step attempt."""

    label: str
    # "executable": ``command`` runs as the backend's own executable task.
    # "function": ``function`` (an async callable the backend can ship) runs with ``args``.
    kind: str
    command: str | None = None
    function: Callable[..., Awaitable[Any]] | None = None
    args: tuple = ()
    task_description: dict = field(default_factory=dict)
    # Set when ``function`` reports its own start through the engine (see ``observe_token``).
    token: str | None = None


class TaskHandle:
    """A submitted task as the waiting worker thread sees it: a queue of ("state", ...) then one ("done", ...)."""

    def __init__(self, spec: TaskSpec):
        self.spec = spec
        self.uid: str | None = None
        self.future: asyncio.Future | None = None
        self.events: queue.Queue = queue.Queue()
        self.submitted_at = time.time()

    def state(self, name: str, at: float | None = None, **detail: Any) -> None:
        self.events.put(("state", name, {"at": at or time.time(), **detail}))


def task_outcome(spec: TaskSpec, future: asyncio.Future, description: dict) -> StepOutcome:
    if future.cancelled():
        return StepOutcome.failure(f"cancelled by the {spec.label} backend", reason="cancelled")
    exc = future.exception()
    if exc is None:
        result = future.result()
        if spec.kind == "executable":
            return StepOutcome.success(last_line_result(result or ""))
        return StepOutcome.success(result)
    if isinstance(getattr(exc, "exit_code", None), int):
        return StepOutcome.failure(str(exc), reason="exit_code")
    exit_code = description.get("exit_code")
    stderr = (description.get("stderr") or "").strip()
    if spec.kind == "executable" and isinstance(exit_code, int) and exit_code not in (0, None):
        tail = stderr[-STDERR_TAIL_CHARS:]
        return StepOutcome.failure(f"exit code {exit_code}" + (f": {tail}" if tail else ""), reason="exit_code")
    text = f"{type(exc).__name__}: {exc}"
    remote_tb = "".join(traceback.format_exception(exc)[-5:]) if exc.__traceback__ else ""
    return StepOutcome.failure(f"{text}\n{remote_tb[-STDERR_TAIL_CHARS:]}".strip(), reason="error")


def last_line_result(stdout: str):
    import json

    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        return None
    last = lines[-1].strip()
    try:
        return json.loads(last)
    except ValueError:
        return last


def command_line(argv: list[str]) -> str:
    """The argv as one shell-quoted command, the form AsyncFlow executable tasks take."""
    return shlex.join(argv)
