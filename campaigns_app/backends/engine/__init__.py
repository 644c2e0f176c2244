"""One long-lived AsyncFlow ``WorkflowEngine`` per worker process and backend.

A Celery worker thread runs a step by handing a task to the engine, then
waits for it while relaying the backend's states and watching for cancel and
timeout.  The engine and its rhapsody execution backend (a RADICAL pilot, a
Dask client) live on an asyncio loop in a thread of their own: they start
once, on first use or when the worker comes up, and stop with the worker.

Nothing here knows the ORM: states go to ``invocation.report`` and the
outcome is a ``StepOutcome``.
"""

from .loop import AsyncFlowEngine
from .running import run_on_engine
from .tasks import EngineUnavailable, TaskHandle, TaskSpec, command_line, last_line_result

__all__ = [
    "AsyncFlowEngine",
    "EngineUnavailable",
    "TaskHandle",
    "TaskSpec",
    "command_line",
    "last_line_result",
    "run_on_engine",
]
