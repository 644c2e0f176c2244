"""A step's ``resources`` (cores, gpus, walltime, partition): checking them and reading them."""

from __future__ import annotations

from typing import Any

KNOWN = ("cores", "gpus", "walltime", "partition")


def resource_problems(resources: Any) -> list[str]:
    """Why ``resources`` is malformed (empty when it is fine)."""
    if resources is None:
        return []
    if not isinstance(resources, dict):
        return ["resources must be an object with cores, gpus, walltime (minutes) and partition"]
    problems = []
    unknown = sorted(set(resources) - set(KNOWN))
    if unknown:
        problems.append(f"unknown resource(s) {', '.join(unknown)} (known: {', '.join(KNOWN)})")
    for key in ("cores", "gpus"):
        value = resources.get(key)
        if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0
                                  or (key == "cores" and value < 1)):
            problems.append(f"resources.{key} must be a {'positive' if key == 'cores' else 'non-negative'} number")
    walltime = resources.get("walltime")
    if walltime is not None and (not isinstance(walltime, (int, float)) or isinstance(walltime, bool)
                                 or walltime <= 0):
        problems.append("resources.walltime must be a positive number of minutes")
    partition = resources.get("partition")
    if partition is not None and not isinstance(partition, str):
        problems.append("resources.partition must be a string")
    return problems


def step_timeout_s(timeout_s: float | None, resources: dict) -> float | None:
    """The tighter of the step's timeout and its walltime."""
    walltime = resources.get("walltime")
    limits = [t for t in (timeout_s, walltime * 60 if walltime else None) if t]
    return min(limits) if limits else None
