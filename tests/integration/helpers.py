from __future__ import annotations

import os
import time
import uuid
from datetime import datetime

from campaigns_app.models import RUN_TERMINAL, Run, RunEvent, StepRun


def wait_for_runs(run_ids, timeout: float = 60.0) -> list[Run]:
    """Poll the database until every run has ended; fail with their states when it takes too long."""
    deadline = time.monotonic() + timeout
    while True:
        runs = list(Run.objects.filter(pk__in=run_ids).order_by("pk"))
        if all(r.state in RUN_TERMINAL for r in runs):
            return runs
        if time.monotonic() > deadline:
            raise AssertionError(f"runs not finished after {timeout} s: {[(r.pk, r.state) for r in runs]}")
        time.sleep(0.05)


def step_times(run_id: int) -> dict[str, dict[str, datetime]]:
    """When each step entered each state, from the stored events."""
    times: dict[str, dict[str, datetime]] = {}
    for event in RunEvent.objects.filter(run_id=run_id, type="step.state").order_by("seq"):
        times.setdefault(event.step_id, {})[event.state] = event.at
    return times


def assert_gap_free(run_id: int) -> None:
    seqs = list(RunEvent.objects.filter(run_id=run_id).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1)), seqs


def unique_sleep() -> str:
    """A sleep length no other process on the machine uses, to find a step's processes by their command line.

    Steps run as another user and, under bubblewrap, in their own pid namespace, so the pids they could
    write down would not be the host's.
    """
    return f"60.{uuid.uuid4().int % 10**9:09d}"


def processes_running(*argv: str) -> list[int]:
    """Host pids of live (not zombie) processes whose command line is exactly ``argv``."""
    found = []
    wanted = "\0".join(argv).encode() + b"\0"
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if cmdline.read() != wanted:
                    continue
            with open(f"/proc/{entry}/stat", "rb") as stat:
                if stat.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    continue
        except OSError:
            continue
        found.append(int(entry))
    return found


def wait_until(predicate, timeout: float = 20.0) -> None:
    """Poll ``predicate`` until it holds; fail the test when it does not within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def step(run, step_id):
    return StepRun.objects.get(run=run, step_id=step_id)
