"""How validating a campaign grows with its size: chains, fans and block chains of 1k, 10k and 100k steps.

Runs the pure validator (no Django, no database) on graphs of each size and prints the time per step
and the ratio of each size's time per step to the 1k one, measured in the same run: linear validation
keeps the ratio near 1 (quadratic would make it 10 and 100).

    .venv/bin/python bench/validation.py [--sizes 1000,10000,100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from campaigns_app.graph import FunctionSignature, validate_campaign
from campaigns_app.graph.validation import GraphLimits

FUNCTIONS = {"sleep": FunctionSignature("sleep", accepted=frozenset({"seconds", "value"}))}
NO_LIMITS = GraphLimits(max_steps=10**7, max_value_bytes=10**9, max_depth=64)


def chain(size: int) -> dict:
    """Each step sleeps and reads its predecessor's result: every template reference is checked."""
    steps = [
        {
            "id": f"s{i}",
            "kind": "function",
            "function": "sleep",
            "kwargs": {"seconds": 0, "value": "{{ steps.s" + str(i - 1) + ".result }}" if i else 1},
        }
        for i in range(size)
    ]
    edges = [{"source": f"s{i - 1}", "target": f"s{i}"} for i in range(1, size)]
    return {"steps": steps, "edges": edges}


def fan(size: int) -> dict:
    """One root, size-2 parallel steps reading it, one join."""
    steps = [{"id": "root", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0}}]
    steps += [
        {
            "id": f"w{i}",
            "kind": "function",
            "function": "sleep",
            "kwargs": {"seconds": 0, "value": "{{ steps.root.result }}"},
        }
        for i in range(size - 2)
    ]
    steps.append({"id": "join", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0}})
    edges = [{"source": "root", "target": f"w{i}"} for i in range(size - 2)]
    edges += [{"source": f"w{i}", "target": "join"} for i in range(size - 2)]
    return {"steps": steps, "edges": edges}


def blocks(size: int) -> dict:
    """Blocks of four steps (a diamond inside), each block joined to the next by one block-to-block edge,
    a hundred blocks to a group block: every block edge is expanded from its blocks' sinks and sources."""
    count = size // 4
    groups = [{"id": f"G{g}", "parent": None} for g in range((count + 99) // 100)]
    inner = [{"id": f"B{i}", "parent": f"G{i // 100}"} for i in range(count)]
    steps = [
        {"id": f"b{i}_{k}", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0}, "block": f"B{i}"}
        for i in range(count)
        for k in range(4)
    ]
    edges = []
    for i in range(count):
        edges += [
            {"source": f"b{i}_0", "target": f"b{i}_1"},
            {"source": f"b{i}_0", "target": f"b{i}_2"},
            {"source": f"b{i}_1", "target": f"b{i}_3"},
            {"source": f"b{i}_2", "target": f"b{i}_3"},
        ]
        if i:
            edges.append({"source": f"B{i - 1}", "target": f"B{i}"})
    edges += [{"source": f"G{g - 1}", "target": f"G{g}"} for g in range(1, len(groups))]
    return {"steps": steps, "edges": edges, "blocks": groups + inner}


def measure(graph: dict, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        validate_campaign(parameters=[], graph=graph, functions=FUNCTIONS, backends={"thread"}, size_limits=NO_LIMITS)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for shape in (chain, fan, blocks):
        baseline = None
        for size in sizes:
            seconds = measure(shape(size), args.repeat)
            per_step = seconds / size
            baseline = baseline or per_step
            print(
                f"{shape.__name__:5} {size:>7} steps: {seconds * 1000:9.1f} ms  "
                f"{per_step * 1e6:6.2f} µs/step  ratio to {sizes[0]}: {per_step / baseline:5.2f}"
            )


if __name__ == "__main__":
    main()
