"""How the states of children (a block's steps, a run's steps, a batch's runs) fold into their parent's state.

One rule for all three, pure Python: while any child can still make
progress the parent is ``pending`` (nothing started), ``queued`` (everything
waits in a queue) or ``running``; once every child has ended, the parent
succeeded only if every child did, a cancel outranks a failure (someone
stopped it on purpose), and steps skipped behind a failure count as failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

ACTIVE = frozenset({"pending", "queued", "running"})
ENDED = frozenset({"succeeded", "failed", "cancelled", "skipped"})


def children_state(states: Iterable[str] | Mapping[str, int]) -> str:
    """The parent's state from its children's states (a list of states, or counts by state)."""
    counts = (
        Counter(states) if not isinstance(states, Mapping) else Counter({state: n for state, n in states.items() if n})
    )
    present = set(counts)
    if not present:
        return "pending"
    if present & ACTIVE:
        if present == {"pending"}:
            return "pending"
        if present == {"queued"}:
            return "queued"
        return "running"
    if present == {"succeeded"}:
        return "succeeded"
    if "cancelled" in present:
        return "cancelled"
    if present == {"skipped"}:
        return "skipped"
    return "failed"


def run_outcome(step_states: Iterable[str] | Mapping[str, int]) -> str | None:
    """A run's final state from its steps' states, or None while a step can still make progress.

    A run is never ``skipped``: its steps are skipped only behind a failure.
    """
    state = children_state(step_states)
    if state in ACTIVE:
        return None
    return "failed" if state == "skipped" else state
