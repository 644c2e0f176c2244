"""Campaign graphs that tests build again and again: steps one after the other."""

from __future__ import annotations

from itertools import pairwise


def chain(*steps: dict) -> dict:
    """A graph of ``steps``, each after the one before it."""
    return {"steps": list(steps), "edges": [{"source": a["id"], "target": b["id"]} for a, b in pairwise(steps)]}


def sleep_chain(count: int, seconds: float) -> dict:
    """Steps s1..s<count>, each sleeping ``seconds`` after the one before."""
    return chain(
        *(
            {"id": f"s{k}", "kind": "function", "function": "sleep", "kwargs": {"seconds": seconds}}
            for k in range(1, count + 1)
        )
    )
