"""Follow an AsyncFlow script live in the studio: ``await attach(flow, url=..., token=...)``.

Imports no Django: a script needs only this package, ``radical.asyncflow``
and ``rhapsody-py[telemetry]``.  It subscribes to the engine's telemetry
(rhapsody ``TaskCreated`` / ``TaskQueued`` / ``TaskSubmitted`` /
``TaskStarted`` / ``TaskCompleted`` / ``TaskFailed`` / ``TaskCanceled``) and
streams it to ``/api/external-runs/``: each ``@flow.block`` call becomes a
run, its tasks the run's steps, and tasks outside any block one more run.

What the telemetry does not say is inferred, and marked so (see the README):

- start: backends without a RUNNING callback (AsyncFlow's local backend)
  emit no ``TaskStarted``; their tasks start when submitted, so
  ``TaskSubmitted`` stands for the start, marked ``inferred``.
- dependencies: a task awaited after another inside the same block carries
  no dependency; a task created after tasks of its block have finished is
  taken to depend on those of them that no other finished sibling already
  follows (``inferred_depends_on``: the order of awaits).
- block ends: blocks emit no completion event; the block's own future in
  the engine tells when and how it ended (sent through the telemetry bus as
  ``studio.BlockEnded``, so it follows the block's last task reports).
- results and errors come from the task's future in the engine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from typing import Any

__all__ = ["Attachment", "attach"]

logger = logging.getLogger(__name__)

LOOSE = "__loose__"
BLOCK_ENDED = "studio.BlockEnded"
_BLOCK_ENDED_CLASS = None


def _block_ended():
    global _BLOCK_ENDED_CLASS
    if _BLOCK_ENDED_CLASS is None:
        from rhapsody.telemetry.events import define_event

        _BLOCK_ENDED_CLASS = define_event(BLOCK_ENDED, state=str, error=(str, ""))
    return _BLOCK_ENDED_CLASS


def make_event(*args, **kwargs):
    from rhapsody.telemetry.events import make_event as rhapsody_make_event

    return rhapsody_make_event(*args, **kwargs)


# Backends that never report RUNNING to the engine: their tasks start on submission.
STARTS_ON_SUBMIT = {"LocalExecutionBackend", "NoopExecutionBackend"}


def _safe(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return repr(value)


class Attachment:
    """The live link between one WorkflowEngine and the studio; ``close()`` flushes and ends its runs."""

    def __init__(self, flow, *, url: str, token: str, name: str, flush_interval: float):
        self.flow = flow
        self.url = url.rstrip("/")
        self.token = token
        self.name = name
        self.flush_interval = flush_interval
        self.campaign: int | None = None
        self.runs: dict[str, int] = {}  # block uid (or LOOSE) -> studio run id
        self._queue: asyncio.Queue = asyncio.Queue()
        self._sender: asyncio.Task | None = None
        self._task_run: dict[str, str] = {}  # task uid -> block uid
        self._block_tasks: dict[str, list[str]] = {}  # block uid -> task uids in creation order
        self._finished: dict[str, float] = {}  # task uid -> when it finished
        self._ancestors: dict[str, set[str]] = {}
        self._starts_on_submit = type(getattr(flow, "backend", None)).__name__ in STARTS_ON_SUBMIT
        self._closed = False
        self.errors: list[str] = []

    # --- HTTP (in a thread: the script's loop never waits on the network) ---------
    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"studio answered {exc.code} to {path}: {exc.read()[:500]!r}") from None

    async def _run_id(self, block: str) -> int:
        if block not in self.runs:
            component = self.flow.components.get(block, {}) if block != LOOSE else {}
            description = component.get("description", {})
            name = description.get("name") or "tasks outside blocks"
            args = [_safe(a) for a in description.get("args", ())]
            title = f"{name}({', '.join(repr(a) for a in args)})" if block != LOOSE else name
            body = {
                "campaign_name": self.name,
                "key": f"{self.flow.uid}/{block}",
                "title": title,
                "parameters": {"block": name, "args": args},
            }
            if self.campaign is not None:
                body["campaign"] = self.campaign
            created = await asyncio.to_thread(self._post, "/api/external-runs/", body)
            self.campaign = created["campaign"]
            self.runs[block] = created["id"]
        return self.runs[block]

    async def _send_forever(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:
                return
            batch = [first]
            await asyncio.sleep(self.flush_interval)
            stop = False
            while not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stop = True
                    break
                batch.append(item)
            await self._send(batch)
            if stop:
                return

    async def _send(self, batch: list[tuple[str, dict]]) -> None:
        by_run: dict[str, list[dict]] = {}
        for block, event in batch:
            by_run.setdefault(block, []).append(event)
        for block, events in by_run.items():
            try:
                run_id = await self._run_id(block)
                await asyncio.to_thread(self._post, f"/api/external-runs/{run_id}/events/", {"events": events})
            except Exception as exc:  # noqa: BLE001 - monitoring must never break the script
                self.errors.append(str(exc))
                logger.warning("attach: could not report to %s: %s", self.url, exc)

    # --- telemetry -----------------------------------------------------------------
    def _emit(self, block: str, event: dict) -> None:
        if not self._closed:
            self._queue.put_nowait((block, event))

    def on_event(self, event) -> None:
        """Telemetry subscriber: turn one rhapsody event into studio reports."""
        uid = event.task_id
        if not uid:
            return
        kind = event.event_type
        attributes = event.attributes or {}
        if kind == BLOCK_ENDED:
            self._emit(
                uid, {"type": "finished", "state": event.state, "error": event.error or None, "at": event.event_time}
            )
            return
        if kind == "TaskCreated":
            if uid.startswith("block."):
                self._watch_block(uid)
                return
            self._created(uid, event, attributes)
            return
        block = self._task_run.get(uid)
        if block is None:
            return
        at = event.event_time
        if kind == "TaskQueued":
            self._emit(block, {"type": "queued", "task": uid, "at": at})
        elif kind == "TaskSubmitted" and self._starts_on_submit:
            self._emit(block, {"type": "started", "task": uid, "at": at, "inferred": True})
        elif kind == "TaskStarted":
            self._emit(block, {"type": "started", "task": uid, "at": at})
        elif kind in ("TaskCompleted", "TaskFailed", "TaskCanceled"):
            self._finished[uid] = at
            report = {
                "type": {"TaskCompleted": "completed", "TaskFailed": "failed", "TaskCanceled": "cancelled"}[kind],
                "task": uid,
                "at": at,
            }
            future = self.flow.components.get(uid, {}).get("future")
            if future is not None and future.done() and not future.cancelled():
                if future.exception() is not None:
                    report["error"] = f"{type(future.exception()).__name__}: {future.exception()}"
                elif kind == "TaskCompleted":
                    report["result"] = _safe(future.result())
            self._emit(block, report)

    def _created(self, uid: str, event, attributes: dict) -> None:
        block = attributes.get("asyncflow.workflow_id") or LOOSE
        if block != LOOSE and not str(block).startswith("block."):
            block = str(block)  # a workflow_scope() label groups like a block
        self._task_run[uid] = block
        depends_on = [d for d in attributes.get("depends_on") or [] if d in self._task_run]
        siblings = self._block_tasks.setdefault(block, [])
        ancestors = set()
        for dep in depends_on:
            ancestors |= {dep, *self._ancestors.get(dep, ())}
        # The order of awaits: sibling tasks that had finished before this one
        # was created, and that no other such sibling already follows.
        done_before = [s for s in siblings if s in self._finished and s not in ancestors]
        frontier = [
            s
            for s in done_before
            if not any(s in self._ancestors.get(other, ()) for other in done_before if other != s)
        ]
        inferred = frontier if block != LOOSE else []
        for dep in inferred:
            ancestors |= {dep, *self._ancestors.get(dep, ())}
        self._ancestors[uid] = ancestors
        siblings.append(uid)
        description = self.flow.components.get(uid, {}).get("description", {})
        self._emit(
            block,
            {
                "type": "created",
                "task": uid,
                "at": event.event_time,
                "name": description.get("name") or attributes.get("executable") or "task",
                "task_type": attributes.get("task_type"),
                "depends_on": depends_on,
                "inferred_depends_on": inferred,
                "backend": event.backend,
            },
        )

    def _watch_block(self, uid: str) -> None:
        component = self.flow.components.get(uid)
        if component is None:
            return
        self._block_tasks.setdefault(uid, [])

        def ended(future) -> None:
            if future.cancelled():
                state, error = "cancelled", None
            elif future.exception() is not None:
                state, error = "failed", f"{type(future.exception()).__name__}: {future.exception()}"
            else:
                state, error = "succeeded", None
            # Through the telemetry bus, so the end arrives after the block's last task reports.
            telemetry = self.flow._telemetry
            telemetry.emit(
                make_event(
                    _block_ended(),
                    session_id=telemetry.session_id,
                    backend="asyncflow",
                    task_id=uid,
                    state=state,
                    error=error or "",
                )
            )

        component["future"].add_done_callback(ended)

    # --- lifecycle -------------------------------------------------------------------
    async def close(self) -> None:
        """Send what is left; the run of loose tasks ends with the script."""
        if self._closed:
            return
        await asyncio.sleep(max(self.flush_interval, 0.3))  # let the telemetry queue drain
        if LOOSE in self._block_tasks:
            failed = any(
                self.flow.components.get(t, {}).get("future") is not None
                and self.flow.components[t]["future"].done()
                and not self.flow.components[t]["future"].cancelled()
                and self.flow.components[t]["future"].exception() is not None
                for t in self._block_tasks[LOOSE]
            )
            self._emit(LOOSE, {"type": "finished", "state": "failed" if failed else "succeeded", "at": time.time()})
        self._closed = True
        self._queue.put_nowait(None)
        if self._sender is not None:
            await self._sender


async def attach(flow, *, url: str, token: str, name: str | None = None, flush_interval: float = 0.2) -> Attachment:
    """Stream ``flow``'s tasks to the studio at ``url`` as live runs, authenticated with an API token.

    Call it right after creating the engine; ``await flow.shutdown()`` then
    flushes the last reports before the engine stops (or call ``close()``).
    """
    telemetry = getattr(flow, "_telemetry", None) or await flow.start_telemetry()
    script = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "script"
    attachment = Attachment(
        flow, url=url, token=token, name=name or f"{script} (AsyncFlow)", flush_interval=flush_interval
    )
    telemetry.subscribe(attachment.on_event)
    attachment._sender = asyncio.create_task(attachment._send_forever(), name="studio-attach")
    original_shutdown = flow.shutdown

    async def shutdown(*args, **kwargs):
        await attachment.close()
        return await original_shutdown(*args, **kwargs)

    flow.shutdown = shutdown
    return attachment
