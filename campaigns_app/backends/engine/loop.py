"""``AsyncFlowEngine``: the engine and its execution backend on an asyncio loop in a thread of their own."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

from .tasks import (
    PRUNE_AFTER_S,
    SUBMIT_TIMEOUT_S,
    EngineUnavailable,
    TaskHandle,
    TaskSpec,
    _command,
    task_outcome,
)

if TYPE_CHECKING:
    from radical.asyncflow import WorkflowEngine

logger = logging.getLogger(__name__)


class AsyncFlowEngine:
    """An AsyncFlow ``WorkflowEngine`` over one rhapsody backend, on its own event-loop thread.

    ``make_backend`` is a coroutine function returning an initialised rhapsody
    backend; it runs on the engine's loop.  Subclass hooks let a backend add
    state observers and health checks.
    """

    # Report SUBMITTED when the task is handed over (for backends without a queued state of their own).
    announce_submitted = False

    def __init__(
        self,
        name: str,
        *,
        make_backend: Callable[[], Awaitable[Any]],
        describe: dict,
        start_timeout_s: float,
        retry_after_s: float,
        work_dir: str,
    ):
        self.name = name
        self.describe = describe
        self._make_backend = make_backend
        self._start_timeout_s = start_timeout_s
        self._retry_after_s = retry_after_s
        self._work_dir = work_dir
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.engine: WorkflowEngine | None = None
        self.backend: Any = None
        # The engine's wrappers, made once it has started: for commands, and for each async function.
        self._exe: Callable[..., Any] | None = None
        self._fn: dict[Callable[..., Awaitable[Any]], Any] = {}
        self.state = "idle"
        self.error: str | None = None
        self._failed_at: float | None = None
        self.started_at: float | None = None
        self.start_seconds: float | None = None
        self._handles: dict[str, TaskHandle] = {}
        self._tokens: dict[str, TaskHandle] = {}
        self._early: dict[str, list[tuple[str, dict]]] = {}
        self._map_lock = threading.Lock()

    # --- lifecycle ---------------------------------------------------------------
    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or not self._thread or not self._thread.is_alive():
            self._loop = asyncio.new_event_loop()
            self._thread = threading.Thread(target=self._loop.run_forever, name=f"asyncflow-{self.name}", daemon=True)
            self._thread.start()
        return self._loop

    def start(self) -> None:
        """Start the engine once; raise EngineUnavailable (quickly, for a while) when it cannot start."""
        if self.state == "up":
            return
        with self._lock:
            if self.state == "up":
                return
            if self._failed_at is not None and time.monotonic() - self._failed_at < self._retry_after_s:
                raise EngineUnavailable(self.error)
            loop = self._ensure_loop()
            self.state = "starting"
            began = time.monotonic()
            future = asyncio.run_coroutine_threadsafe(self._start_async(), loop)
            try:
                future.result(timeout=self._start_timeout_s)
            except FutureTimeout:
                future.cancel()
                self._fail(f"{self.name} backend did not start within {self._start_timeout_s:g} s")
            except Exception as exc:  # noqa: BLE001 - any start failure is reported to the steps
                self._fail(f"{self.name} backend could not start: {type(exc).__name__}: {exc}")
            self.state = "up"
            self.error = None
            self._failed_at = None
            self.started_at = time.time()
            self.start_seconds = time.monotonic() - began
            logger.info("%s backend up in %.1f s", self.name, self.start_seconds)

    def _fail(self, message: str) -> None:
        self.state = "failed"
        self.error = message
        self._failed_at = time.monotonic()
        logger.error(message)
        raise EngineUnavailable(message)

    async def _start_async(self) -> None:
        from radical.asyncflow import WorkflowEngine

        backend = await self._make_backend()
        try:
            os.makedirs(self._work_dir, exist_ok=True)
            engine = await WorkflowEngine.create(
                backend=backend, work_dir=self._work_dir, uid=f"studio.{self.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}"
            )
            self.after_start(backend)
        except BaseException:
            await backend.shutdown()
            raise
        self.backend, self.engine = backend, engine
        self._exe = engine.executable_task(_command)
        self._fn = {}

    def after_start(self, backend) -> None:
        """Hook: wire the backend's own state callbacks to ``observe``."""

    def check_alive(self) -> None:
        """Hook: raise EngineUnavailable when the backend has died since it started."""

    def shutdown(self, timeout: float = 90.0) -> None:
        """Stop the engine and its backend (pilot, client); safe to call twice or before start."""
        with self._lock:
            engine, loop = self.engine, self._loop
            self.engine = self.backend = None
            self.state = "idle" if self.state != "failed" else self.state
            if engine is not None and loop is not None:
                try:
                    asyncio.run_coroutine_threadsafe(engine.shutdown(), loop).result(timeout=timeout)
                except Exception:  # shutting down is best effort
                    logger.exception("%s backend did not shut down cleanly", self.name)
            if loop is not None:
                loop.call_soon_threadsafe(loop.stop)
                if self._thread is not None:
                    self._thread.join(timeout=5)
            self._loop = self._thread = None

    def reset(self, reason: str) -> None:
        """The backend died: fail new steps with ``reason`` for a while, then start afresh."""
        logger.error("%s backend lost: %s", self.name, reason)
        threading.Thread(target=self.shutdown, name=f"asyncflow-{self.name}-reset", daemon=True).start()
        self.state, self.error, self._failed_at = "failed", reason, time.monotonic()

    def status(self) -> dict:
        return {
            "state": self.state,
            "error": self.error,
            "started_at": self.started_at,
            "start_seconds": self.start_seconds,
            "tasks": len(self._handles),
            **self.describe,
        }

    # --- states ------------------------------------------------------------------
    def observe(self, uid: str, state: str, at: float | None = None, **detail: Any) -> None:
        """A backend state for engine task ``uid``, from any thread; buffered until the uid is known."""
        with self._map_lock:
            handle = self._handles.get(uid)
            if handle is None:
                self._early.setdefault(uid, []).append((state, {"at": at or time.time(), **detail}))
                return
        handle.state(state, at, **detail)

    def observe_token(self, token: str, state: str, at: float | None = None, **detail: Any) -> None:
        with self._map_lock:
            handle = self._tokens.get(token)
        if handle is not None:
            handle.state(state, at, **detail)

    def _bind(self, uid: str, handle: TaskHandle) -> None:
        with self._map_lock:
            handle.uid = uid
            self._handles[uid] = handle
            early = self._early.pop(uid, [])
        for state, detail in early:
            handle.events.put(("state", state, detail))

    def _unbind(self, handle: TaskHandle) -> None:
        with self._map_lock:
            if handle.uid:
                self._handles.pop(handle.uid, None)
                self._early.pop(handle.uid, None)
            if handle.spec.token:
                self._tokens.pop(handle.spec.token, None)

    # --- tasks -------------------------------------------------------------------
    def function_task(self, func: Callable[..., Awaitable[Any]]):
        """The engine's ``function_task`` wrapper for ``func``, made once per function."""
        wrapped = self._fn.get(func)
        if wrapped is None:
            if self.engine is None:
                raise RuntimeError(f"{self.name} engine is not running")
            wrapped = self._fn[func] = self.engine.function_task(func)
        return wrapped

    def submit(self, spec: TaskSpec) -> TaskHandle:
        self.check_alive()
        handle = TaskHandle(spec)
        if spec.token:
            with self._map_lock:
                self._tokens[spec.token] = handle
        loop = self._loop
        if loop is None:
            raise RuntimeError(f"{self.name} engine has no event loop (not started, or shut down)")
        asyncio.run_coroutine_threadsafe(self._submit_async(handle), loop).result(timeout=SUBMIT_TIMEOUT_S)
        return handle

    async def _submit_async(self, handle: TaskHandle) -> None:
        spec = handle.spec
        if spec.kind == "executable":
            if self._exe is None:
                raise RuntimeError(f"{self.name} engine is not running")
            future = self._exe(spec.command, task_description=spec.task_description, workflow_id=spec.label)
        else:
            if spec.function is None:
                raise ValueError(f"function task {spec.label} has no function")
            future = self.function_task(spec.function)(
                *spec.args, task_description=spec.task_description, workflow_id=spec.label
            )
        handle.future = future
        # The decorator registers the task in a task of its own; the uid exists
        # once that ran, before the engine's run loop can submit it.
        for _ in range(1000):
            if hasattr(future, "task") or future.done():
                break
            await asyncio.sleep(0)
        if hasattr(future, "task"):
            self._bind(future.task["uid"], handle)
        if self.announce_submitted:
            handle.state("SUBMITTED")
        future.add_done_callback(lambda f: self._finished(handle, f))

    def _finished(self, handle: TaskHandle, future: asyncio.Future) -> None:
        description = getattr(future, "task", None) or {}
        if self.announce_submitted:
            handle.state("CANCELED" if future.cancelled() else "FAILED" if future.exception() else "DONE")
        handle.events.put(("done", task_outcome(handle.spec, future, description)))
        self._unbind(handle)
        loop = self._loop
        # No loop: the engine is shutting down, and its components go with it.
        if handle.uid and loop is not None:
            loop.call_later(PRUNE_AFTER_S, self._prune, handle.uid)

    def _prune(self, uid: str) -> None:
        # The engine keeps every component forever; a worker's engine lives for
        # months, so finished tasks are dropped once its run loop is past them.
        engine = self.engine
        if engine is None or uid in engine.running:
            return
        engine.components.pop(uid, None)
        engine.dependencies.pop(uid, None)
        engine.resolved.discard(uid)
        tasks = getattr(self.backend, "tasks", None)
        if isinstance(tasks, dict):
            tasks.pop(uid, None)

    def cancel(self, handle: TaskHandle) -> None:
        """Ask the backend to cancel the task (RADICAL ``cancel_tasks``, Dask ``Future.cancel``)."""
        future, loop = handle.future, self._loop
        if future is not None and loop is not None and not future.done():
            loop.call_soon_threadsafe(future.cancel)
