"""A worker killed with SIGKILL mid-run loses nothing: its steps are reclaimed and every run finishes."""

import time

import pytest

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import batch_launch, campaign_create
from tests.integration.helpers import assert_gap_free, wait_for_runs
from tests.live import start_worker

from .conftest import kill_hard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RUNS, STEPS = 50, 4


def wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_fifty_campaigns_survive_a_worker_killed_twice(alice, processes, clean_broker, tmp_path):
    graph = {"steps": [{"id": f"s{k}", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0.4}}
                       for k in range(1, STEPS + 1)],
             "edges": [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, STEPS)]}
    campaign = campaign_create(owner=alice, name="fault", graph=graph)
    steady, _ = start_worker(tmp_path, concurrency=8, name="steady")
    victim, _ = start_worker(tmp_path, concurrency=8, name="victim-1")
    processes.extend([steady, victim])
    _, runs = batch_launch(campaign=campaign, user=alice, instances=[{"parameters": {}}] * RUNS)
    run_ids = [r.pk for r in runs]

    for round_ in (1, 2):
        # Kill only while the victim is in the middle of steps, so work is really lost.
        wait_for(lambda victim=victim: StepRun.objects.filter(run_id__in=run_ids, state="running",
                                                              worker__contains=f":{victim.pid}").exists(), timeout=30)
        kill_hard(victim)
        if round_ == 1:
            victim, _ = start_worker(tmp_path, concurrency=8, name="victim-2")
            processes.append(victim)

    runs = wait_for_runs(run_ids, timeout=120)
    assert [r.state for r in runs] == ["succeeded"] * RUNS
    for run_id in run_ids:
        assert_gap_free(run_id)
        for k in range(1, STEPS + 1):
            assert RunEvent.objects.filter(run_id=run_id, step_id=f"s{k}", state="succeeded").count() == 1
    lost = RunEvent.objects.filter(run_id__in=run_ids, state="failed", data__reason="worker_lost")
    assert lost.count() >= 2, "each kill must have cost at least one running step an attempt"
    reclaimed = StepRun.objects.filter(run_id__in=run_ids, reclaims__gt=0)
    assert all(sr.attempts >= 2 and sr.state == "succeeded" for sr in reclaimed)
    assert not StepRun.objects.filter(run_id__in=run_ids).exclude(state="succeeded").exists()
