"""A worker killed mid-step takes its executable steps with it: nothing they started keeps running."""

import time

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.integration.helpers import processes_running, unique_sleep
from tests.live import start_worker

from .conftest import kill_hard

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("alice_runs_commands")]


def wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_a_killed_worker_leaves_no_step_process_behind(alice, processes, clean_broker, tmp_path):
    marker = unique_sleep()
    campaign = campaign_create(
        owner=alice,
        name="orphans",
        graph={
            "steps": [
                {
                    "id": "long",
                    "kind": "executable",
                    "argv": ["sh", "-c", f"setsid sleep {marker} & exec sleep {marker}"],
                }
            ],
            "edges": [],
        },
    )
    victim, _ = start_worker(tmp_path, concurrency=2, name="victim")
    processes.append(victim)
    run_launch(campaign=campaign, user=alice)
    wait_for(lambda: len(processes_running("sleep", marker)) == 2, timeout=30)
    kill_hard(victim)
    # The supervisor sees its worker's pipe close and kills the step and the child it detached.
    wait_for(lambda: not processes_running("sleep", marker), timeout=10)
