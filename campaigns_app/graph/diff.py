"""What changed between two campaign definitions, field by field (pure Python)."""

from __future__ import annotations

from typing import Any

from .layout import graph_without_layout

_MISSING = object()


def _field_changes(old: dict, new: dict) -> list[dict]:
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before == after:
            continue
        changes.append(
            {"field": key, "from": None if before is _MISSING else before, "to": None if after is _MISSING else after}
        )
    return changes


def _keyed_diff(old: list[dict], new: list[dict], key: str) -> dict[str, list]:
    before = {item[key]: item for item in old}
    after = {item[key]: item for item in new}
    changed = []
    for name in after:
        if name in before and before[name] != after[name]:
            changed.append({key: name, "changes": _field_changes(before[name], after[name])})
    return {
        "added": [after[name] for name in after if name not in before],
        "removed": [before[name] for name in before if name not in after],
        "changed": changed,
    }


def definition_diff(old: dict[str, Any], new: dict[str, Any]) -> dict:
    """Steps and parameters added, removed and changed (with each changed field), edges added and removed.

    ``old`` and ``new`` are ``{"parameters": [...], "graph": {"steps", "edges"}}``.
    Steps are matched by id and parameters by name, so a renamed step shows
    as one removed and one added.  Where a step sits is layout, not a change.
    """
    old_graph = graph_without_layout(old.get("graph") or {})
    new_graph = graph_without_layout(new.get("graph") or {})
    steps = _keyed_diff(old_graph.get("steps", []), new_graph.get("steps", []), "id")
    old_edges = [(e["source"], e["target"]) for e in old_graph.get("edges", [])]
    new_edges = [(e["source"], e["target"]) for e in new_graph.get("edges", [])]
    edges = {
        "added": [{"source": s, "target": t} for s, t in new_edges if (s, t) not in set(old_edges)],
        "removed": [{"source": s, "target": t} for s, t in old_edges if (s, t) not in set(new_edges)],
    }
    parameters = _keyed_diff(old.get("parameters") or [], new.get("parameters") or [], "name")
    empty = not any([*steps.values(), *edges.values(), *parameters.values()])
    return {"steps": steps, "edges": edges, "parameters": parameters, "identical": empty}


def diff_summary(diff: dict) -> str:
    """One line for people: "2 steps added, 1 changed; 1 edge removed"."""
    parts = []
    for section, kinds, noun in (
        ("steps", ("added", "removed", "changed"), "step"),
        ("edges", ("added", "removed"), "edge"),
        ("parameters", ("added", "removed", "changed"), "parameter"),
    ):
        counts = [(kind, len(diff[section][kind])) for kind in kinds if diff[section][kind]]
        if counts:
            first_kind, first_n = counts[0]
            words = [f"{first_n} {noun}{'s' if first_n != 1 else ''} {first_kind}"]
            words += [f"{n} {kind}" for kind, n in counts[1:]]
            parts.append(", ".join(words))
    return "; ".join(parts) or "no changes"
