from __future__ import annotations

import time
from datetime import datetime

from campaigns_app.models import RUN_TERMINAL, Run, RunEvent


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
