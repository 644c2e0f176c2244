"""Two worker processes on one database and one Redis: the production shape, scaled out."""

from collections import Counter

import pytest

from campaigns_app.models import RunEvent, StepRun
from campaigns_app.services import batch_launch, campaign_create
from scripts.stack import terminate
from tests.live import start_worker

from .helpers import assert_gap_free, wait_for_runs

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def noop(step_id):
    return {"id": step_id, "name": step_id, "kind": "function", "function": "noop", "kwargs": {}}


@pytest.fixture
def second_worker(worker_logs):
    process, log_path = start_worker(worker_logs, name="second")
    yield process
    terminate([process])


def test_two_workers_share_the_steps_and_every_step_succeeds_exactly_once(alice, second_worker):
    chain = campaign_create(
        owner=alice,
        name="chains",
        graph={
            "steps": [noop(f"s{k}") for k in range(1, 5)],
            "edges": [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, 4)],
        },
    )
    wide = campaign_create(owner=alice, name="wide", graph={"steps": [noop(f"w{k}") for k in range(300)], "edges": []})
    _, chains = batch_launch(campaign=chain, user=alice, instances=[{"parameters": {}}] * 60)
    _, [flat] = batch_launch(campaign=wide, user=alice, instances=[{"parameters": {}}])
    run_ids = [r.pk for r in (*chains, flat)]
    runs = wait_for_runs(run_ids, timeout=120)
    assert {r.state for r in runs} == {"succeeded"}
    succeeded = Counter(
        RunEvent.objects.filter(run_id__in=run_ids, type="step.state", state="succeeded").values_list(
            "run_id", "step_id"
        )
    )
    assert len(succeeded) == 60 * 4 + 300 and set(succeeded.values()) == {1}
    for run_id in run_ids:
        assert_gap_free(run_id)
    # Both processes ran steps (the worker column names the process that ran each one).
    workers = set(StepRun.objects.filter(run_id__in=run_ids).values_list("worker", flat=True))
    assert len(workers) == 2, workers
