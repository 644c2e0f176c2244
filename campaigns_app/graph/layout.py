"""A campaign's layout: where its steps sit on the canvas and the sticky notes beside them (pure Python).

Layout is not definition: moving a step or writing a note changes no run, so it is kept on the campaign
and saved without a new version.  A version still carries the step positions it was saved with, so an old
version opens as it looked.  Every fault names the field ``layout`` and the position or note at fault.
"""

# No `from __future__ import annotations`: TypedDict reads NotRequired only from evaluated annotations.
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from .errors import GraphError, GraphFault
from .parameters import UNSTORABLE_TEXT, is_number
from .shapes import Position

NOTE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
NOTE_COLORS = ("yellow", "blue", "green", "pink", "purple", "grey")
NOTE_FIELDS = {"id", "text", "x", "y", "width", "height", "color"}
LAYOUT_FIELDS = {"positions", "notes"}
# Far beyond any canvas a person scrolls, near enough that a float stays exact after rounding.
COORDINATE_LIMIT = 1_000_000
NOTE_MIN_SIZE, NOTE_MAX_SIZE = 60, 2000
NOTE_DEFAULT_WIDTH, NOTE_DEFAULT_HEIGHT = 220, 140


class StickyNote(TypedDict):
    """A markdown note on the canvas; the editor renders it as text, never as HTML."""

    id: str
    text: str
    x: float
    y: float
    width: float
    height: float
    color: NotRequired[str | None]


class CampaignLayout(TypedDict):
    """Step positions by step id, and the canvas's sticky notes."""

    positions: dict[str, Position]
    notes: list[StickyNote]


@dataclass(frozen=True)
class LayoutLimits:
    max_notes: int = 100
    max_note_chars: int = 10_000


DEFAULT_LAYOUT_LIMITS = LayoutLimits()


def _fault(message: str) -> GraphFault:
    return GraphFault(message, field="layout")


def _coordinate(value: Any) -> bool:
    return is_number(value) and abs(value) <= COORDINATE_LIMIT


def _positions(raw: Any, step_ids: Collection[str], faults: list[GraphFault]) -> dict[str, Position]:
    if not isinstance(raw, Mapping):
        faults.append(_fault("layout.positions must be an object of step id → {x, y}"))
        return {}
    if len(raw) > len(step_ids):
        # Cheap refusal before a huge object is walked key by key.
        faults.append(_fault(f"layout.positions has {len(raw):,} entries, the graph has {len(step_ids):,} steps"))
        return {}
    out: dict[str, Position] = {}
    for step_id, position in raw.items():
        if not isinstance(step_id, str) or step_id not in step_ids:
            shown = step_id[:64] if isinstance(step_id, str) else step_id
            faults.append(_fault(f"layout.positions: no step {shown!r} in the graph"))
            continue
        if not isinstance(position, Mapping) or set(position) - {"x", "y"}:
            faults.append(_fault(f"layout.positions[{step_id!r}] must be {{x, y}}"))
            continue
        if not all(_coordinate(position.get(k)) for k in ("x", "y")):
            faults.append(
                _fault(f"layout.positions[{step_id!r}]: x and y must be numbers within ±{COORDINATE_LIMIT:,}")
            )
            continue
        out[step_id] = {"x": position["x"], "y": position["y"]}
    return out


def _note(raw: Any, index: int, seen: set[str], limits: LayoutLimits, faults: list[GraphFault]) -> StickyNote | None:
    if not isinstance(raw, Mapping):
        faults.append(_fault(f"layout.notes[{index}] must be an object with id, text, x, y"))
        return None
    note_id = raw.get("id")
    if not isinstance(note_id, str) or not NOTE_ID.match(note_id):
        faults.append(_fault(f"layout.notes[{index}]: id must be letters, digits, _ or - (at most 64)"))
        return None
    name = f"note {note_id!r}"
    if note_id in seen:
        faults.append(_fault(f"{name}: two notes have this id"))
        return None
    seen.add(note_id)
    before = len(faults)
    unknown = sorted(str(k)[:40] for k in set(raw) - NOTE_FIELDS)
    if unknown:
        faults.append(_fault(f"{name}: unknown field(s) {', '.join(unknown)}"))
    text = raw.get("text", "")
    if not isinstance(text, str):
        faults.append(_fault(f"{name}: text must be a string"))
    elif len(text) > limits.max_note_chars:
        faults.append(_fault(f"{name}: text is {len(text):,} characters, at most {limits.max_note_chars:,}"))
    elif UNSTORABLE_TEXT.search(text):
        faults.append(_fault(f"{name}: text holds a NUL character or an unpaired surrogate"))
    for key in ("x", "y"):
        if not _coordinate(raw.get(key)):
            faults.append(_fault(f"{name}: {key} must be a number within ±{COORDINATE_LIMIT:,}"))
    size = {"width": raw.get("width", NOTE_DEFAULT_WIDTH), "height": raw.get("height", NOTE_DEFAULT_HEIGHT)}
    for key, value in size.items():
        if not is_number(value) or not NOTE_MIN_SIZE <= value <= NOTE_MAX_SIZE:
            faults.append(_fault(f"{name}: {key} must be a number from {NOTE_MIN_SIZE} to {NOTE_MAX_SIZE}"))
    color = raw.get("color")
    if color is not None and color not in NOTE_COLORS:
        shown = color[:20] if isinstance(color, str) else color
        faults.append(_fault(f"{name}: color {shown!r} is not one of {', '.join(NOTE_COLORS)}"))
    if len(faults) > before:
        return None
    note: StickyNote = {
        "id": note_id,
        "text": text,
        "x": raw["x"],
        "y": raw["y"],
        "width": size["width"],
        "height": size["height"],
    }
    if color is not None:
        note["color"] = color
    return note


def _notes(raw: Any, limits: LayoutLimits, faults: list[GraphFault]) -> list[StickyNote]:
    if not isinstance(raw, list):
        faults.append(_fault("layout.notes must be a list of notes"))
        return []
    if len(raw) > limits.max_notes:
        faults.append(_fault(f"layout.notes: {len(raw):,} notes, at most {limits.max_notes}"))
        return []
    seen: set[str] = set()
    notes = [_note(item, i, seen, limits, faults) for i, item in enumerate(raw)]
    return [n for n in notes if n is not None]


def layout_normalize(
    raw: Any, *, step_ids: Collection[str], limits: LayoutLimits = DEFAULT_LAYOUT_LIMITS
) -> dict[str, Any]:
    """The layout's given parts (``positions``, ``notes``) normalised, or GraphError naming each fault.

    A part left out stays out of the answer, so a caller can tell "no notes sent" from "no notes".
    """
    faults: list[GraphFault] = []
    out: dict[str, Any] = {}
    if not isinstance(raw, Mapping):
        raise GraphError([_fault("layout must be an object with positions and notes")])
    unknown = sorted(str(k)[:40] for k in set(raw) - LAYOUT_FIELDS)
    if unknown:
        faults.append(_fault(f"layout: unknown field(s) {', '.join(unknown)} (positions, notes)"))
    if "positions" in raw:
        out["positions"] = _positions(raw["positions"], step_ids, faults)
    if "notes" in raw:
        out["notes"] = _notes(raw["notes"], limits, faults)
    if faults:
        raise GraphError(faults[:20])
    return out


def graph_positions(graph: Mapping[str, Any]) -> dict[str, Position]:
    """Where the graph's own steps say they sit."""
    # A saved graph's positions were checked at save ({x, y} numbers).
    return {
        s["id"]: Position(x=s["position"]["x"], y=s["position"]["y"])
        for s in graph.get("steps", [])
        if s.get("position")
    }


def graph_without_layout(graph: Mapping[str, Any]) -> dict[str, Any]:
    """The graph with its step positions taken out: what decides whether a save is a new version."""
    steps = [{k: v for k, v in s.items() if k != "position"} for s in graph.get("steps", [])]
    return {**graph, "steps": steps}


def graph_with_positions(graph: Mapping[str, Any], positions: Mapping[str, Position]) -> dict[str, Any]:
    """The graph with each step placed where ``positions`` says (steps it does not name stay put)."""
    steps = [{**s, "position": dict(positions[s["id"]])} if s["id"] in positions else s for s in graph["steps"]]
    return {**graph, "steps": steps}
