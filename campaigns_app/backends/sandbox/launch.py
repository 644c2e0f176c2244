"""One attempt of an executable step run isolated where a remote backend runs it (a Dask worker, a pilot node).

The studio worker sends what the step is (argv, env, cwd, limits) and its
``SandboxConfig``; the remote side builds the attempt folder under its own
``STUDIO_STEP_WORKDIR_ROOT`` and starts the same supervisor as the thread
backend.  No Django here: the remote side has only the code base.

As a command (``python -m campaigns_app.backends.sandbox.launch <base64 JSON>``)
it prints the outcome as its last stdout line, for backends that run commands.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import sys
import threading
from pathlib import Path

from ..base import StepInvocation
from .policy import SandboxConfig, StepLimits
from .runner import run_executable

OUTCOME_PREFIX = "asyncflow-studio-outcome "


def attempt_call(inv: StepInvocation) -> dict:
    """What the remote side needs of an invocation: plain data, no callbacks."""
    return {
        "run_id": inv.run_id,
        "step_id": inv.step_id,
        "attempt": inv.attempt,
        "argv": list(inv.argv),
        "env": dict(inv.env),
        "cwd": inv.cwd,
        "timeout_s": inv.timeout_s,
        "resources": dict(inv.resources or {}),
    }


def run_isolated(
    call: dict, config: SandboxConfig, max_result_bytes: int, cancelled: threading.Event | None = None
) -> dict:
    inv = StepInvocation(kind="executable", cancelled=cancelled or threading.Event(), **call)
    outcome = run_executable(inv, config, max_result_bytes=max_result_bytes)
    return {"ok": outcome.ok, "result": outcome.result, "error": outcome.error, "reason": outcome.reason}


def config_to_json(config: SandboxConfig) -> dict:
    data = dataclasses.asdict(config)
    data["workdir_root"] = str(config.workdir_root)
    data["hidden"] = [str(p) for p in config.hidden]
    return data


def config_from_json(data: dict) -> SandboxConfig:
    return SandboxConfig(
        **{
            **data,
            "workdir_root": Path(data["workdir_root"]),
            "hidden": tuple(Path(p) for p in data["hidden"]),
            "limits": StepLimits(**data["limits"]),
        }
    )


def launch_argument(call: dict, config: SandboxConfig, max_result_bytes: int) -> str:
    payload = {"call": call, "config": config_to_json(config), "max_result_bytes": max_result_bytes}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def outcome_from_stdout(stdout: str) -> dict | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith(OUTCOME_PREFIX):
            return json.loads(line[len(OUTCOME_PREFIX) :])
    return None


def main(argv: list[str]) -> int:
    payload = json.loads(base64.urlsafe_b64decode(argv[1]))
    outcome = run_isolated(payload["call"], config_from_json(payload["config"]), int(payload["max_result_bytes"]))
    print(OUTCOME_PREFIX + json.dumps(outcome), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
