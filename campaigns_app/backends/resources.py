"""Reading a step's (already validated) ``resources`` for a backend's task description."""

from __future__ import annotations

from ..graph.resources import walltime_seconds


def step_timeout_s(timeout_s: float | None, resources: dict) -> float | None:
    """The tighter of the step's timeout and its walltime."""
    limits = [t for t in (timeout_s, walltime_seconds(resources.get("walltime"))) if t]
    return min(limits) if limits else None
