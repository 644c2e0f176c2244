"""Run one attempt of an executable step, isolated from the worker, and say how it ended.

The step gets a fresh folder, a scrubbed environment, resource limits, an
unprivileged user and, when available, a bubblewrap sandbox.  A supervisor
process (``supervise.py``) sits between the worker and the step so that
whatever the step starts is killed when it ends, however it detached.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO

from ...graph.executables import ExecutableRules, cwd_problem, env_problems
from ...graph.resources import walltime_seconds
from ..base import StepInvocation, StepOutcome
from .output import STDERR_TAIL_CHARS, STDERR_TAIL_LINES, LineStream, parse_result, pump
from .policy import (
    SAFE_PATH,
    SandboxConfig,
    SandboxUnavailable,
    StepIdentity,
    bwrap_arguments,
    bwrap_path,
    step_identity,
)

SUPERVISOR = Path(__file__).with_name("supervise.py")
POLL_S = 0.05
# How long past the grace period a stopping supervisor may take before it is killed itself.
SUPERVISOR_MARGIN_S = 10.0


def step_limits(inv: StepInvocation, config: SandboxConfig) -> dict[str, int]:
    """setrlimit values for the step: its walltime (or timeout) times its cores bounds CPU time."""
    resources = inv.resources or {}
    bound = walltime_seconds(resources.get("walltime")) or inv.timeout_s
    cores = max(int(resources.get("cores") or 1), 1)
    cpu = math.ceil(bound * cores) + 1 if bound else config.limits.cpu_s
    memory_mb = int(resources.get("memory_mb") or config.limits.memory_mb)
    return {"cpu": cpu, "as": memory_mb * 1024 * 1024, "nofile": config.limits.open_files, "core": 0}


def step_environment(inv: StepInvocation, *, home: Path, cwd: Path, identity: StepIdentity) -> dict[str, str]:
    """The fixed safe base, then the step's own variables; nothing of the worker's."""
    base = {"PATH": SAFE_PATH, "HOME": str(home), "TMPDIR": str(home / "tmp"), "LANG": "C.UTF-8", "PWD": str(cwd)}
    if identity.name:
        base["USER"] = base["LOGNAME"] = identity.name
    return {**base, **inv.env}


class AttemptFolder:
    """``<root>/run-<id>.<step>.<attempt>``: created fresh, owned by the step's user, removed afterwards.

    Flat, so that no two attempts share a parent that one of them might remove while the other creates.
    """

    def __init__(self, root: Path, inv: StepInvocation, identity: StepIdentity, keep: bool):
        self.root, self.identity, self.keep = root, identity, keep
        self.path = root / f"run-{inv.run_id}.{inv.step_id}.{inv.attempt}"

    def create(self, cwd: str | None) -> Path:
        self.root.mkdir(mode=0o711, parents=True, exist_ok=True)
        if self.path.exists():
            shutil.rmtree(self.path)
        self.path.mkdir(mode=0o700)
        inside = self.path / cwd if cwd else self.path
        for folder in (self.path / "tmp", inside):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        uid, gid = self.identity.uid, self.identity.gid
        if uid is not None and gid is not None:  # both set, or both None (the worker's own)
            chain = [inside, *[p for p in inside.parents if p.is_relative_to(self.path)]]
            for folder in {self.path / "tmp", *chain}:
                os.chown(folder, uid, gid)
        return inside

    def remove(self) -> None:
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


def run_executable(inv: StepInvocation, config: SandboxConfig, *, max_result_bytes: int) -> StepOutcome:
    """Run the step's argv isolated; its last non-blank stdout line (at most ``max_result_bytes``) is the result."""
    rules = ExecutableRules(allow_unsafe_env=config.allow_unsafe_env)
    # Checked again here: a version saved before a rule existed must not get around it.
    problems = env_problems(inv.env, rules) + [p for p in [cwd_problem(inv.cwd)] if p]
    if problems:
        return StepOutcome.failure("; ".join(problems))
    try:
        identity = step_identity(config.step_user)
        bwrap = bwrap_path(config.sandbox, identity)
    except SandboxUnavailable as exc:
        return StepOutcome.failure(f"not started: {exc}")
    folder = AttemptFolder(config.workdir_root, inv, identity, config.keep_workdirs)
    try:
        cwd = folder.create(inv.cwd)
        return _supervised(inv, config, identity, bwrap, folder.path, cwd, max_result_bytes)
    finally:
        folder.remove()


def _supervised(
    inv: StepInvocation,
    config: SandboxConfig,
    identity: StepIdentity,
    bwrap: str | None,
    home: Path,
    cwd: Path,
    max_result_bytes: int,
) -> StepOutcome:
    limits = step_limits(inv, config)
    if identity.uid is not None:
        limits["nproc"] = config.limits.processes  # counted per user: only meaningful for a user of its own
    wrap = [bwrap, *bwrap_arguments(hidden=config.hidden, workdir=home, cwd=cwd)] if bwrap else []
    status_r, status_w = os.pipe()
    spec = {
        "argv": list(inv.argv),
        "env": step_environment(inv, home=home, cwd=cwd, identity=identity),
        "cwd": str(cwd),
        "uid": identity.uid,
        "gid": identity.gid,
        "groups": list(identity.groups),
        "limits": limits,
        "wrap": wrap,
        "grace_s": config.kill_grace_s,
        "status_fd": status_w,
    }
    try:
        # Its own session, so that a last-resort kill reaches the supervisor and anything it left.
        proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(SUPERVISOR)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(status_w,),
            env={"PATH": SAFE_PATH},
            cwd="/",
            start_new_session=True,
        )
    except OSError as exc:
        os.close(status_r)
        return StepOutcome.failure(f"cannot start the step's supervisor: {exc}")
    finally:
        os.close(status_w)
    stdout = LineStream("stdout", inv.log, keep_bytes=max_result_bytes)
    stderr_tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    stderr = LineStream("stderr", inv.log, keep_bytes=STDERR_TAIL_CHARS, tail=stderr_tail)
    readers = [
        threading.Thread(target=pump, args=(_fd(pipe), lines), daemon=True, name=f"step-{inv.step_id}-{lines.stream}")
        for pipe, lines in ((proc.stdout, stdout), (proc.stderr, stderr))
    ]
    for reader in readers:
        reader.start()
    control = proc.stdin  # the spec, then "stop", go to the supervisor through it
    assert control is not None  # opened with stdin=PIPE
    control.write((json.dumps(spec) + "\n").encode())
    control.flush()
    ended_by = _wait(proc, control, inv, config)
    verdict = _read_verdict(status_r)
    for reader in readers:
        reader.join(timeout=5)
    control.close()
    return _outcome(inv, verdict, ended_by, stdout, stderr_tail, limits, max_result_bytes, proc.returncode)


def _fd(pipe) -> int:
    """The pipe's descriptor, taken over from its file object (read in chunks by ``pump``)."""
    fd = os.dup(pipe.fileno())
    pipe.close()
    return fd


def _wait(proc: subprocess.Popen, control: IO[bytes], inv: StepInvocation, config: SandboxConfig) -> str | None:
    """Wait for the supervisor; on a cancel or the deadline ask it to stop the step. Returns why it was stopped."""
    deadline = time.monotonic() + inv.timeout_s if inv.timeout_s else None
    ended_by = None
    while proc.poll() is None:
        if ended_by is None:
            if inv.cancelled.is_set():
                ended_by = "cancelled"
            elif deadline is not None and time.monotonic() >= deadline:
                ended_by = "timeout"
            if ended_by:
                _ask_stop(control)
                break
        inv.cancelled.wait(POLL_S)
    if ended_by:
        try:
            proc.wait(timeout=config.kill_grace_s + SUPERVISOR_MARGIN_S)
        except subprocess.TimeoutExpired:
            _kill_session(proc)
    proc.wait()
    return ended_by


def _ask_stop(control: IO[bytes]) -> None:
    try:
        control.write(b"stop\n")
        control.flush()
    except (BrokenPipeError, ValueError):
        pass


def _kill_session(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _read_verdict(fd: int) -> dict | None:
    with os.fdopen(fd, "rb") as verdict_in:
        text = verdict_in.read(65536)
    try:
        return json.loads(text)
    except ValueError:
        return None


def _outcome(
    inv: StepInvocation,
    verdict: dict | None,
    ended_by: str | None,
    stdout: LineStream,
    stderr_tail: deque,
    limits: dict,
    max_result_bytes: int,
    supervisor_code: int | None,
) -> StepOutcome:
    if ended_by == "timeout":
        return StepOutcome.failure(f"timeout: still running after {inv.timeout_s:g} s", reason="timeout")
    if ended_by == "cancelled":
        return StepOutcome.failure("cancelled: the step's processes were stopped", reason="cancelled")
    if verdict is None:
        return StepOutcome.failure(f"the step's supervisor ended without a verdict (exit code {supervisor_code})")
    if verdict.get("error") == "not_found":
        return StepOutcome.failure(f"executable not found: {inv.argv[0]}")
    if verdict.get("error"):
        return StepOutcome.failure(f"cannot start {verdict.get('detail') or inv.argv[0]}")
    tail = "\n".join(stderr_tail).strip()[-STDERR_TAIL_CHARS:]
    if "signal" in verdict:
        name = _signal_name(verdict["signal"])
        why = f" (over its CPU-time limit of {limits['cpu']} s)" if name == "SIGXCPU" else ""
        return StepOutcome.failure(f"killed by {name}{why}" + (f": {tail}" if tail else ""), reason="exit_code")
    if verdict.get("exit") != 0:
        return StepOutcome.failure(
            f"exit code {verdict.get('exit')}" + (f": {tail}" if tail else ""), reason="exit_code"
        )
    try:
        return StepOutcome.success(parse_result(stdout.result, max_result_bytes))
    except ValueError as exc:
        return StepOutcome.failure(str(exc), reason="result")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
