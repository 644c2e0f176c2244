"""A campaign's layout (step positions, sticky notes): checked, merged into saves, and read back with its graph.

The layout lives on the campaign, not on a version: a save that only moves steps or edits notes keeps the
version number.  ``graph/layout.py`` holds the rules; this module applies them to campaigns.

Each change of the layout bumps its revision (stored beside it, ``Campaign.layout["revision"]``).  A save
that names the revision it started from (``layout_revision``) and would change a layout someone else has
changed since is refused with 409 and the current layout, so two editors moving steps at once merge their
moves instead of the last save silently putting back every step the other one moved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...graph import GraphError
from ...graph.layout import CampaignLayout, graph_positions, graph_with_positions, layout_normalize
from ...models import Campaign, CampaignVersion
from ..errors import DefinitionInvalid, EditConflict

# A conflict names at most this many steps and notes (a 5,000-step layout would otherwise fill the answer).
CONFLICT_NAMES_SHOWN = 20


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


def layout_revision(campaign: Campaign) -> int:
    """How many times the campaign's layout has changed (0 for one never changed, or stored before revisions)."""
    value = (campaign.layout or {}).get("revision", 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def layout_store(campaign: Campaign, layout: CampaignLayout, *, changed: bool) -> None:
    """Put ``layout`` on the campaign (the caller saves it); a changed layout gets the next revision."""
    campaign.layout = {**layout, "revision": layout_revision(campaign) + (1 if changed else 0)}


def layout_conflict_check(
    campaign: Campaign, *, stored: CampaignLayout, new: CampaignLayout, base_revision: int | None
) -> None:
    """EditConflict when a save started from revision ``base_revision`` would change a layout changed since.

    Without ``base_revision`` (scripts, older clients) the save wins as before; a save that leaves the
    layout as it is never conflicts.
    """
    current = layout_revision(campaign)
    if base_revision is None or base_revision == current or new == stored:
        return
    steps = sorted(
        k
        for k in set(stored["positions"]) | set(new["positions"])
        if stored["positions"].get(k) != new["positions"].get(k)
    )
    old_notes = {n["id"]: n for n in stored["notes"]}
    new_notes = {n["id"]: n for n in new["notes"]}
    notes = sorted(k for k in set(old_notes) | set(new_notes) if old_notes.get(k) != new_notes.get(k))
    differs = []
    if steps:
        differs.append(f"step(s) {_names(steps)}")
    if notes:
        differs.append(f"note(s) {_names(notes)}")
    raise EditConflict(
        {
            "detail": (
                f"the layout of campaign {campaign.name!r} changed since revision {base_revision}: someone else "
                f"moved steps or edited notes, it is at revision {current}. This save would place "
                f"{' and '.join(differs)} differently from it. Keep their moves for what you did not move and "
                f"send layout_revision {current}, or send layout_revision {current} as is to overwrite."
            ),
            "code": "layout_conflict",
            "base_layout_revision": base_revision,
            "layout_revision": current,
            "layout": stored,
            "steps": steps[:CONFLICT_NAMES_SHOWN],
            "notes": notes[:CONFLICT_NAMES_SHOWN],
        }
    )


def _names(ids: list[str]) -> str:
    shown = ", ".join(ids[:CONFLICT_NAMES_SHOWN])
    return shown if len(ids) <= CONFLICT_NAMES_SHOWN else f"{shown} and {len(ids) - CONFLICT_NAMES_SHOWN} more"
