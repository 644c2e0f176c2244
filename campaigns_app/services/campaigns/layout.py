"""A campaign's layout (step positions, sticky notes): checked, merged into saves, and read back with its graph.

The layout lives on the campaign, not on a version: a save that only moves steps or edits notes keeps the
version number.  ``graph/layout.py`` holds the rules; this module applies them to campaigns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...graph import GraphError
from ...graph.layout import CampaignLayout, graph_positions, graph_with_positions, layout_normalize
from ...models import Campaign, CampaignVersion
from ..errors import DefinitionInvalid


def layout_validate(raw: Any, *, graph: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of ``raw`` it gives, normalised against ``graph``'s steps; DefinitionInvalid naming ``layout``."""
    try:
        return layout_normalize(raw, step_ids={s["id"] for s in graph.get("steps", [])})
    except GraphError as exc:
        raise DefinitionInvalid(exc.by_field()) from exc


def layout_effective(stored: Mapping[str, Any] | None, graph: Mapping[str, Any]) -> CampaignLayout:
    """The layout shown with ``graph``: its own positions, moved where the stored layout says; the stored notes.

    Positions of steps the graph no longer has are left out.
    """
    stored = stored or {}
    step_ids = {s["id"] for s in graph.get("steps", [])}
    positions = graph_positions(graph)
    positions.update({k: dict(v) for k, v in (stored.get("positions") or {}).items() if k in step_ids})
    return {"positions": positions, "notes": list(stored.get("notes") or [])}


def layout_merge(
    stored: CampaignLayout, *, graph: Mapping[str, Any], graph_sent: bool, layout: Any = None
) -> CampaignLayout:
    """The layout after a save of ``graph`` (its positions win when it was sent) and ``layout`` (when given).

    ``layout.positions`` moves the steps it names; ``layout.notes``, when given, replaces the notes.
    """
    positions = dict(stored["positions"])
    if graph_sent:
        positions.update(graph_positions(graph))
    notes = stored["notes"]
    if layout is not None:
        given = layout_validate(layout, graph=graph)
        positions.update(given.get("positions", {}))
        notes = given.get("notes", notes)
    step_ids = {s["id"] for s in graph.get("steps", [])}
    return {"positions": {k: v for k, v in positions.items() if k in step_ids}, "notes": notes}


def campaign_graph(campaign: Campaign, version: CampaignVersion | None = None) -> dict[str, Any]:
    """A version's graph (the current one unless given); the current one with the campaign's step positions."""
    current = version is None or version.number == campaign.version
    version = version or campaign.current_version
    if not current:
        return version.graph
    return graph_with_positions(version.graph, layout_effective(campaign.layout, version.graph)["positions"])
