"""How a step's log reads: a header line per attempt, and lines of streams other than stdout prefixed.

The stored log (``selectors.step_log_text``) and the live ``step.log`` events
(``services/logs.py``: ``header`` and ``prefix`` in the event's data) both come
from here, so the browser shows exactly what the download holds.
"""

from __future__ import annotations

from collections.abc import Iterable

PLAIN_STREAMS = frozenset({"stdout", "marker"})


def attempt_header(attempt: int) -> str:
    return f"=== attempt {attempt} ==="


def stream_prefix(stream: str) -> str:
    return "" if stream in PLAIN_STREAMS else f"[{stream}] "


def item_prefix(item: int | None) -> str:
    """A ``for_each`` item's lines are stored with this prefix, after the stream's."""
    return "" if item is None else f"[item {item}] "


def log_lines(chunks: Iterable[tuple[int, str, str]]) -> list[str]:
    """The lines of ``(attempt, stream, text)`` chunks in order, each attempt under its header."""
    lines: list[str] = []
    attempt = None
    for chunk_attempt, stream, text in chunks:
        if chunk_attempt != attempt:
            attempt = chunk_attempt
            lines.append(attempt_header(attempt))
        prefix = stream_prefix(stream)
        lines.extend(prefix + line for line in text.split("\n"))
    return lines
