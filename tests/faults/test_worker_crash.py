"""Workers killed with SIGKILL mid-run lose nothing: their steps are reclaimed and every run finishes.

``make test``: 200 runs of 4 chained steps, a worker killed five times. ``make soak`` (``STUDIO_SOAK=1``):
1000 runs, ten kills.
"""

import time

import pytest

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import batch_launch, campaign_create
from tests.graphs import sleep_chain
from tests.integration.helpers import wait_for_runs
from tests.live import start_worker

from .conftest import assert_every_step_ran_once, kill_hard, scaled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RUNS, KILLS, STEPS = scaled(200, 1000), scaled(5, 10), 4


def wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_campaigns_survive_a_worker_killed_again_and_again(alice, processes, clean_broker, tmp_path, figures):
    graph = sleep_chain(STEPS, seconds=0.25)
    campaign = campaign_create(owner=alice, name="fault", graph=graph)
    # Few threads, so the work outlasts the kills and the restarts between them.
    steady, _ = start_worker(tmp_path, concurrency=4, name="steady")
    victim, _ = start_worker(tmp_path, concurrency=4, name="victim-1")
    processes.extend([steady, victim])
    started = time.monotonic()
    _, runs = batch_launch(campaign=campaign, user=alice, instances=[{"parameters": {}}] * RUNS)
    run_ids = [r.pk for r in runs]

    for kill in range(1, KILLS + 1):
        # Kill only while the victim is in the middle of steps, so work is really lost.
        busy = StepRun.objects.filter(run_id__in=run_ids, state="running", worker__contains=f":{victim.pid}")
        wait_for(busy.exists, timeout=60)
        kill_hard(victim)
        if kill < KILLS:
            victim, _ = start_worker(tmp_path, concurrency=4, name=f"victim-{kill + 1}")
            processes.append(victim)

    runs = wait_for_runs(run_ids, timeout=scaled(180, 900))
    assert len(runs) == RUNS
    ledger = assert_every_step_ran_once(runs, STEPS)
    lost_attempts = RunEvent.objects.filter(run_id__in=run_ids, state="failed", data__reason="worker_lost").count()
    assert lost_attempts >= KILLS, "each kill must have cost at least one running step an attempt"
    reclaimed = StepRun.objects.filter(run_id__in=run_ids, reclaims__gt=0)
    assert all(sr.attempts >= 2 and sr.state == "succeeded" for sr in reclaimed)
    figures(
        suite="worker SIGKILL",
        faults=KILLS,
        attempts_lost=lost_attempts,
        reclaimed=reclaimed.count(),
        seconds=round(time.monotonic() - started),
        **ledger,
    )
