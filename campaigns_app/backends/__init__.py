"""Execution backends: each runs a step description and reports an outcome.

Backends know nothing of HTTP or the ORM.  Each backend name is also the
Celery queue its steps are sent to, so a worker started with ``-Q radical``
serves only that backend.
"""

from .base import ExecutionBackend, StepInvocation, StepOutcome
from .registry import available_backends, get_backend

__all__ = ["ExecutionBackend", "StepInvocation", "StepOutcome", "available_backends", "get_backend"]
