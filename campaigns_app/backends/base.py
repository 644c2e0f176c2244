from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


def _report_nowhere(state: str, detail: dict | None = None) -> None:
    return None


@dataclass
class StepInvocation:
    """Everything needed to run one attempt of one step, templates already rendered."""

    run_id: int
    step_id: str
    attempt: int
    kind: str
    function: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    timeout_s: float | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    resources: dict[str, Any] = field(default_factory=dict)
    cancelled: threading.Event = field(default_factory=threading.Event)
    # Where output lines go: log(stream, line); streams "stdout", "stderr", "log".
    log: Callable[[str, str], None] | None = None
    # A backend's own intermediate states (waiting in a pilot, executing on a
    # worker), called from the thread that runs the step; the service records
    # each as a ``step.backend`` event.
    report: Callable[[str, dict | None], None] = _report_nowhere


@dataclass
class StepOutcome:
    ok: bool
    result: Any = None
    error: str | None = None
    # Machine-readable reason for a failure: "error", "exit_code", "timeout", "cancelled".
    reason: str | None = None
    # When the work itself ended; the step's finished_at, whatever the time it takes to record it.
    ended_at: datetime | None = None

    @classmethod
    def success(cls, result: Any) -> StepOutcome:
        return cls(ok=True, result=result)

    @classmethod
    def failure(cls, error: str, reason: str = "error") -> StepOutcome:
        return cls(ok=False, error=error, reason=reason)


class ExecutionBackend(Protocol):
    name: str

    def run(self, invocation: StepInvocation) -> StepOutcome:
        """Run one attempt to completion and say how it ended; never raise for a step's own failure.

        A backend that runs the step elsewhere (a pilot, a cluster) honours
        ``invocation.cancelled`` and ``timeout_s`` by cancelling its own task,
        and reports its intermediate states through ``invocation.report``.
        Backends holding long-lived resources also offer ``status() -> dict``
        and ``shutdown()``; the registry calls them when present.
        """
        ...
