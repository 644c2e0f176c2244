"""Blocks: named groups of steps (nestable), and edges that join blocks.

An edge from a block means "from every sink step of the block", an edge to a
block "to every source step of the block"; sources and sinks are judged by
the edges among the block's own members.  ``expand_edges`` turns a graph into
plain step → step edges, which is all the scheduler ever sees.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import GraphFault

BLOCK_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")


def normalize_blocks(raw: Any, step_ids: set[str], faults: list[GraphFault]) -> list[dict]:
    """Validate ``graph.blocks``: unique ids (distinct from step ids), parents that exist, no parent cycle."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        faults.append(GraphFault("graph.blocks must be a list"))
        return []
    blocks: list[dict] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping) or not isinstance(item.get("id"), str) or not BLOCK_ID.match(item["id"]):
            faults.append(GraphFault(f"blocks[{index}] needs an id of letters, digits, _ or -"))
            continue
        block_id = item["id"]
        if block_id in seen or block_id in step_ids:
            faults.append(GraphFault(f"block id {block_id!r} is used twice (block ids and step ids share one space)"))
            continue
        seen.add(block_id)
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            faults.append(GraphFault(f"block {block_id!r}: parent must be a block id or null"))
            parent = None
        name = item.get("name") or block_id
        blocks.append({"id": block_id, "name": name if isinstance(name, str) else block_id, "parent": parent})
    by_id = {b["id"]: b for b in blocks}
    for block in blocks:
        if block["parent"] is not None and block["parent"] not in by_id:
            faults.append(GraphFault(f"block {block['id']!r}: parent {block['parent']!r} is not a block"))
            block["parent"] = None
    for block in blocks:
        chain, node = [block["id"]], block["parent"]
        while node is not None:
            if node in chain:
                faults.append(GraphFault(f"blocks nest in a cycle: {' -> '.join(chain + [node])}"))
                block["parent"] = None
                break
            chain.append(node)
            node = by_id[node]["parent"]
    return blocks


def _ancestors_of_block(block_id: str | None, parents: Mapping[str, str | None]) -> list[str]:
    chain = []
    while block_id is not None:
        chain.append(block_id)
        block_id = parents.get(block_id)
    return chain


def block_members(graph: Mapping) -> dict[str, set[str]]:
    """Each block's steps, including those of nested blocks."""
    parents = {b["id"]: b.get("parent") for b in graph.get("blocks", []) or []}
    members: dict[str, set[str]] = {b: set() for b in parents}
    for step in graph.get("steps", []):
        for block_id in _ancestors_of_block(step.get("block"), parents):
            if block_id in members:
                members[block_id].add(step["id"])
    return members


def expand_edges(graph: Mapping) -> tuple[list[tuple[str, str]], list[GraphFault]]:
    """Step-level edges of a graph whose edges may name blocks; faults for blocks with no steps.

    Linear in the graph plus the edges it yields: each block's sinks and sources are worked out once, from
    the step edges among its members (all expanded before any edge reaching the block, see below), by looking
    at each member's own edges.  An edge between blocks yields sinks × sources step edges: the scheduler gives
    a step the results of its step-level predecessors, so no virtual join may stand between them.
    """
    blocks = graph.get("blocks", []) or []
    parents = {b["id"]: b.get("parent") for b in blocks}
    step_block = {s["id"]: s.get("block") for s in graph.get("steps", [])}
    members = block_members(graph)
    faults: list[GraphFault] = []
    chains: dict[str | None, tuple[str, ...]] = {None: ()}

    def chain_of(block_id: str | None) -> tuple[str, ...]:
        if block_id not in chains:
            chains[block_id] = tuple(_ancestors_of_block(block_id, parents))
        return chains[block_id]

    def common_depth(a: str, b: str) -> int:
        # Each chain runs innermost → outermost, so the shared part is a common tail: its length is the depth.
        ca = chain_of(parents.get(a) if a in parents else step_block.get(a))
        cb = chain_of(parents.get(b) if b in parents else step_block.get(b))
        depth = 0
        while depth < min(len(ca), len(cb)) and ca[-1 - depth] == cb[-1 - depth]:
            depth += 1
        return depth

    step_edges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    successors: dict[str, set[str]] = {}
    predecessors: dict[str, set[str]] = {}

    def add(pair: tuple[str, str]) -> None:
        if pair not in seen:
            seen.add(pair)
            step_edges.append(pair)
            successors.setdefault(pair[0], set()).add(pair[1])
            predecessors.setdefault(pair[1], set()).add(pair[0])
            shared = common_depth(*pair) if ends_of else 0
            if shared:
                # Only an edge from a block to one of its own members lands inside a block already looked at.
                chain = chain_of(step_block.get(pair[0]))
                for block_id in chain[len(chain) - shared :]:
                    ends_of.pop((block_id, "sinks"), None)
                    ends_of.pop((block_id, "sources"), None)

    ends_of: dict[tuple[str, str], list[str]] = {}

    def block_ends(block_id: str, pick: str) -> list[str]:
        if (block_id, pick) not in ends_of:
            inside = members[block_id]
            links = successors if pick == "sinks" else predecessors
            ends_of[block_id, pick] = sorted(
                s for s in inside if not any(other in inside for other in links.get(s, ()))
            )
        return ends_of[block_id, pick]

    # Innermost edges first: a block's sources and sinks are decided by the edges inside it, which all sit
    # deeper than any edge reaching it, so they are final (and cached) by the time one does.
    edges = [(e["source"], e["target"]) for e in graph.get("edges", [])]
    for source, target in sorted(edges, key=lambda e: -common_depth(*e)):
        ends = []
        for end, pick in ((source, "sinks"), (target, "sources")):
            if end not in members:
                ends.append([end])
            elif not members[end]:
                faults.append(
                    GraphFault(
                        f"block {end!r} has no steps, so edge {source} -> {target} joins nothing", edge=(source, target)
                    )
                )
                ends.append([])
            else:
                ends.append(block_ends(end, pick))
        for a in ends[0]:
            for b in ends[1]:
                if a != b:
                    add((a, b))
    return step_edges, faults
