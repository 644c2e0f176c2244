"""Dask through rhapsody's ``DaskExecutionBackend`` under an AsyncFlow engine.

Connects to the scheduler in settings (``STUDIO_DASK_SCHEDULER``), or starts
a ``LocalCluster`` in the worker when none is set.  Function and executable
steps both run on Dask workers through ``remote.py``, executables through the
sandbox supervisor as on the thread backend; ``remote.py`` announces when a
step really starts executing, so the time it waited for a Dask worker shows
apart from its run time.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from ..step_functions import get_function
from .base import StepInvocation, StepOutcome
from .engine import AsyncFlowEngine, EngineUnavailable, TaskSpec, run_on_engine
from .remote import TOPIC, run_step_function, run_step_isolated
from .resources import step_timeout_s
from .sandbox import SandboxConfig
from .sandbox.launch import attempt_call

logger = logging.getLogger(__name__)


class DaskEngine(AsyncFlowEngine):
    # Dask has no queued state of its own to report: submission starts the wait for a worker.
    announce_submitted = True

    def __init__(self, config: dict, var_dir: Path):
        self.config = config
        self.cluster: Any = None  # a distributed.LocalCluster when none is configured (distributed is untyped)
        address = config.get("scheduler") or ""
        connect_timeout = float(config["connect_timeout_s"])
        describe = {
            "resources": {
                "scheduler": address or "LocalCluster",
                **(
                    {}
                    if address
                    else {
                        "workers": int(config["local_workers"]),
                        "threads_per_worker": int(config["threads_per_worker"]),
                    }
                ),
            },
            "functions": True,
        }

        async def make_backend():
            import asyncio

            import distributed
            from rhapsody.backends.execution.dask_parallel import DaskExecutionBackend

            if address:
                try:
                    client = await asyncio.wait_for(
                        distributed.Client(address, asynchronous=True, timeout=connect_timeout), connect_timeout + 5
                    )
                except (TimeoutError, OSError) as exc:
                    raise EngineUnavailable(
                        f"dask scheduler {address} is unreachable: {type(exc).__name__}: {exc}"
                    ) from None
            else:
                threads = int(config["threads_per_worker"])
                self.cluster = await distributed.LocalCluster(
                    n_workers=int(config["local_workers"]),
                    threads_per_worker=threads,
                    processes=True,
                    asynchronous=True,
                    dashboard_address=None,
                    resources={"CPU": threads},
                    local_directory=str(var_dir / "dask"),
                )
                client = await distributed.Client(self.cluster, asynchronous=True)
            # rhapsody leaves a client it was given open; ``shutdown`` closes it.
            self.client = client
            client.subscribe_topic(TOPIC, self._on_worker_event)
            return await DaskExecutionBackend(client=client)

        super().__init__(
            "dask",
            make_backend=make_backend,
            describe=describe,
            start_timeout_s=connect_timeout + 120.0,
            retry_after_s=float(config["retry_after_s"]),
            work_dir=str(var_dir / "asyncflow"),
        )

    def _on_worker_event(self, event) -> None:
        _, message = event
        if isinstance(message, dict) and message.get("token"):
            self.observe_token(
                message["token"], message.get("state", "EXECUTING"), at=message.get("at"), worker=message.get("worker")
            )

    def check_alive(self) -> None:
        client = getattr(self, "client", None)
        if self.state == "up" and client is not None and client.status not in ("running", "connecting"):
            message = f"dask client is {client.status}: the scheduler went away"
            self.reset(message)
            raise EngineUnavailable(message)

    def shutdown(self, timeout: float = 90.0) -> None:
        loop, client, cluster = self._loop, getattr(self, "client", None), self.cluster
        if loop is not None and (client is not None or cluster is not None):
            import asyncio

            async def close():
                if client is not None:
                    await client.close()
                if cluster is not None:
                    await cluster.close()

            # Before the engine stops its loop; the engine's own shutdown cancels tasks first.
            engine = self.engine
            if engine is not None:
                try:
                    asyncio.run_coroutine_threadsafe(engine.shutdown(), loop).result(timeout=timeout)
                except Exception:
                    logger.exception("dask engine did not shut down cleanly")
                self.engine = None
            try:
                asyncio.run_coroutine_threadsafe(close(), loop).result(timeout=timeout)
            except Exception:
                logger.exception("dask client or cluster did not close cleanly")
        self.client = self.cluster = None
        super().shutdown(timeout)


def task_description(invocation: StepInvocation, token: str) -> dict:
    resources = invocation.resources or {}
    wanted = {}
    if resources.get("cores"):
        wanted["CPU"] = resources["cores"]
    if resources.get("gpus"):
        wanted["GPU"] = resources["gpus"]
    # A key of our own: several studio workers share one scheduler, and the
    # engine's task uids restart from 1 in each of them.
    description: dict = {"key": f"studio-{invocation.run_id}-{invocation.step_id}-{invocation.attempt}-{token}"}
    if wanted:
        description["resources"] = wanted
    return description


class DaskBackend:
    name = "dask"

    def __init__(self, config: dict, var_dir: Path):
        self.engine = DaskEngine(config, var_dir)

    def start(self) -> None:
        self.engine.start()

    def run(self, invocation: StepInvocation) -> StepOutcome:
        token = uuid.uuid4().hex
        meta = {
            "token": token,
            "run_id": invocation.run_id,
            "step_id": invocation.step_id,
            "attempt": invocation.attempt,
        }
        if invocation.kind == "function":
            if invocation.function is None:  # validation gives every function step one
                raise ValueError(f"step {invocation.step_id}: a function step names no function")
            registered = get_function(invocation.function)
            meta["wants"] = sorted(registered.wants)
            meta["inputs"] = invocation.inputs
            spec = TaskSpec(
                label=f"run-{invocation.run_id}",
                kind="function",
                function=run_step_function,
                args=(registered.func, dict(invocation.kwargs), meta),
                token=token,
                task_description=task_description(invocation, token),
            )
        else:
            # Built per attempt, here, and applied on the Dask worker: its attempt folders go under the
            # STUDIO_STEP_WORKDIR_ROOT the studio is configured with, on the worker's machine.
            spec = TaskSpec(
                label=f"run-{invocation.run_id}",
                kind="function",
                function=run_step_isolated,
                args=(
                    attempt_call(invocation),
                    SandboxConfig.from_settings(settings),
                    settings.STUDIO_MAX_RESULT_BYTES,
                    meta,
                ),
                token=token,
                task_description=task_description(invocation, token),
            )
        outcome = run_on_engine(
            self.engine, invocation, spec, timeout_s=step_timeout_s(invocation.timeout_s, invocation.resources or {})
        )
        if outcome.ok and invocation.kind == "executable":
            return StepOutcome(**outcome.result)
        return outcome

    def status(self) -> dict:
        return self.engine.status()

    def shutdown(self) -> None:
        self.engine.shutdown()
