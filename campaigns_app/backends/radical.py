"""RADICAL-Pilot through rhapsody's ``RadicalExecutionBackend`` under an AsyncFlow engine.

One pilot per worker process, submitted when the worker starts (or on the
first step) and closed with the worker.  Executable steps run as pilot tasks, each
through the sandbox launcher (``sandbox/launch.py``) as on the thread backend;
function steps are refused when the campaign is saved (``registry.backend_refuses``).
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import time
from pathlib import Path

from django.conf import settings

from ..graph.resources import walltime_seconds
from .base import StepInvocation, StepOutcome
from .engine import AsyncFlowEngine, EngineUnavailable, TaskSpec, command_line, run_on_engine
from .resources import step_timeout_s
from .sandbox import SandboxConfig
from .sandbox.launch import attempt_call, launch_argument, outcome_from_stdout

logger = logging.getLogger(__name__)

# The RADICAL task states shown on the timeline: waiting for the pilot,
# staging, waiting for cores inside the pilot, executing, and the ends.
REPORTED_STATES = {
    "TMGR_SCHEDULING",
    "AGENT_STAGING_INPUT",
    "AGENT_SCHEDULING",
    "AGENT_EXECUTING",
    "AGENT_STAGING_OUTPUT",
    "DONE",
    "FAILED",
    "CANCELED",
}
PILOT_FINAL = {"DONE", "FAILED", "CANCELED"}


def pilot_description(config: dict) -> dict:
    description = {
        "resource": config["resource"],
        "runtime": int(config["runtime"]),
        "cores": int(config["cores"]),
        "gpus": int(config["gpus"]),
        "exit_on_error": False,
    }
    for key in ("project", "queue", "access_schema", "sandbox"):
        if config.get(key):
            description[key] = config[key]
    return description


def _prepare_process_env(var_dir: Path) -> None:
    # The pilot agent starts in a login shell that resets PATH, and finds
    # RADICAL-Pilot through the client's virtualenv; session folders go under
    # var/ rather than the worker's working directory.
    if sys.prefix != sys.base_prefix:
        os.environ.setdefault("VIRTUAL_ENV", sys.prefix)
        venv_bin = str(Path(sys.executable).parent)
        if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = os.pathsep.join([venv_bin, os.environ.get("PATH", "")])
    base = var_dir / "radical"
    base.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("RADICAL_PILOT_BASE", str(base))
    os.environ.setdefault("RADICAL_LOG_LVL", "WARNING")
    os.environ.setdefault("RADICAL_REPORT", "FALSE")


class RadicalEngine(AsyncFlowEngine):
    def __init__(self, config: dict, var_dir: Path):
        self.config = config
        self.pilot = None
        description = pilot_description(config)

        async def make_backend():
            import asyncio

            from rhapsody.backends.execution.radical_pilot import RadicalExecutionBackend

            _prepare_process_env(var_dir)
            backend = await RadicalExecutionBackend(dict(description))
            pilot = backend.resource_pilot
            wait_s = float(config["pilot_wait_s"])
            if wait_s > 0:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(
                    None, lambda: pilot.wait(state=["PMGR_ACTIVE", *PILOT_FINAL], timeout=wait_s)
                )
                if pilot.state != "PMGR_ACTIVE":
                    state = pilot.state
                    await backend.shutdown()
                    raise EngineUnavailable(
                        f"pilot {pilot.uid} on {description['resource']} is {state}, not active after "
                        f"{wait_s:g} s (session files: {backend.session.path})"
                    )
            self.pilot = pilot
            return backend

        super().__init__(
            "radical",
            make_backend=make_backend,
            describe={"resources": description, "functions": False},
            start_timeout_s=float(config["pilot_wait_s"]) + 180.0,
            retry_after_s=float(config["retry_after_s"]),
            work_dir=str(var_dir / "asyncflow"),
        )

    def after_start(self, backend) -> None:
        def on_state(task, state, *_):
            if state in REPORTED_STATES:
                self.observe(task.uid, state, at=time.time(), pilot=getattr(task, "pilot", None))

        backend.task_manager.register_callback(on_state)

    def check_alive(self) -> None:
        pilot = self.pilot
        if pilot is not None and pilot.state in PILOT_FINAL:
            message = (
                f"pilot {pilot.uid} on {self.config['resource']} ended ({pilot.state}); a new pilot is "
                f"started for later steps"
            )
            self.reset(message)
            raise EngineUnavailable(message)

    def status(self) -> dict:
        status = super().status()
        pilot = self.pilot
        if pilot is not None and self.state == "up":
            status["pilot"] = {"uid": pilot.uid, "state": pilot.state}
        return status


def task_description(invocation: StepInvocation) -> dict:
    resources = invocation.resources or {}
    description: dict = {
        "name": f"{invocation.run_id}.{invocation.step_id}.{invocation.attempt}",
        "ranks": 1,
        "cores_per_rank": int(resources.get("cores") or 1),
    }
    if resources.get("gpus"):
        description["gpus_per_rank"] = resources["gpus"]
    if resources.get("partition"):
        description["partition"] = resources["partition"]
    if resources.get("walltime"):
        description["timeout"] = walltime_seconds(resources["walltime"])
    # The launcher is imported from the code base (``-m``, from the current folder); the step's own ``cwd`` is
    # made inside its attempt folder by the launcher.
    description["pre_exec"] = [f"cd {shlex.quote(str(settings.BASE_DIR))}"]
    return description


def isolated_command(invocation: StepInvocation) -> str:
    """The pilot task: the sandbox launcher, which runs the step's argv under the supervisor on the pilot's node
    (scrubbed environment, a fresh folder under STUDIO_STEP_WORKDIR_ROOT, limits, the step user)."""
    argument = launch_argument(
        attempt_call(invocation), SandboxConfig.from_settings(settings), settings.STUDIO_MAX_RESULT_BYTES
    )
    return command_line([sys.executable, "-E", "-s", "-m", "campaigns_app.backends.sandbox.launch", argument])


def outcome_of(engine_outcome: StepOutcome) -> StepOutcome:
    """The launcher's own verdict, from its last stdout line."""
    if not engine_outcome.ok:
        return engine_outcome
    result = engine_outcome.result
    verdict = outcome_from_stdout(result) if isinstance(result, str) else None
    if verdict is None:
        return StepOutcome.failure(f"the step's launcher gave no verdict: {str(result)[-200:]}")
    return StepOutcome(**verdict)


class RadicalBackend:
    name = "radical"

    def __init__(self, config: dict, var_dir: Path):
        self.engine = RadicalEngine(config, var_dir)

    def start(self) -> None:
        self.engine.start()

    def run(self, invocation: StepInvocation) -> StepOutcome:
        if invocation.kind != "executable":
            from .registry import REFUSES

            return StepOutcome.failure(REFUSES["radical"]["function"], reason="error")
        spec = TaskSpec(
            label=f"run-{invocation.run_id}",
            kind="executable",
            command=isolated_command(invocation),
            task_description=task_description(invocation),
        )
        return outcome_of(
            run_on_engine(
                self.engine,
                invocation,
                spec,
                timeout_s=step_timeout_s(invocation.timeout_s, invocation.resources or {}),
            )
        )

    def status(self) -> dict:
        return self.engine.status()

    def shutdown(self) -> None:
        self.engine.shutdown()
