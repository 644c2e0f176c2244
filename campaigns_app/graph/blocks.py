"""Blocks (named groups of steps, possibly nested) and step resources.

Pure checks used by :mod:`validation`; each fault names the block or step at fault.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from .errors import GraphFault

BLOCK_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
WALLTIME = re.compile(r"^(?:(\d+)-)?(\d{1,3}):([0-5]\d)(?::([0-5]\d))?$")
RESOURCE_FIELDS = ("cores", "gpus", "walltime", "partition", "memory_mb")


def normalize_blocks(raw_blocks: Any) -> tuple[list[dict], list[GraphFault]]:
    """Blocks as ``{id, name, parent}``: unique ids, existing parents, no parent cycles."""
    faults: list[GraphFault] = []
    if raw_blocks is None:
        return [], faults
    if not isinstance(raw_blocks, list):
        return [], [GraphFault("graph.blocks must be a list of {id, name, parent}")]
    blocks: list[dict] = []
    ids: set[str] = set()
    for index, raw in enumerate(raw_blocks):
        if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not BLOCK_ID.match(raw["id"]):
            faults.append(GraphFault(f"blocks[{index}] needs an id of letters, digits, _ or -"))
            continue
        block_id = raw["id"]
        if block_id in ids:
            faults.append(GraphFault(f"block {block_id!r} is declared twice"))
            continue
        ids.add(block_id)
        name = raw.get("name") or block_id
        parent = raw.get("parent")
        if not isinstance(name, str):
            faults.append(GraphFault(f"block {block_id!r}: name must be a string"))
            name = block_id
        if parent is not None and not isinstance(parent, str):
            faults.append(GraphFault(f"block {block_id!r}: parent must be a block id or null"))
            parent = None
        blocks.append({"id": block_id, "name": name, "parent": parent})
    parents = {b["id"]: b["parent"] for b in blocks}
    for block in blocks:
        if block["parent"] is not None and block["parent"] not in parents:
            faults.append(GraphFault(f"block {block['id']!r}: parent {block['parent']!r} is not a block"))
    reported: set[str] = set()
    for block in blocks:
        chain = [block["id"]]
        current = parents.get(block["id"])
        while current is not None and current in parents:
            if current in chain:
                loop = chain[chain.index(current):] + [current]
                if not reported & set(loop):
                    faults.append(GraphFault(f"blocks nest in a cycle: {' -> '.join(loop)}", path=tuple(loop)))
                reported.update(loop)
                break
            chain.append(current)
            current = parents.get(current)
    return blocks, faults


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
        faults.append(GraphFault(f"step {step_id!r}: unknown resource(s) {', '.join(unknown)} "
                                 f"(known: {', '.join(RESOURCE_FIELDS)})", step=step_id))
    out: dict[str, Any] = {}
    for key in ("cores", "gpus", "memory_mb"):
        value = raw.get(key)
        if value is None:
            continue
        if not _count(value) or (key == "cores" and value == 0):
            low = 1 if key == "cores" else 0
            faults.append(GraphFault(f"step {step_id!r}: resources.{key} must be a whole number from {low}",
                                     step=step_id))
        out[key] = value
    walltime = raw.get("walltime")
    if walltime is not None:
        if isinstance(walltime, (int, float)) and not isinstance(walltime, bool) and math.isfinite(walltime) \
                and walltime > 0:
            out["walltime"] = walltime
        elif isinstance(walltime, str) and WALLTIME.match(walltime.strip()):
            out["walltime"] = walltime.strip()
        else:
            faults.append(GraphFault(f"step {step_id!r}: resources.walltime must be HH:MM[:SS], D-HH:MM "
                                     f"or a number of seconds", step=step_id))
    partition = raw.get("partition")
    if partition is not None:
        if not isinstance(partition, str):
            faults.append(GraphFault(f"step {step_id!r}: resources.partition must be a string", step=step_id))
        elif partition.strip():
            out["partition"] = partition.strip()
    return out, faults
