"""Route prints and log records of a function step to that step's log.

``sys.stdout``/``sys.stderr`` are process-wide, but steps run in worker
threads side by side; a proxy sends each write to the sink of the step the
writing thread is running, and everything else to the real stream.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

LogSink = Callable[[str, str], None]

_local = threading.local()
_install_lock = threading.Lock()
_installed = False


class _TaskCapture:
    """The sink and unfinished lines of one asyncio task: async steps share the event loop's thread."""

    def __init__(self, sink: LogSink):
        self.sink = sink
        self.partial: dict[str, str] = {}


_task_capture: ContextVar[_TaskCapture | None] = ContextVar("step_log_capture", default=None)


def _current_sink() -> LogSink | None:
    task = _task_capture.get()
    if task is not None:
        return task.sink
    return getattr(_local, "sink", None)


def _partials():
    """Where the unfinished line of each stream is kept for the writer: its task, else its thread."""
    task = _task_capture.get()
    return task.partial if task is not None else _local.__dict__


class _StreamProxy(io.TextIOBase):
    def __init__(self, name: str, real):
        self._name = name
        self._real = real

    def write(self, text: str) -> int:
        sink = _current_sink()
        if sink is None:
            return self._real.write(text)
        partials = _partials()
        buffer = partials.get(f"partial_{self._name}", "") + text
        *lines, rest = buffer.split("\n")
        for line in lines:
            sink(self._name, line)
        partials[f"partial_{self._name}"] = rest
        return len(text)

    def flush(self) -> None:
        if _current_sink() is None:
            self._real.flush()

    def isatty(self) -> bool:
        return False

    # io.TextIOBase.encoding is a read-only descriptor at runtime, a plain attribute in typeshed.
    @property
    def encoding(self) -> str:  # type: ignore[override]  # pragma: no cover - asked by some libraries
        return getattr(self._real, "encoding", "utf-8")


class _StepLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        sink = _current_sink()
        if sink is not None:
            try:
                sink("log", self.format(record))
            except Exception:  # noqa: BLE001 - logging must never break the step
                self.handleError(record)


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        sys.stdout = _StreamProxy("stdout", sys.stdout)
        sys.stderr = _StreamProxy("stderr", sys.stderr)
        handler = _StepLogHandler(level=logging.INFO)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)
        _installed = True


@contextmanager
def capture_to(sink: LogSink | None) -> Iterator[None]:
    """While the block runs in this thread, its prints and log records go to ``sink``."""
    if sink is None:
        yield
        return
    _install()
    previous = _current_sink()
    _local.sink = sink
    try:
        yield
    finally:
        for name in ("stdout", "stderr"):
            rest = getattr(_local, f"partial_{name}", "")
            if rest:
                sink(name, rest)
            setattr(_local, f"partial_{name}", "")
        _local.sink = previous


@contextmanager
def capture_in_task(sink: LogSink | None) -> Iterator[None]:
    """Inside a coroutine: its prints and log records go to ``sink``, whichever thread runs the loop."""
    if sink is None:
        yield
        return
    _install()
    capture = _TaskCapture(sink)
    token = _task_capture.set(capture)
    try:
        yield
    finally:
        for name in ("stdout", "stderr"):
            rest = capture.partial.get(f"partial_{name}", "")
            if rest:
                sink(name, rest)
        _task_capture.reset(token)
