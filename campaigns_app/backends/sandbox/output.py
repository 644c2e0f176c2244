"""A step's stdout/stderr read in chunks: lines to the log, the last line kept as the result, all bounded.

A line is never held whole: the log gets at most ``LOG_LINE_MAX_BYTES`` of
it (with a marker saying how long it was), and the result candidate keeps a
line only while it fits the result limit; past it only its length is counted.
So a step printing one 100 MB line costs the worker about the result limit,
not the line.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

CHUNK_BYTES = 65536
LOG_LINE_MAX_BYTES = 16384
STDERR_TAIL_LINES = 40
STDERR_TAIL_CHARS = 2000


@dataclass
class ResultLine:
    """The last non-blank stdout line: its text when it fits the limit, else only its size."""

    text: str | None = None
    size: int = 0
    too_large: bool = False


class LineStream:
    """Splits one stream into lines as chunks arrive, never buffering more than its bounds."""

    def __init__(
        self, stream: str, sink: Callable[[str, str], None] | None, *, keep_bytes: int, tail: deque | None = None
    ):
        self.stream, self.sink, self.tail = stream, sink, tail
        self.keep_bytes = keep_bytes
        self._hold = max(keep_bytes, LOG_LINE_MAX_BYTES)
        self.result = ResultLine()
        self._kept = bytearray()  # the current line, while it is at most _hold bytes
        self._size = 0
        self._blank = True
        self._dropped = False

    def feed(self, chunk: bytes) -> None:
        start = 0
        while start < len(chunk):
            end = chunk.find(b"\n", start)
            self._extend(chunk[start:] if end < 0 else chunk[start:end])
            if end < 0:
                return
            self._end_line()
            start = end + 1

    def close(self) -> None:
        if self._size:
            self._end_line()

    def _extend(self, piece: bytes) -> None:
        if not piece:
            return
        if self._blank and piece.strip():
            self._blank = False
        self._size += len(piece)
        if self._dropped:
            return
        if self._size <= self._hold:
            self._kept += piece
            return
        # Too long to keep: its head goes to the log now, then only its length is counted.
        head = (bytes(self._kept) + piece[:LOG_LINE_MAX_BYTES])[:LOG_LINE_MAX_BYTES]
        self._log(_cut(head))
        self._kept = bytearray()
        self._dropped = True

    def _end_line(self) -> None:
        size, blank = self._size, self._blank
        line = None if self._dropped else self._kept.decode(errors="replace").removesuffix("\r")
        if line is not None:
            self._log(line if len(self._kept) <= LOG_LINE_MAX_BYTES else _cut(bytes(self._kept[:LOG_LINE_MAX_BYTES])))
            if self.tail is not None:
                self.tail.append(line[:STDERR_TAIL_CHARS])
        if not blank:
            too_large = size > self.keep_bytes
            self.result = ResultLine(text=None if too_large else line, size=size, too_large=too_large)
        self._kept = bytearray()
        self._size, self._blank, self._dropped = 0, True, False

    def _log(self, line: str) -> None:
        if self.sink is not None:
            self.sink(self.stream, line)


def _cut(head: bytes) -> str:
    return head.decode(errors="replace") + f" [line cut: longer than {LOG_LINE_MAX_BYTES} bytes]"


def pump(fd: int, lines: LineStream) -> None:
    """Read ``fd`` until end of file, feeding ``lines``; closes the descriptor."""
    try:
        while True:
            chunk = os.read(fd, CHUNK_BYTES)
            if not chunk:
                break
            lines.feed(chunk)
        lines.close()
    finally:
        os.close(fd)


def parse_result(line: ResultLine, limit: int):
    """The step's result from its last line: JSON when it parses, else the text; ValueError when too large."""
    if line.too_large:
        raise ValueError(f"result is {line.size} bytes, over the {limit}-byte limit (the last stdout line)")
    if line.text is None:
        return None
    text = line.text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text
