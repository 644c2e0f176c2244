"""Shared by the engine benches: the private stack and REST client (stack_common), dashboard frames, campaigns."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# REPO, Api and private_stack live in stack_common (shared with the UI benches); the engine benches take them here.
from bench.stack_common import REPO, Api, database_reset, private_stack  # noqa: F401 - re-exported

_database_reset = database_reset  # the name bench/launch.py imports


def frame_events(frame: str | bytes) -> list[dict]:
    """The events of one dashboard frame: an array (``?batch=1``) or a single event."""
    payload = json.loads(frame)
    return payload if isinstance(payload, list) else [payload]


def peak_rss_mb(pid: int | None) -> float | None:
    """The process's peak resident set (VmHWM) in MB, from /proc."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def chain_campaign(api: Api, name: str, steps: int = 4, function: str = "noop", kwargs: dict | None = None) -> int:
    graph_steps = [
        {"id": f"s{k}", "name": f"step {k}", "kind": "function", "function": function, "kwargs": kwargs or {}}
        for k in range(1, steps + 1)
    ]
    edges = [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, steps)]
    return api.call("POST", "/api/campaigns/", {"name": name, "graph": {"steps": graph_steps, "edges": edges}})["id"]


def independent_campaign(api: Api, name: str, steps: int) -> int:
    graph_steps = [
        {"id": f"s{k}", "name": f"step {k}", "kind": "function", "function": "noop", "kwargs": {}}
        for k in range(1, steps + 1)
    ]
    return api.call("POST", "/api/campaigns/", {"name": name, "graph": {"steps": graph_steps, "edges": []}})["id"]
