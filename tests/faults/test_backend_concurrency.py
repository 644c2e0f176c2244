"""Per-backend concurrency: a worker runs at most STUDIO_BACKEND_CONCURRENCY steps of a backend at once."""

import pytest

from campaigns_app.services import campaign_create, run_launch
from tests.integration.helpers import step_times, wait_for_runs
from tests.live import start_worker

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_a_worker_runs_no_more_thread_steps_at_once_than_its_backend_allows(alice, processes, clean_broker, tmp_path):
    worker, _ = start_worker(tmp_path, concurrency=8, env={"STUDIO_BACKEND_CONCURRENCY": "thread=3"})
    processes.append(worker)
    graph = {
        "steps": [
            {"id": f"p{i}", "kind": "function", "function": "sleep", "kwargs": {"seconds": 0.3}} for i in range(9)
        ],
        "edges": [],
    }
    run = run_launch(campaign=campaign_create(owner=alice, name="wide", graph=graph), user=alice)
    [run] = wait_for_runs([run.pk], timeout=30)
    assert run.state == "succeeded"
    spans = [(t["running"], t["succeeded"]) for t in step_times(run.pk).values()]
    # Steps waiting for a slot stay queued, so the running spans show the limit.
    assert max(sum(1 for s, e in spans if s <= moment < e) for moment, _ in spans) == 3
