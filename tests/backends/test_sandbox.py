"""The executable runner: scrubbed environment, fresh folders, limits, the step user, and no process left behind."""

from __future__ import annotations

import os
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from campaigns_app.backends.base import StepInvocation
from campaigns_app.backends.sandbox import SandboxConfig, run_executable
from campaigns_app.backends.sandbox.policy import SandboxUnavailable, bwrap_path, step_identity
from tests.integration.helpers import processes_running, unique_sleep

LIMIT = 1024 * 1024


class Collected:
    def __init__(self):
        self.lines: list[tuple[str, str]] = []

    def __call__(self, stream, line):
        self.lines.append((stream, line))

    def text(self, stream="stdout"):
        return "\n".join(line for s, line in self.lines if s == stream)


def run(argv, *, attempt=1, config=None, log=None, **fields):
    inv = StepInvocation(
        run_id=fields.pop("run_id", 7),
        step_id=fields.pop("step_id", "s"),
        attempt=attempt,
        kind="executable",
        argv=list(argv),
        log=log,
        **fields,
    )
    return run_executable(inv, config or SandboxConfig.from_settings(django_settings), max_result_bytes=LIMIT)


def sh(script, **fields):
    return run(["sh", "-c", script], **fields)


def test_the_step_sees_only_a_safe_base_and_its_own_env(monkeypatch):
    monkeypatch.setenv("WORKER_SECRET", "hunter2")
    log = Collected()
    outcome = sh("env", env={"MODE": "fast"}, log=log)
    assert outcome.ok, outcome.error
    env = dict(line.split("=", 1) for line in log.text().splitlines() if "=" in line)
    assert "WORKER_SECRET" not in env and "hunter2" not in log.text()
    assert "DATABASE_URL" not in env and "REDIS_URL" not in env and "DJANGO_SETTINGS_MODULE" not in env
    assert env["PATH"] == "/usr/local/bin:/usr/bin:/bin" and env["LANG"] == "C.UTF-8" and env["MODE"] == "fast"
    root = Path(django_settings.STUDIO_STEP_WORKDIR_ROOT)
    assert env["HOME"] == str(root / "run-7.s.1") and env["TMPDIR"] == env["HOME"] + "/tmp"


def test_unsafe_env_saved_before_the_rule_is_still_refused_at_run_time():
    outcome = sh("echo ran", env={"LD_PRELOAD": "/tmp/x.so"})
    assert not outcome.ok and "env variable LD_PRELOAD may not be set" in outcome.error
    outcome = sh("echo ran", cwd="../../etc")
    assert not outcome.ok and "may not contain '..'" in outcome.error


def test_each_attempt_gets_a_fresh_folder_that_is_removed_afterwards():
    first = sh("pwd; ls -A; echo left-behind > note; mkdir -p deep/er", attempt=1, log=(log1 := Collected()))
    second = sh("ls -A", attempt=2, log=(log2 := Collected()))
    assert first.ok and second.ok
    assert log1.text().splitlines()[0].endswith("/run-7.s.1")
    assert log2.text().split() == ["tmp"]  # nothing of attempt 1
    assert not Path(log1.text().splitlines()[0]).exists()


def test_cwd_is_a_folder_inside_the_attempt_folder():
    outcome = sh("pwd > /dev/stderr; echo ok", cwd="out/data", log=(log := Collected()))
    assert outcome.ok, outcome.error
    assert log.text("stderr").endswith("/run-7.s.1/out/data")


def test_limits_come_from_the_steps_resources_or_the_settings(settings):
    settings.STUDIO_STEP_OPEN_FILES = 99
    log = Collected()
    outcome = sh(
        "ulimit -n; ulimit -t; ulimit -v; ulimit -c",
        log=log,
        resources={"walltime": "00:00:30", "cores": 2, "memory_mb": 512},
    )
    assert outcome.ok, outcome.error
    assert log.text().split() == ["99", "61", str(512 * 1024), "0"]
    log = Collected()
    sh("ulimit -t; ulimit -v", log=log)
    assert log.text().split() == [str(settings.STUDIO_STEP_CPU_S), str(settings.STUDIO_STEP_MEMORY_MB * 1024)]


def test_a_step_over_its_cpu_time_is_killed_saying_so():
    outcome = run(["python3", "-c", "while True: pass"], resources={"walltime": 1})
    assert not outcome.ok
    assert outcome.error.startswith("killed by SIGXCPU (over its CPU-time limit of 2 s)"), outcome.error


def test_a_memory_hungry_step_fails_inside_its_limit():
    outcome = run(["python3", "-c", "x = bytearray(300 * 1024 * 1024)"], resources={"memory_mb": 200})
    assert not outcome.ok and "MemoryError" in outcome.error


def test_nothing_a_step_detached_outlives_it():
    detached, double_forked = unique_sleep(), unique_sleep()
    outcome = sh(f"setsid sleep {detached} & (sh -c 'sleep {double_forked} &' &); sleep 0.3; echo done")
    assert outcome.ok and outcome.result == "done"
    assert processes_running("sleep", detached) == [] and processes_running("sleep", double_forked) == []


def test_a_cancel_kills_the_step_and_everything_it_started():
    marker = unique_sleep()
    cancelled = threading.Event()
    box = {}
    worker = threading.Thread(
        target=lambda: box.setdefault(
            "outcome", sh(f"setsid sleep {marker} & exec sleep {marker}", cancelled=cancelled)
        )
    )
    worker.start()
    deadline = time.monotonic() + 20
    while len(processes_running("sleep", marker)) < 2:
        assert time.monotonic() < deadline, "the step did not start"
        time.sleep(0.05)
    cancelled.set()
    worker.join(20)
    assert box["outcome"].reason == "cancelled"
    assert processes_running("sleep", marker) == []


def test_a_missing_program_is_named():
    outcome = run(["no-such-tool-xyz", "--help"])
    assert not outcome.ok and outcome.error == "executable not found: no-such-tool-xyz"


def test_a_100_mb_line_fails_the_step_without_the_worker_holding_it():
    log = Collected()
    tracemalloc.start()
    try:
        outcome = sh("head -c 100000000 /dev/zero | tr '\\0' x; echo", log=log)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not outcome.ok and outcome.reason == "result"
    assert outcome.error == "result is 100000000 bytes, over the 1048576-byte limit (the last stdout line)"
    [(_, line)] = log.lines
    assert line.endswith("[line cut: longer than 16384 bytes]") and len(line) < 17000
    # The result limit (1 MiB) plus a few read chunks, not the line's 100 MB.
    assert peak < 8 * 1024 * 1024, f"{peak} bytes buffered"


def test_the_last_line_that_fits_is_the_result_even_after_a_long_one():
    outcome = sh("head -c 3000000 /dev/zero | tr '\\0' y; echo; echo '{\"ok\": true}'")
    assert outcome.ok and outcome.result == {"ok": True}


def _isolating() -> str | None:
    """Why steps cannot be isolated from the worker here, or None when they are."""
    try:
        identity = step_identity(django_settings.STUDIO_STEP_USER)
        wrapped = bwrap_path(django_settings.STUDIO_STEP_SANDBOX, identity)
    except SandboxUnavailable as exc:
        return str(exc)
    if identity.uid is None and wrapped is None:
        return "steps run as the worker's own user (not root, or STUDIO_STEP_USER empty) and no bubblewrap is usable"
    return None


def test_the_worker_files_and_environment_stay_out_of_reach():
    reason = _isolating()
    if reason and os.environ.get("CI") != "true":
        pytest.skip(f"cannot enforce isolation here: {reason}")
    assert reason is None, reason
    secret = Path(django_settings.VAR_DIR) / "secret_key"
    secret.exists() or secret.write_text("test-secret")
    log = Collected()
    outcome = sh(
        f"cat {secret} && echo READ-KEY; ls {django_settings.VAR_DIR} && echo LISTED; "
        f"cat /proc/{os.getpid()}/environ && echo READ-ENV; echo finished",
        log=log,
    )
    assert outcome.ok and outcome.result == "finished"
    everything = "\n".join(line for _, line in log.lines)
    assert "READ-KEY" not in everything and secret.read_text().strip() not in everything
    assert "READ-ENV" not in everything and "DJANGO_SETTINGS_MODULE" not in everything


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root worker changes the step's user")
def test_under_a_root_worker_steps_run_as_nobody_by_default(settings):
    settings.STUDIO_STEP_USER = None
    log = Collected()
    assert sh("id -u", log=log).ok
    assert log.text() == "65534"


def test_a_step_user_the_worker_cannot_become_refuses_the_step(settings):
    settings.STUDIO_STEP_USER = "no-such-user-xyz"
    outcome = sh("echo ran")
    assert not outcome.ok and "STUDIO_STEP_USER='no-such-user-xyz' is not a user" in outcome.error


def test_a_required_sandbox_that_is_missing_refuses_the_step(settings, monkeypatch):
    from campaigns_app.backends.sandbox import policy

    settings.STUDIO_STEP_SANDBOX = "bwrap"
    monkeypatch.setattr(policy, "SAFE_PATH", "/nonexistent")
    monkeypatch.setattr(policy, "_bwrap_checked", {})
    outcome = sh("echo ran")
    assert not outcome.ok and outcome.error.startswith("not started: STUDIO_STEP_SANDBOX=bwrap but bubblewrap")


def test_a_step_cannot_kill_its_supervisor_to_leave_a_child_behind():
    reason = _isolating()
    if reason and os.environ.get("CI") != "true":
        pytest.skip(f"cannot enforce isolation here: {reason}")
    marker = unique_sleep()
    outcome = sh(f"kill -9 $PPID; setsid sleep {marker} & sleep 0.3; echo done")
    assert outcome.ok and outcome.result == "done", outcome.error
    assert processes_running("sleep", marker) == []


def test_make_run_warns_when_steps_would_run_unisolated():
    from campaigns_app.backends.sandbox import isolation_warning

    as_root = isolation_warning({"STUDIO_STEP_USER": "root", "STUDIO_STEP_SANDBOX": "none"}, euid=0)
    assert as_root.startswith("workers run as root with no sandbox and no step user")
    assert isolation_warning({"STUDIO_STEP_SANDBOX": "none"}, euid=0) is None  # steps run as nobody
    assert "run as the worker's own user" in isolation_warning({"STUDIO_STEP_SANDBOX": "none"}, euid=65534)
    assert "will be refused" in isolation_warning({"STUDIO_STEP_USER": "no-such-user-xyz"}, euid=0)
