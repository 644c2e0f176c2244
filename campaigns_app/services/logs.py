"""Live step logs: lines from a running step are batched (at most every 100 ms) into ``step.log`` events.

Every batch is stored as a ``StepLogChunk`` and an event with the run's next
seq, in one transaction, like any other event.  A step's log is capped
(``STUDIO_LOG_MAX_BYTES``); past the cap one marker line says so and the rest
is dropped.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections

from ..logformat import attempt_header, item_prefix, stream_prefix
from ..models import StepLogChunk
from .ledger import run_locked

logger = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.1


class _AttemptHeader:
    """Whether an attempt's header line went out, shared by the logs of that attempt (the step's and its items')."""

    def __init__(self) -> None:
        self.sent = False
        self.open_logs = 0


# (step run, attempt) → its header, while a log of that attempt is open.
_headers: dict[tuple[int, int], _AttemptHeader] = {}


class StepLog:
    """The log sink of one attempt of one step; thread-safe, flushed by the pump."""

    def __init__(
        self, *, step_run_id: int, run_id: int, step_id: str, attempt: int, used_bytes: int = 0, item: int | None = None
    ):
        self.step_run_id, self.run_id, self.step_id, self.attempt = step_run_id, run_id, step_id, attempt
        # The for_each item this log belongs to: its events carry the index, its stored lines a prefix.
        self.item = item
        self.limit = settings.STUDIO_LOG_MAX_BYTES
        self.used = used_bytes
        self.cut = False
        # The first event of the attempt carries its header line; an attempt's for_each items share one.
        self.header = _AttemptHeader()
        self._pending: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        # The pump and the closing step may flush at once; batches stay in order.
        self._flush_lock = threading.Lock()

    def __call__(self, stream: str, line: str) -> None:
        with self._lock:
            if self.cut:
                return
            size = len(line.encode(errors="replace")) + 1
            if self.used + size > self.limit:
                self.cut = True
                line, stream = f"[log cut: over {self.limit} bytes for this step]", "marker"
            self.used += size
            self._pending.append((stream, line))

    def take(self) -> list[tuple[str, str]]:
        with self._lock:
            pending, self._pending = self._pending, []
        return pending

    def flush(self) -> None:
        with self._flush_lock:
            lines = self.take()
            if lines:
                step_log_append(log=self, lines=lines)


def step_log_append(*, log: StepLog, lines: list[tuple[str, str]]) -> None:
    """Store a batch of log lines and their ``step.log`` events (one per stream run of lines)."""
    groups: list[tuple[str, list[str]]] = []
    for stream, text in lines:
        if groups and groups[-1][0] == stream:
            groups[-1][1].append(text)
        else:
            groups.append((stream, [text]))
    prefix = item_prefix(log.item)
    with run_locked(log.run_id) as ledger:
        StepLogChunk.objects.bulk_create(
            StepLogChunk(
                step_run_id=log.step_run_id,
                attempt=log.attempt,
                stream=stream,
                text="\n".join(prefix + t for t in texts),
            )
            for stream, texts in groups
        )
        for index, (stream, texts) in enumerate(groups):
            data = {"attempt": log.attempt, "stream": stream, "lines": texts, "prefix": stream_prefix(stream) + prefix}
            if log.item is not None:
                data["item"] = log.item
            if index == 0 and not log.header.sent:
                data["header"] = attempt_header(log.attempt)
                log.header.sent = True
            ledger.record("step.log", "", step_id=log.step_id, data=data)


class _Pump:
    """One thread per process flushes every open step log every 100 ms."""

    def __init__(self) -> None:
        self.logs: set[StepLog] = set()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="step-log-pump", daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while True:
            time.sleep(FLUSH_INTERVAL_S)
            with self.lock:
                open_logs = list(self.logs)
            for log in open_logs:
                try:
                    log.flush()
                except Exception:  # a log write must never stop the pump
                    logger.exception("storing log lines of step run %s failed", log.step_run_id)
            close_old_connections()


_pump: _Pump | None = None
_pump_lock = threading.Lock()


def step_log_open(**kwargs) -> StepLog:
    global _pump
    with _pump_lock:
        if _pump is None or not _pump.thread.is_alive():
            _pump = _Pump()
        log = StepLog(**kwargs)
        log.header = _headers.setdefault((log.step_run_id, log.attempt), log.header)
        log.header.open_logs += 1
    with _pump.lock:
        _pump.logs.add(log)
    return log


def step_log_close(log: StepLog) -> None:
    """Stop pumping and store what is left, so the log is complete before the outcome is recorded."""
    if _pump is not None:
        with _pump.lock:
            _pump.logs.discard(log)
    log.flush()
    with _pump_lock:
        log.header.open_logs -= 1
        if log.header.open_logs <= 0:
            _headers.pop((log.step_run_id, log.attempt), None)
