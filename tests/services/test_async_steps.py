"""Registered ``async def`` step functions on the thread backend: the seed's own ``workflow_step``."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from campaigns_app import selectors
from campaigns_app.models import Run, StepRun
from campaigns_app.services import (
    campaign_create,
    run_cancel,
    run_launch,
    step_run_execute,
)
from campaigns_app.services.recovery import steps_in_this_process, steps_pass_cancel_requests
from tests.services import seed_steps

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def async_functions(settings, monkeypatch):
    settings.STUDIO_STEP_FUNCTIONS = ["tests.services.seed_steps.workflow_step", "tests.services.seed_steps.wait_long"]
    # pytest swaps sys.stdout per test: route prints through a proxy over this test's stream, as a worker would.
    from campaigns_app.backends import capture

    monkeypatch.setattr(capture, "_installed", False)


def seed_with_workflow_step(owner):
    steps = [
        {
            "id": f"s{k}",
            "name": f"Step {k}",
            "kind": "function",
            "function": "workflow_step",
            "kwargs": {"name": "{{ params.name }}", "step": k},
        }
        for k in range(1, 5)
    ]
    edges = [{"source": f"s{k}", "target": f"s{k + 1}"} for k in range(1, 4)]
    return campaign_create(
        owner=owner,
        name="Seed with async steps",
        graph={"steps": steps, "edges": edges},
        parameters=[{"name": "name", "type": "string", "default": "Campaign A"}],
    )


def drain_concurrently(runs, threads=3):
    """Execute every queued step of the runs, several at once, as a worker's threads would."""
    with ThreadPoolExecutor(threads) as pool:
        while True:
            queued = list(StepRun.objects.filter(run__in=runs, state="queued").values_list("pk", flat=True))
            if not queued:
                break
            list(pool.map(lambda pk: step_run_execute(step_run_id=pk), queued))


def test_the_seed_campaign_runs_with_the_seeds_async_workflow_step(alice):
    campaign = seed_with_workflow_step(alice)
    runs = [run_launch(campaign=campaign, user=alice, parameters={"name": f"Campaign {c}"}) for c in "ABC"]
    drain_concurrently(runs)
    for run, letter in zip(runs, "ABC", strict=True):
        run = Run.objects.get(pk=run.pk)
        assert run.state == "succeeded"
        steps = StepRun.objects.filter(run=run).order_by("order")
        started = [s.result for s in steps]
        assert all(isinstance(t, float) for t in started) and started == sorted(started)
        log = selectors.step_log_text(run.pk, "s2")
        assert f"Campaign {letter} - Step 2 started" in log
        assert f"Campaign {letter} - Step 2 completed" in log
        assert "Campaign" not in log.replace(f"Campaign {letter}", "")  # no other run's lines
    # The three runs' first steps awaited their 0.5 s side by side on the shared loop.
    firsts = sorted(StepRun.objects.filter(run__in=runs, step_id="s1").values_list("result", flat=True))
    assert firsts[-1] - firsts[0] < 0.4


def test_a_timeout_cancels_the_coroutine(alice):
    seed_steps.stopped.clear()
    campaign = campaign_create(
        owner=alice,
        name="slow",
        graph={"steps": [{"id": "w", "kind": "function", "function": "wait_long", "timeout_s": 0.3}], "edges": []},
    )
    run = run_launch(campaign=campaign, user=alice)
    step_run_execute(step_run_id=StepRun.objects.get(run=run).pk)
    step = StepRun.objects.get(run=run)
    assert (step.state, step.error) == ("failed", "timeout: still running after 0.3 s")
    assert seed_steps.stopped == ["cancelled"]  # its clean-up ran before the step was recorded as failed


def test_a_cancel_stops_the_awaiting_coroutine(alice):
    seed_steps.stopped.clear()
    seed_steps.awaiting.clear()
    campaign = campaign_create(
        owner=alice,
        name="slow",
        graph={"steps": [{"id": "w", "kind": "function", "function": "wait_long"}], "edges": []},
    )
    run = run_launch(campaign=campaign, user=alice)
    step_run = StepRun.objects.get(run=run)
    worker = threading.Thread(target=step_run_execute, kwargs={"step_run_id": step_run.pk})
    worker.start()
    # Registered as running is not yet awaiting: a cancel before the coroutine starts never enters it at all.
    assert seed_steps.awaiting.wait(10)
    assert step_run.pk in steps_in_this_process.snapshot()
    run_cancel(run_id=run.pk)
    steps_pass_cancel_requests(steps_in_this_process.snapshot())  # the worker's watchdog, on its next round
    worker.join(5)
    assert not worker.is_alive()
    assert StepRun.objects.get(pk=step_run.pk).state == "cancelled"
    assert seed_steps.stopped == ["cancelled"]
