"""Step resources (cores, GPUs, memory, walltime, partition): checked and normalised, each fault naming the step."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import GraphFault

WALLTIME = re.compile(r"^(?:(\d+)-)?(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")
RESOURCE_FIELDS = ("cores", "gpus", "walltime", "partition", "memory_mb")


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 100000


def normalize_resources(step_id: str, raw: Any) -> tuple[dict | None, list[GraphFault]]:
    """``{cores, gpus, walltime "[D-]HH:MM[:SS]", partition, memory_mb}``, every field optional."""
    if raw is None:
        return None, []
    if not isinstance(raw, Mapping):
        return None, [GraphFault(f"step {step_id!r}: resources must be an object", step=step_id)]
    faults: list[GraphFault] = []
    unknown = sorted(set(raw) - set(RESOURCE_FIELDS))
    if unknown:
        faults.append(
            GraphFault(
                f"step {step_id!r}: unknown resource(s) {', '.join(unknown)} (known: {', '.join(RESOURCE_FIELDS)})",
                step=step_id,
            )
        )
    out: dict[str, Any] = {}
    for key in ("cores", "gpus", "memory_mb"):
        value = raw.get(key)
        if value is None:
            continue
        if not _count(value) or (key == "cores" and value == 0):
            low = 1 if key == "cores" else 0
            faults.append(
                GraphFault(f"step {step_id!r}: resources.{key} must be a whole number from {low}", step=step_id)
            )
        out[key] = value
    walltime = raw.get("walltime")
    if walltime is not None:
        if (
            isinstance(walltime, (int, float))
            and not isinstance(walltime, bool)
            and math.isfinite(walltime)
            and walltime > 0
        ):
            out["walltime"] = walltime
        elif isinstance(walltime, str) and WALLTIME.match(walltime.strip()):
            out["walltime"] = walltime.strip()
        else:
            faults.append(
                GraphFault(
                    f"step {step_id!r}: resources.walltime must be HH:MM[:SS], D-HH:MM or a number of seconds",
                    step=step_id,
                )
            )
    partition = raw.get("partition")
    if partition is not None:
        if not isinstance(partition, str):
            faults.append(GraphFault(f"step {step_id!r}: resources.partition must be a string", step=step_id))
        elif partition.strip():
            out["partition"] = partition.strip()
    return out, faults


def walltime_seconds(walltime: Any) -> float | None:
    """A normalised walltime (seconds, or "[D-]HH:MM[:SS]") in seconds."""
    if walltime is None:
        return None
    if isinstance(walltime, (int, float)):
        return float(walltime)
    match = WALLTIME.match(str(walltime).strip())
    if not match:
        return None
    days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return float(((days * 24 + hours) * 60 + minutes) * 60 + seconds)
